package io.jcluster.cli.top;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The controlling terminal's settings exactly as {@code stty -g} writes them, to put back when
 * {@code top} ends. jline restores the modes it changed but drops the line speed bits of
 * {@code c_cflag} (a pty then reports speed 0); this restores all of it. Best effort: without
 * {@code /dev/tty} or {@code stty} it does nothing.
 */
public final class TtySettings {
    private static final File TTY = new File("/dev/tty");

    private TtySettings() {}

    /** The settings now, or null when they cannot be read. */
    public static String save() {
        String saved = stty("-g");
        return saved == null || saved.isBlank() ? null : saved.trim();
    }

    /** Puts back what {@link #save()} returned (nothing when null). */
    public static void restore(String saved) {
        if (saved != null) stty(saved);
    }

    private static String stty(String arg) {
        if (!TTY.exists()) return null;
        List<String> command = new ArrayList<>(List.of("stty", arg));
        try {
            Process p = new ProcessBuilder(command).redirectInput(TTY).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return null;
            }
            return p.exitValue() == 0 ? new String(out, StandardCharsets.US_ASCII) : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
