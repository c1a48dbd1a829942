package io.jcluster.cli.primary.launch;

import io.jcluster.cli.cgroup.Cgroup;
import io.jcluster.cli.config.AppConfig;
import io.jcluster.cli.config.FrameworkEnv;
import io.jcluster.cli.config.HeapSizing;
import io.jcluster.cli.config.Listen;
import io.jcluster.cli.config.Home;
import io.jcluster.cli.host.OomKiller;
import io.jcluster.cli.host.PreloadLibrary;
import io.jcluster.cli.logs.AppLogs;
import io.jcluster.cli.logs.WorkerOutput;
import io.jcluster.cli.primary.supervisor.Launcher;
import io.jcluster.cli.primary.supervisor.Loop;
import io.jcluster.cli.logs.PrimaryLog;
import io.jcluster.cli.primary.supervisor.WorkerProcess;
import io.jcluster.cli.systemd.ListenFds;
import io.jcluster.cli.systemd.SdNotify;
import io.jcluster.runtime.WorkerEnv;
import java.io.File;
import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

/**
 * Starts worker JVMs: {@code java <heap args> <jvm args> <cache args> -javaagent:<worker-runtime> -jar
 * app.jar <args>} (app.jar: a Spring Boot jar's extraction when it starts from the cache, see
 * {@link AppCache}) in a session of its own, with the {@code JCLUSTER_*} environment, its output piped into
 * the slot's log files. Loop thread only.
 */
public final class JvmLauncher implements Launcher {
    private static final boolean SETSID = new File("/usr/bin/setsid").canExecute();

    private final Home home;
    private final AppLogs logs;
    private final Path agentJar;
    /** worker-runtime's main jar: the preload library is beside it. */
    private final Path runtimeJar;
    private final AppCache cds;
    private final StartShare startShare;
    private final OomKiller oom = new OomKiller(Cgroup.current());
    /** The workers this launcher started and that have not exited: their output, for the cache check. */
    private final Map<Long, WorkerProcess> running = new java.util.HashMap<>();
    /** The worker socket new workers connect to, when not the app's {@code workers.sock} (a primary taking over, see {@code jcluster upgrade}). */
    private Path workerSocket;

    public JvmLauncher(Home home, AppLogs logs, Path agentJar, Path runtimeJar, AppCache cds, PrimaryLog log) {
        this.startShare = StartShare.detect(SETSID, log);
        if (startShare.unavailable() != null) log.info("workers that start beside serving ones keep their full CPU share: %s", startShare.unavailable());
        else log.info("workers that start beside serving ones get [reload] start_share of the CPU until ready (%s)", startShare.way());
        this.home = home;
        this.logs = logs;
        this.agentJar = agentJar;
        this.runtimeJar = runtimeJar;
        this.cds = cds;
    }

    /** New workers connect to {@code socket} from now on. */
    public void workerSocket(Path socket) {
        workerSocket = socket;
    }

    @Override
    public WorkerProcess launch(int slot, AppConfig cfg, long generation) throws IOException {
        if (cfg.listen() == Listen.HANDOFF) {
            String cause = PreloadLibrary.unavailabilityCause(runtimeJar, cfg.java());
            if (cause != null) throw new IOException(cause);
        }
        List<String> command = new ArrayList<>();
        if (SETSID) command.add("/usr/bin/setsid"); // own session: a terminal's Ctrl-C reaches only the primary
        command.add(cfg.java().toString());
        command.addAll(HeapSizing.args(cfg.jvmArgs(), cfg.jvms()));
        command.addAll(cfg.jvmArgs());
        AppCache.Launch run = cds.launch(cfg);
        List<String> cdsArgs = run.jvmArgs();
        command.addAll(cdsArgs);
        command.add("-javaagent:" + agentJar);
        command.add("-jar");
        command.add(run.jar().toString());
        command.addAll(cfg.args());
        ProcessBuilder pb = new ProcessBuilder(command)
                .directory(cfg.workDir().toFile())
                .redirectOutput(Redirect.PIPE) // read by WorkerOutput into the slot's rotating files
                .redirectError(Redirect.PIPE)
                .redirectInput(Redirect.from(new File("/dev/null")));
        environment(pb.environment(), slot, cfg, generation);
        Process process;
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new IOException("could not start " + cfg.java() + ": " + e.getMessage(), e);
        }
        cds.spawned(process.pid(), cdsArgs);
        startShare.spawned(process.pid(), cfg.name(), System.nanoTime());
        OomKiller.preferWorker(process.pid()); // the kernel's pick in the group is a worker, never the primary
        Jvm jvm = new Jvm(process, logs.capture(slot, generation, process), logs, generation);
        running.put(process.pid(), jvm);
        return jvm;
    }

    private void environment(Map<String, String> env, int slot, AppConfig cfg, long generation) {
        ListenFds.removeFrom(env); // systemd's sockets and notify socket are the primary's, not the app's
        SdNotify.removeFrom(env);
        env.putAll(FrameworkEnv.defaults(cfg.port(), cfg.env())); // PORT, SERVER_PORT, Tomcat's MBeans: unless the app's env sets them
        env.putAll(cfg.env());
        env.put(WorkerEnv.SOCKET, (workerSocket != null ? workerSocket : home.workerSocket(cfg.name())).toString());
        env.put(WorkerEnv.APP, cfg.name());
        if (slot >= 0) env.put(WorkerEnv.SLOT, Integer.toString(slot));
        else env.put(WorkerEnv.SPARE, "1"); // a warm spare: it waits in its bind for a slot
        env.put(WorkerEnv.GENERATION, Long.toString(generation));
        env.put(WorkerEnv.PORT, Integer.toString(cfg.port())); // the first port; JCLUSTER_PORTS has them all
        env.put(WorkerEnv.PORTS, cfg.ports().stream().map(String::valueOf).collect(Collectors.joining(",")));
        env.put(WorkerEnv.LISTEN, cfg.listen().id());
        env.put(WorkerEnv.HEARTBEAT_MILLIS, Long.toString(cfg.heartbeatMillis()));
        env.put(WorkerEnv.DRAIN_TIMEOUT_MILLIS, Long.toString(cfg.reload().drainTimeout().toMillis()));
        env.putAll(cfg.overload().workerEnv());
        if (cfg.listen() == Listen.HANDOFF) PreloadLibrary.environment(env, runtimeJar, cfg.ports());
    }

    /** Until it is ready, or as long as the app's longest start at full share (half its ready timeout before one): see {@link StartShare}. */
    @Override
    public void starting(long pid, AppConfig cfg, Loop loop) {
        startShare.starting(pid, cfg.name(), cfg.reload().startShare(), cfg.reload().readyTimeout().dividedBy(2), loop);
    }

    @Override
    public void ready(long pid, Loop loop) {
        startShare.ready(pid, System.nanoTime(), loop);
        WorkerProcess w = running.get(pid);
        cds.ready(pid, loop, () -> w == null ? List.of() : w.lastLines(40));
    }

    @Override
    public String outOfMemory(int code, List<String> lastLines) {
        return oom.reason(code, lastLines);
    }

    @Override
    public void exited(long pid, int code) {
        startShare.exited(pid);
        running.remove(pid);
        cds.exited(pid);
    }

    @Override
    public void settled(AppConfig config, Loop loop) {
        cds.settled(config, loop);
    }

    @Override
    public void changing() {
        cds.makeRoom();
    }

    /** Removes what starting workers of {@code app} were moved into ({@code [reload] start_share}'s cgroup): the primary stops, its workers are gone. */
    public void close(String app) {
        startShare.close(app);
    }

    /** A worker JVM and its captured output. */
    private static final class Jvm implements WorkerProcess {
        private final Process process;
        private final WorkerOutput output;
        private final AppLogs logs;
        private final long generation;
        private final CompletableFuture<Integer> exited;

        Jvm(Process process, WorkerOutput output, AppLogs logs, long generation) {
            this.process = process;
            this.output = output;
            this.logs = logs;
            this.generation = generation;
            this.exited = output.finished(process).thenApply(v -> process.exitValue());
        }

        @Override
        public long pid() {
            return process.pid();
        }

        @Override
        public boolean alive() {
            return process.isAlive();
        }

        /*
         * Signals go through the process's handle, not Process.destroy: on Linux, Process.destroy and
         * destroyForcibly close the pipes' read ends right after the signal, and then everything the
         * worker writes while it shuts down (its shutdown hooks, a framework's "graceful shutdown" lines,
         * what is still in the pipe at kill -9) is lost. The handle only sends the signal (and, like
         * Process, never to a recycled pid: it checks the start time).
         */
        @Override
        public void terminate() {
            process.toHandle().destroy();
        }

        @Override
        public void kill() {
            process.toHandle().destroyForcibly();
        }

        @Override
        public CompletableFuture<Integer> exited() {
            return exited;
        }

        @Override
        public void note(String line) {
            output.note(line);
        }

        @Override
        public void moveTo(int slot) {
            logs.move(output, slot, process.pid(), generation);
        }

        @Override
        public List<String> lastLines(int n) {
            return output.lastLines(n);
        }
    }
}
