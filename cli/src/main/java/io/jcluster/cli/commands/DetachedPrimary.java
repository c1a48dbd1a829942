package io.jcluster.cli.commands;

import io.jcluster.cli.config.ConfigLoader;
import io.jcluster.cli.control.AppNotRunningException;
import io.jcluster.cli.control.ControlClient;
import io.jcluster.cli.host.LogTail;
import io.jcluster.cli.systemd.SdNotify;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A primary launched in a session of its own, output to {@code primary.log}, by {@code upgrade}
 * (as {@code start} launches one): the JVM that runs this very CLI (its java, its class path), so an
 * upgrade runs the new jcluster on the new JDK.
 */
final class DetachedPrimary {
    static final long UP_TIMEOUT_MS = 30_000;

    private DetachedPrimary() {}

    /** Starts {@code __primary <app> <extra...>}, appending its output to {@code log}. */
    static Process launch(String app, Path log, String... extra) throws IOException {
        List<String> command = new ArrayList<>();
        if (new File("/usr/bin/setsid").canExecute()) command.add("/usr/bin/setsid");
        command.add(ConfigLoader.currentJava().toString());
        String own = System.getenv("JCLUSTER_PRIMARY_JVM_ARGS"); // as start does
        command.addAll(own != null ? List.of(own.trim().split("\\s+")) : Start.PRIMARY_JVM);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.jcluster.cli.Main", "__primary", app));
        command.addAll(List.of(extra));
        ProcessBuilder pb = new ProcessBuilder(command);
        SdNotify.removeFrom(pb.environment()); // a detached primary is no service of whoever ran the CLI: only --foreground speaks sd_notify
        return pb.redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
    }

    /** The size of {@code log} now: where the lines of a primary launched next begin. */
    static long logEnd(Path log) throws IOException {
        return Files.exists(log) ? Files.size(log) : 0;
    }

    /** Waits for {@code primary} to serve {@code socket}; if it dies first, its lines of {@code log} say why. */
    static ControlClient awaitControlSocket(Path socket, String app, Process primary, Path log, long logStart)
            throws InterruptedException, IOException {
        long deadline = System.currentTimeMillis() + UP_TIMEOUT_MS;
        while (System.currentTimeMillis() < deadline) {
            if (!primary.isAlive()) {
                String why = String.join("\n", newLines(log, logStart));
                throw new ExitException(primary.exitValue() == ExitException.USAGE ? ExitException.USAGE : ExitException.FAILURE,
                        why.isBlank() ? "the primary of " + app + " exited with code " + primary.exitValue() + "; see " + log
                                : why.replaceFirst("^jcluster: ", ""));
            }
            if (Files.exists(socket)) {
                try {
                    return ControlClient.connect(socket);
                } catch (AppNotRunningException e) {
                    // bound but not yet listening: try again
                }
            }
            Thread.sleep(20);
        }
        primary.destroyForcibly();
        throw new ExitException(ExitException.FAILURE, "the primary of " + app + " did not open its control socket within "
                + UP_TIMEOUT_MS / 1000 + "s; see " + log);
    }

    /** The lines {@code log} gained after {@code from}. */
    static List<String> newLines(Path log, long from) {
        try {
            byte[] all = Files.readAllBytes(log);
            String text = new String(all, (int) Math.min(from, all.length), (int) Math.max(0, all.length - from),
                    StandardCharsets.UTF_8);
            return text.lines().filter(l -> !l.isBlank()).toList();
        } catch (IOException e) {
            return LogTail.lastLines(log, 10);
        }
    }
}
