package io.jcluster.cli.primary.launch;

import io.jcluster.cli.config.AppConfig;
import io.jcluster.cli.config.FrameworkEnv;
import io.jcluster.cli.config.HeapSizing;
import io.jcluster.cli.host.PreloadLibrary;
import io.jcluster.runtime.WorkerEnv;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One training run: the app started as a worker would be, at idle priority, recording what it
 * loads, and stopped at the end of its start-up; the JVM writes the cache as it exits.
 *
 * <ul>
 *   <li>A Spring Boot jar (extracted) runs with {@code -Dspring.context.exit=onRefresh}, as Spring Boot
 *       documents: every singleton is made, no web server listens, no runner runs, and it exits.</li>
 *   <li>Any other jar runs with the preload library in its training mode ({@code JCLUSTER_TRAINING=1}):
 *       its binds of an app port go to the loopback's port 0 instead, so it never takes the app's port
 *       or its traffic. Once it listens, it is sent {@link #REQUESTS} requests ({@code GET /}), so that
 *       what serving loads and compiles is in the cache too, and then SIGTERM, as a stop would.</li>
 * </ul>
 *
 * <p>On JDK 25 and later it records with {@code -XX:AOTCacheOutput} and the same {@code -javaagent}
 * as a worker (the agent adds {@code java.instrument}, and the JVM refuses a cache whose modules differ);
 * the agent does nothing without a primary. On JDK 17 to 24 it records with
 * {@code -XX:ArchiveClassesAtExit} and no agent (archiving with an agent needs a diagnostic flag and
 * prints a warning in every worker); workers may append the agent to that class path.
 *
 * <p>It runs under {@code chrt --idle} (SCHED_IDLE: a CPU only when no other task wants it) and
 * {@code ionice -c 3}, or {@code nice -n 19} where those are missing; so does the JVM it spawns to
 * assemble the cache. Blocking: call it off the supervisor loop.
 */
final class TrainingRun {
    /** The longest a training run may take (at idle priority, on a busy machine): then it is stopped. */
    static final Duration TIMEOUT = Duration.ofMinutes(5);
    /** Requests sent to a training run that listens (its request path is cached and profiled too). */
    static final int REQUESTS = 50;
    private static final java.util.regex.Pattern LISTENING = java.util.regex.Pattern.compile("training run: listening on port (\\d+)");
    /** How long it may take to write the cache once stopped. */
    static final Duration EXIT = Duration.ofMinutes(2);

    private TrainingRun() {}

    /**
     * What runs a command at idle priority: {@code chrt --idle 0} and {@code ionice -c 3}, else
     * {@code nice -n 19}; first {@code setpriv --pdeathsig KILL}, so that it ends with the primary
     * even when the primary is killed (a worker ends then too, through its agent; this has none).
     */
    static List<String> idle() {
        List<String> prefix = new ArrayList<>();
        if (new File("/usr/bin/setpriv").canExecute()) prefix.addAll(List.of("/usr/bin/setpriv", "--pdeathsig", "KILL"));
        if (new File("/usr/bin/chrt").canExecute()) prefix.addAll(List.of("/usr/bin/chrt", "--idle", "0"));
        else if (new File("/usr/bin/nice").canExecute()) prefix.addAll(List.of("/usr/bin/nice", "-n", "19"));
        if (new File("/usr/bin/ionice").canExecute()) prefix.addAll(List.of("/usr/bin/ionice", "-c", "3"));
        return prefix;
    }

    /** The command of a training run of {@code config} that runs {@code jar} and writes {@code output}. */
    static List<String> command(AppConfig config, WorkerJdk jdk, Path jar, boolean boot, Path output, Path agentJar) {
        List<String> command = new ArrayList<>(idle());
        command.add(config.java().toString());
        command.addAll(HeapSizing.args(config.jvmArgs(), config.jvms()));
        command.addAll(config.jvmArgs());
        if (jdk.kind() == WorkerJdk.Kind.AOT) {
            command.add("-XX:AOTCacheOutput=" + output);
            command.add("-javaagent:" + agentJar);
        } else {
            command.addAll(List.of("-XX:ArchiveClassesAtExit=" + output, "-Xlog:cds=error", "-Xlog:cds+dynamic=error"));
        }
        if (boot) command.add("-Dspring.context.exit=onRefresh");
        command.add("-jar");
        command.add(jar.toString());
        command.addAll(config.args());
        return command;
    }

    /**
     * Runs the training and returns once the JVM (and the one it spawned to assemble the cache) ended;
     * {@code output} then holds the cache. Throws with the reason when it did not make one.
     * {@code started} gets the process as soon as it runs (so that a stop can end it).
     */
    static void run(AppConfig config, WorkerJdk jdk, Path jar, boolean boot, Path output, Path log, Path agentJar, Path runtimeJar,
                    java.util.function.Consumer<Process> started) throws IOException, InterruptedException {
        Files.createDirectories(output.getParent());
        Files.deleteIfExists(output);
        ProcessBuilder pb = new ProcessBuilder(command(config, jdk, jar, boot, output, agentJar))
                .directory(config.workDir().toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> (k.startsWith("JCLUSTER_") && !k.equals("JCLUSTER_HOME")) || k.equals("LISTEN_FDS") || k.equals("LISTEN_PID") || k.equals("NOTIFY_SOCKET"));
        env.putAll(FrameworkEnv.defaults(config.port(), config.env()));
        env.putAll(config.env());
        env.put(WorkerEnv.APP, config.name());
        env.put(WorkerEnv.PORT, Integer.toString(config.port()));
        env.put(WorkerEnv.TRAINING, "1");
        PreloadLibrary.environment(env, runtimeJar, config.ports()); // binds of app ports go to the loopback
        Process p = pb.start();
        started.accept(p);
        try {
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            int port = 0;
            while (port == 0 && p.isAlive() && System.nanoTime() < deadline) {
                port = listening(log);
                if (port == 0) p.waitFor(100, TimeUnit.MILLISECONDS);
            }
            if (port != 0) {
                exercise(port);
                p.destroy(); // SIGTERM, as a stop: the JVM writes the cache as it exits
            }
            if (!p.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                p.destroy(); // SIGTERM: the JVM still writes what it recorded
                if (!p.waitFor(EXIT.toMillis(), TimeUnit.MILLISECONDS)) throw new IOException("it did not end within "
                        + (TIMEOUT.plus(EXIT)).toMinutes() + " min");
            }
            waitForDescendants(p);
            if (!Files.isRegularFile(output) || Files.size(output) == 0) {
                throw new IOException("it exited with " + p.exitValue() + " and wrote no cache: " + lastLine(log));
            }
        } finally {
            end(p);
        }
    }

    /** The port the training run said it listens on, or 0. */
    private static int listening(Path log) {
        try {
            java.util.regex.Matcher m = LISTENING.matcher(Files.readString(log, java.nio.charset.StandardCharsets.ISO_8859_1));
            return m.find() ? Integer.parseInt(m.group(1)) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    /** {@link #REQUESTS} plain HTTP/1.1 requests to the training run, each on a connection of its own; what comes back does not matter. */
    private static void exercise(int port) {
        byte[] request = "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        for (int i = 0; i < REQUESTS; i++) {
            for (String host : List.of("127.0.0.1", "::1")) {
                try (java.net.Socket s = new java.net.Socket()) {
                    s.connect(new java.net.InetSocketAddress(host, port), 2000);
                    s.setSoTimeout(2000);
                    s.getOutputStream().write(request);
                    s.getInputStream().readAllBytes();
                    break;
                } catch (IOException e) {
                    // the other loopback, or no answer: the next request
                }
            }
        }
    }

    /** The JVM that assembles an AOT cache is a child of the training JVM: wait for it too. */
    private static void waitForDescendants(Process p) throws InterruptedException {
        long deadline = System.nanoTime() + EXIT.toNanos();
        while (p.descendants().findAny().isPresent() && System.nanoTime() < deadline) Thread.sleep(100);
    }

    /** Ends {@code p} and whatever it spawned, by pid, and waits (a little) until they are gone. */
    static void end(Process p) {
        List<ProcessHandle> all = new ArrayList<>(p.descendants().toList());
        all.add(p.toHandle());
        all.forEach(ProcessHandle::destroyForcibly);
        for (ProcessHandle h : all) {
            try {
                h.onExit().get(2, TimeUnit.SECONDS);
            } catch (Exception e) {
                // gone meanwhile, or still dying: SIGKILL was sent
            }
        }
    }

    /** The last line of {@code output} that says something. */
    static String lastLine(Path output) {
        try {
            List<String> lines = Files.readAllLines(output).stream().filter(l -> !l.isBlank()).toList();
            return lines.isEmpty() ? "no output" : lines.get(lines.size() - 1).strip();
        } catch (IOException e) {
            return "no output";
        }
    }
}
