package io.jcluster.cli.commands;

import io.jcluster.cli.config.ConfigLoader;
import io.jcluster.cli.control.AppNotRunningException;
import io.jcluster.cli.control.ControlClient;
import io.jcluster.cli.control.EntryPoints;
import io.jcluster.cli.host.Liveness;
import io.jcluster.cli.host.LogTail;
import io.jcluster.cli.systemd.SdNotify;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A primary launched in a session of its own, output to {@code primary.log}, by {@code start} and
 * {@code upgrade}: the JVM that runs this very CLI (its java, its class path), so an upgrade runs the
 * new jcluster on the new JDK.
 *
 * <p>The primary is not this CLI's child: {@code setsid --fork} forks it off and exits at once. A
 * child would keep the JDK's process reaper thread waiting in {@code waitpid()}, and a JVM's exit
 * waits up to 300 ms for threads in native code, so every {@code start} returned that much later.
 * Its pid comes back from the shell that becomes it ({@code echo $$; exec java ...}); whether it
 * died at start, and its exit code, come from {@code primary.log}, where it writes them.
 */
final class DetachedPrimary {
    static final long UP_TIMEOUT_MS = 30_000;
    /** The last line of a detached primary's log, from {@link #exiting}: how the CLI learns the exit code of a process it did not fork. */
    static final String EXIT_LINE = "] the primary exits with code ";
    private static final File SETSID = new File("/usr/bin/setsid");
    /** Prints its pid, then becomes the primary ({@code $0} is the log, the rest its command line). */
    private static final String SHELL = "echo $$; exec \"$@\" </dev/null >>\"$0\" 2>&1";
    /**
     * Runs {@code setsid --fork <SHELL...>} and passes on what it prints, until that shell has become
     * the primary (its exec closes the pipe). The pid must come from a process that is still there:
     * when a child exits, the JDK closes its output pipe, and setsid's own process exits at once.
     */
    private static final String DETACH = "\"$@\" | cat";

    private final String app;
    private final long pid;
    /** Null when the primary was already gone when its pid came back. */
    private final ProcessHandle process;
    private final Path log;
    private final long logStart;

    private DetachedPrimary(String app, long pid, ProcessHandle process, Path log, long logStart) {
        this.app = app;
        this.pid = pid;
        this.process = process;
        this.log = log;
        this.logStart = logStart;
    }

    /** Starts {@code __primary <app> <extra...>}, appending its output to {@code log}; returns once its pid is known. */
    static DetachedPrimary launch(String app, Path log, String... extra) throws IOException {
        long logStart = Files.exists(log) ? Files.size(log) : 0;
        boolean detach = SETSID.canExecute();
        List<String> command = new ArrayList<>();
        if (detach) command.addAll(List.of("/bin/sh", "-c", DETACH, "jcluster-detach", SETSID.getPath(), "--fork"));
        command.addAll(List.of("/bin/sh", "-c", SHELL, log.toString()));
        command.add(ConfigLoader.currentJava().toString());
        String own = System.getenv("JCLUSTER_PRIMARY_JVM_ARGS"); // as start does
        if (own != null) {
            command.addAll(List.of(own.trim().split("\\s+")));
        } else {
            command.addAll(Start.PRIMARY_JVM);
            command.addAll(archive());
        }
        command.addAll(EntryPoints.run(EntryPoints.PRIMARY, app));
        command.addAll(List.of(extra));
        ProcessBuilder pb = new ProcessBuilder(command);
        SdNotify.removeFrom(pb.environment()); // a detached primary is no service of whoever ran the CLI: only --foreground speaks sd_notify
        Process launcher = pb.redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
        String pidLine;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(launcher.getInputStream(), StandardCharsets.US_ASCII))) {
            pidLine = out.readLine(); // then end of file: the shell's exec sends its output to the log
        }
        try {
            // the shell exits as soon as the primary runs: reaped now, no child of this JVM is left
            if (detach && !launcher.waitFor(10, TimeUnit.SECONDS)) launcher.destroyForcibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        long pid;
        try {
            pid = Long.parseLong(pidLine == null ? "" : pidLine.trim());
        } catch (NumberFormatException e) {
            List<String> lines = newLines(log, logStart);
            throw new ExitException(ExitException.FAILURE, "could not launch the primary of " + app
                    + (lines.isEmpty() ? "" : ": " + String.join("\n", lines)) + "; see " + log);
        }
        return new DetachedPrimary(app, pid, ProcessHandle.of(pid).orElse(null), log, logStart);
    }

    /**
     * The flags that map the primary's class-data archive ({@code lib/primary.jsa}, made by
     * {@code bin/jcluster} from the build's training run), or none: only an archive that this very java
     * made after every jar in {@code lib/} and after the JDK's own files, as the launcher checks its own.
     * The JVM would refuse a stale one and then share no classes at all, slower than without.
     */
    static List<String> archive() {
        String dist = System.getProperty("jcluster.dist");
        if (dist == null) return List.of();
        Path lib = Path.of(dist, "lib");
        Path jsa = lib.resolve("primary.jsa");
        try {
            if (!Files.isRegularFile(jsa)) return List.of();
            String madeBy = Files.readString(lib.resolve("primary.jsa.java")).trim();
            if (!madeBy.equals(ConfigLoader.currentJava().toRealPath().toString())) return List.of();
            long made = Files.getLastModifiedTime(jsa).toMillis();
            if (Files.getLastModifiedTime(Path.of(System.getProperty("java.home"), "lib", "modules")).toMillis() > made) return List.of();
            try (var jars = Files.newDirectoryStream(lib, "*.jar")) {
                for (Path jar : jars) {
                    if (Files.getLastModifiedTime(jar).toMillis() > made) return List.of();
                }
            }
        } catch (IOException e) {
            return List.of();
        }
        return List.of("-XX:SharedArchiveFile=" + jsa, "-Xlog:cds=off", "-Xlog:cds+dynamic=off");
    }

    long pid() {
        return pid;
    }

    Path log() {
        return log;
    }

    /** Where this primary's lines of {@link #log()} begin. */
    long logStart() {
        return logStart;
    }

    boolean running() {
        return process != null && Liveness.running(process);
    }

    /** Waits until the primary has exited; false if it still runs after {@code timeout}. */
    boolean awaitExit(Duration timeout) throws InterruptedException {
        return process == null || Liveness.awaitExit(process, timeout);
    }

    /** Waits for the primary to serve {@code socket}; if it dies first, its lines of the log say why. */
    ControlClient awaitControlSocket(Path socket) throws InterruptedException, IOException {
        long deadline = System.currentTimeMillis() + UP_TIMEOUT_MS;
        while (System.currentTimeMillis() < deadline) {
            if (!running()) throw died();
            if (Files.exists(socket)) {
                try {
                    return ControlClient.connect(socket);
                } catch (AppNotRunningException e) {
                    // bound but not yet listening: try again
                }
            }
            Thread.sleep(20);
        }
        if (process != null) process.destroyForcibly();
        throw new ExitException(ExitException.FAILURE, "the primary of " + app + " did not open its control socket within "
                + UP_TIMEOUT_MS / 1000 + "s; see " + log);
    }

    /** Why the primary is gone, from its lines of the log, with its exit code (2 stays 2: a usage error). */
    private ExitException died() {
        Integer code = null;
        List<String> why = new ArrayList<>();
        for (String line : newLines(log, logStart)) {
            int at = line.indexOf(EXIT_LINE);
            if (at < 0) {
                why.add(line);
                continue;
            }
            try {
                code = Integer.valueOf(line.substring(at + EXIT_LINE.length()).trim());
            } catch (NumberFormatException e) {
                // not ours after all
                why.add(line);
            }
        }
        String text = String.join("\n", why);
        return new ExitException(code != null && code == ExitException.USAGE ? ExitException.USAGE : ExitException.FAILURE,
                text.isBlank() ? "the primary of " + app + " exited" + (code == null ? "" : " with code " + code) + "; see " + log
                        : text.replaceFirst("^jcluster: ", ""));
    }

    /** The last line a detached primary writes to its log: {@link #died()} reads its code from there. */
    static void exiting(String app, int code) {
        System.out.println(java.time.Instant.now() + " [" + app + EXIT_LINE + code);
        System.out.flush();
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
