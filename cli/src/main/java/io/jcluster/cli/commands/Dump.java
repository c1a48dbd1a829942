package io.jcluster.cli.commands;

import io.jcluster.cli.config.Durations;
import io.jcluster.cli.config.Home;
import io.jcluster.cli.control.AppNotRunningException;
import io.jcluster.cli.control.Apps;
import io.jcluster.cli.control.ControlClient;
import io.jcluster.cli.control.ControlReply;
import io.jcluster.cli.control.ControlRequest;
import io.jcluster.cli.control.WorkerStatus;
import io.jcluster.runtime.WorkerEnv;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code jcluster dump}: a thread dump, heap dump or flight recording of one worker, through
 * {@code jcmd}, into {@code dumps/} of the app's logs directory. The worker is the one the primary says runs the
 * slot, and its identity is checked (its environment names the app, slot and generation) just
 * before {@code jcmd} attaches, so a pid the kernel gave to another process is never dumped.
 */
@Command(name = "dump", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Dump one worker: threads, heap or a flight recording (jfr), through jcmd.",
                "The file lands in $JCLUSTER_HOME/logs/<app>/dumps/ and its path is printed."})
final class Dump implements Callable<Integer> {
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
    private static final long JCMD_TIMEOUT_S = 300;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "<name>", description = "The app.")
    String app;

    @Parameters(index = "1", paramLabel = "<threads|heap|jfr>", completionCandidates = Kinds.class,
            description = "threads: Thread.print; heap: GC.heap_dump (.hprof); jfr: a flight recording of --duration.")
    String kind;

    @Option(names = "--slot", required = true, paramLabel = "<N>", description = "The slot whose worker to dump.")
    int slot;

    @Option(names = "--duration", paramLabel = "<30s>", description = "jfr: how long to record (default ${DEFAULT-VALUE}).")
    String duration = "30s";

    static final class Kinds extends ArrayList<String> {
        Kinds() {
            super(List.of("threads", "heap", "jfr"));
        }
    }

    @Override
    public Integer call() throws IOException, InterruptedException {
        if (!List.of("threads", "heap", "jfr").contains(kind)) {
            throw new ExitException(ExitException.USAGE, "'" + kind + "' is not threads, heap or jfr");
        }
        Duration recording;
        try {
            recording = Durations.parse(duration);
        } catch (IllegalArgumentException e) {
            throw new ExitException(ExitException.USAGE, "--duration: " + e.getMessage());
        }
        Home home = Home.fromEnvironment();
        ControlReply reply;
        try (ControlClient client = Apps.connect(home, app)) {
            reply = client.call(new ControlRequest(ControlRequest.DESCRIBE));
        } catch (AppNotRunningException e) {
            throw new ExitException(ExitException.FAILURE, AppCommand.notRunning(home, e));
        }
        if (!reply.ok()) throw new ExitException(ExitException.FAILURE, app + ": " + reply.error());
        WorkerStatus w = reply.status().workers().stream().filter(x -> x.slot() == slot).findFirst().orElseThrow(() ->
                new ExitException(ExitException.USAGE, app + " has no slot " + slot + " (slots 0 to "
                        + (reply.status().workers().size() - 1) + ")"));
        if (w.pid() == 0) throw new ExitException(ExitException.FAILURE, app + ": slot " + slot + " has no worker now (" + w.state() + ")");
        if (!isWorker(w.pid(), app, slot, w.generation())) {
            throw new ExitException(ExitException.FAILURE, app + ": pid " + w.pid() + " is no longer the worker of slot " + slot
                    + " (it was replaced meanwhile): try again");
        }
        Path jcmd = jcmd(reply.config());
        String base = "dump-" + slot + "-" + w.pid() + "-" + STAMP.format(java.time.Instant.now());
        // a directory of its own: the log cap and flush count and truncate the files of the logs directory itself
        Path dir = home.logDir(app).resolve("dumps");
        Files.createDirectories(dir);
        PrintWriter out = spec.commandLine().getOut();
        Path file;
        List<String> command = new ArrayList<>(List.of(jcmd.toString(), Long.toString(w.pid())));
        switch (kind) {
            case "threads" -> {
                file = dir.resolve(base + ".threads.txt");
                command.add("Thread.print");
                command.add("-l");
                run(command, file, said -> said.contains("Full thread dump"));
            }
            case "heap" -> {
                file = dir.resolve(base + ".hprof");
                command.add("GC.heap_dump");
                command.add(file.toString());
                run(command, null, said -> Files.isRegularFile(file));
            }
            default -> {
                file = dir.resolve(base + ".jfr");
                command.add("JFR.start");
                command.add("name=jcluster-dump-" + slot);
                command.add("duration=" + recording.toSeconds() + "s");
                command.add("filename=" + file);
                run(command, null, said -> said.contains("Started recording"));
            }
        }
        if (kind.equals("jfr")) {
            out.println(app + ": slot " + slot + " (pid " + w.pid() + "): recording for " + Durations.format(recording)
                    + ", then written to " + file);
        } else {
            out.println(app + ": slot " + slot + " (pid " + w.pid() + "): " + file);
        }
        out.flush();
        return 0;
    }

    /** Whether {@code pid} is the worker of {@code app}'s {@code slot} in {@code generation}: its environment says so. */
    static boolean isWorker(long pid, String app, int slot, long generation) {
        String environ;
        try {
            environ = "\0" + new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "environ")), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return false;
        }
        return environ.contains("\0" + WorkerEnv.APP + "=" + app + "\0") && environ.contains("\0" + WorkerEnv.SLOT + "=" + slot + "\0")
                && environ.contains("\0" + WorkerEnv.GENERATION + "=" + generation + "\0");
    }

    /** The jcmd next to the workers' java (the same JDK attaches best), else next to the java running this command. */
    private static Path jcmd(Map<String, Map<String, Object>> config) {
        List<Path> candidates = new ArrayList<>();
        Object java = config == null || config.get("app") == null ? null : config.get("app").get("java");
        if (java instanceof String s) candidates.add(Path.of(s).resolveSibling("jcmd"));
        candidates.add(Path.of(System.getProperty("java.home"), "bin", "jcmd"));
        for (Path p : candidates) if (Files.isExecutable(p)) return p;
        throw new ExitException(ExitException.FAILURE, "no jcmd found (looked for " + candidates + "): dumps need a JDK, not a JRE");
    }

    /**
     * Runs {@code command} with its output into {@code output} (a temporary file when null) and
     * returns what it said; its exit code must be 0 and {@code done} must say that the JVM did it
     * (jcmd exits 0 when the command failed inside the JVM), else an ExitException with jcmd's last line.
     */
    private static String run(List<String> command, Path output, java.util.function.Predicate<String> done)
            throws IOException, InterruptedException {
        Path log = output != null ? output : Files.createTempFile("jcluster-jcmd", ".txt");
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            if (!p.waitFor(JCMD_TIMEOUT_S, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new ExitException(ExitException.FAILURE, "jcmd did not finish within " + JCMD_TIMEOUT_S + "s");
            }
            String said = Files.readString(log, StandardCharsets.UTF_8).strip();
            if (p.exitValue() != 0 || !done.test(said)) {
                if (output != null) Files.deleteIfExists(output);
                throw new ExitException(ExitException.FAILURE, "jcmd failed: "
                        + said.lines().reduce((x, y) -> y).orElse("exit code " + p.exitValue()));
            }
            return said;
        } finally {
            if (output == null) Files.deleteIfExists(log);
        }
    }
}
