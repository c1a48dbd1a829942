package io.jcluster.cli.it;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real terminal for black-box tests: a tmux server of its own (socket in the sandbox), one
 * detached session running {@code sh} at a fixed size, with the sandbox's {@code JCLUSTER_HOME},
 * {@code NO_COLOR=1} and a UTF-8 locale. Keys go in with {@code send-keys}, the screen comes out
 * with {@code capture-pane}. Closing kills the server, then its pid.
 */
final class Tmux implements AutoCloseable {
    private static final String SESSION = "top";
    private final Sandbox sandbox;
    private final Path socket;
    private final long serverPid;

    Tmux(Sandbox sandbox, int width, int height) throws IOException, InterruptedException {
        this.sandbox = sandbox;
        this.socket = sandbox.dir.resolve("tmux.sock");
        run("new-session", "-d", "-s", SESSION, "-x", Integer.toString(width), "-y", Integer.toString(height), "sh");
        this.serverPid = Long.parseLong(display("#{pid}").trim());
    }

    /** Whether tmux is installed. */
    static boolean available() {
        try {
            Process p = new ProcessBuilder("tmux", "-V").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Types a line into the shell, then Enter. */
    void type(String line) throws IOException, InterruptedException {
        run("send-keys", "-t", SESSION, "-l", line);
        run("send-keys", "-t", SESSION, "Enter");
    }

    /** Sends keys as tmux names them ({@code q}, {@code Down}, {@code C-c}). */
    void send(String... keys) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("send-keys", "-t", SESSION));
        args.addAll(List.of(keys));
        run(args.toArray(new String[0]));
    }

    /** The screen as text. */
    String capture() {
        try {
            return run("capture-pane", "-p", "-t", SESSION);
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    /** The screen with its attributes as escape sequences. */
    String captureWithEscapes() throws IOException, InterruptedException {
        return run("capture-pane", "-p", "-e", "-t", SESSION);
    }

    /** A tmux format about the pane, e.g. {@code #{alternate_on}}. */
    String display(String format) throws IOException, InterruptedException {
        return run("display-message", "-p", "-t", SESSION, format).trim();
    }

    private String run(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("tmux", "-S", socket.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().remove("TMUX");
        pb.environment().put("JCLUSTER_HOME", sandbox.home.toString());
        pb.environment().put("NO_COLOR", "1");
        pb.environment().put("LANG", "C.UTF-8");
        pb.environment().put("TERM", "xterm-256color");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("tmux " + String.join(" ", args) + " did not finish");
        }
        if (p.exitValue() != 0) throw new IOException("tmux " + String.join(" ", args) + " failed: " + out);
        return out;
    }

    @Override
    public void close() throws Exception {
        try {
            run("kill-server");
        } catch (IOException e) {
            // already gone
        } finally {
            ProcessHandle.of(serverPid).ifPresent(p -> {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
            });
        }
    }
}
