package io.jcluster.cli.primary;

import io.jcluster.cli.config.AppConfig;
import io.jcluster.cli.config.Durations;
import io.jcluster.cli.config.Home;
import io.jcluster.cli.config.Listen;
import io.jcluster.cli.metrics.AppMetrics;
import io.jcluster.runtime.WorkerEnv;
import io.jcluster.runtime.wire.MessageTypes;
import io.jcluster.runtime.wire.Wire;
import io.jcluster.runtime.wire.WireMessage;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.FileDescriptor;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.ProcessBuilder.Redirect;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The primary of one app: owns the slots' listening sockets, spawns and supervises the worker
 * JVMs, and answers questions about them.
 *
 * <p>Threading: every piece of state is confined to one supervisor thread. Public methods post
 * their work to it and return futures; process exits and worker messages are posted to it too.
 */
public final class Primary implements AutoCloseable {
    private static final Duration READY_POLL = Duration.ofMillis(50);
    private static final int LAST_LINES = 20;
    /** Starts the lines the primary itself writes into a worker's log. */
    private static final String NOTE_PREFIX = "[jcluster ";

    private final Home home;
    private final AppConfig config;
    private final PrimaryLog log;
    private final Path agentJar;
    private final ScheduledExecutorService supervisor;
    private final EventLoopGroup io;
    private final List<Slot> slots = new ArrayList<>();
    private final Set<Worker> workers = new LinkedHashSet<>();
    private final List<CompletableFuture<AppStatus>> readyWaiters = new ArrayList<>();
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();
    private final Instant startedAt = Instant.now();
    private final MetricsFeed metrics;
    private WorkerChannel workerChannel;
    private long generation = 1;
    private boolean everOnline;
    private boolean stopping;

    private Primary(Home home, AppConfig config, PrintStream logOut) {
        this.home = home;
        this.config = config;
        this.log = new PrimaryLog(logOut, config.name());
        this.metrics = new MetricsFeed(new AppMetrics(config.name(), config.metrics().interval()), log);
        this.agentJar = agentJar();
        this.supervisor = Executors.newSingleThreadScheduledExecutor(new DefaultThreadFactory("supervisor", false));
        this.io = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("primary-io", true), EpollIoHandler.newFactory());
    }

    /**
     * Binds the app's port (one SO_REUSEPORT socket per slot in handoff mode) and
     * {@code workers.sock}. Starts nothing yet: see {@link #start()}.
     *
     * @throws PortInUseException when a process outside this app holds the port
     */
    public static Primary open(Home home, AppConfig config, PrintStream logOut) throws IOException {
        if (!PortOwners.isFree(config.host(), config.port())) {
            throw new PortInUseException(config.host(), config.port());
        }
        Primary p = new Primary(home, config, logOut);
        try {
            for (int i = 0; i < config.instances(); i++) {
                SlotSocket socket = config.listen() == Listen.HANDOFF ? SlotSocket.open(config.host(), config.port()) : null;
                p.slots.add(new Slot(i, socket));
            }
            p.workerChannel = WorkerChannel.open(p.io, home.workerSocket(config.name()), p.new Events(), p.log);
        } catch (IOException | RuntimeException e) {
            p.close();
            throw e;
        }
        return p;
    }

    public AppConfig config() {
        return config;
    }

    public PrimaryLog log() {
        return log;
    }

    /** The app's figures: snapshots every {@code [metrics] interval}, their history, recent exits. */
    public AppMetrics metrics() {
        return metrics.metrics();
    }

    /** Spawns a worker on every slot. */
    public void start() {
        supervisor.execute(() -> {
            log.info("starting %d worker(s) of %s on port %d (listen=%s, pid %d)", config.instances(),
                    config.jar().getFileName(), config.port(), config.listen().id(), ProcessHandle.current().pid());
            if (config.listen() == Listen.SELF) {
                log.info("listen=self: every worker binds port %d itself with SO_REUSEPORT; reloads are zero-drop only"
                        + " with net.ipv4.tcp_migrate_req=1", config.port());
            }
            for (Slot slot : slots) spawn(slot);
            long tick = config.metrics().interval().toMillis();
            supervisor.scheduleAtFixedRate(() -> metrics.tick(this::snapshot), tick, tick, TimeUnit.MILLISECONDS);
        });
    }

    /** The app as it is now. */
    public CompletableFuture<AppStatus> status() {
        return CompletableFuture.supplyAsync(this::snapshot, supervisor);
    }

    /**
     * Completes when every slot has a ready worker; fails with a {@link StartFailure} as soon as a
     * slot hits the crash-loop guard.
     */
    public CompletableFuture<AppStatus> awaitReady() {
        CompletableFuture<AppStatus> f = new CompletableFuture<>();
        supervisor.execute(() -> {
            readyWaiters.add(f);
            settleWaiters();
        });
        return f;
    }

    /**
     * Stops the app gracefully: each worker drains, then gets SIGTERM, then SIGKILL after the stop
     * timeout. Completes when every worker has exited.
     */
    public CompletableFuture<Void> stop() {
        supervisor.execute(() -> {
            if (stopping) return;
            stopping = true;
            log.info("stopping %d worker(s)", workers.size());
            for (Slot slot : slots) slot.cancelPendingStart();
            for (Worker w : List.copyOf(workers)) retire(w, "stop");
            settleWaiters();
            checkStopped();
        });
        return stopped;
    }

    /** Completes when the app has stopped. */
    public CompletableFuture<Void> stopped() {
        return stopped;
    }

    /** Releases the port, the sockets and the threads. Workers must be gone (see {@link #stop()}). */
    @Override
    public void close() {
        for (Slot slot : slots) {
            if (slot.socket() != null) slot.socket().close();
        }
        if (workerChannel != null) workerChannel.close();
        io.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        supervisor.shutdownNow();
    }

    // ---- supervision (supervisor thread only) ----

    private void spawn(Slot slot) {
        slot.started();
        if (stopping) return;
        List<String> command = new ArrayList<>();
        command.add(config.java().toString());
        command.addAll(config.jvmArgs());
        command.add("-javaagent:" + agentJar);
        command.add("-jar");
        command.add(config.jar().toString());
        command.addAll(config.args());
        Path logFile = home.workerLog(config.name(), slot.index());
        ProcessBuilder pb = new ProcessBuilder(command)
                .directory(config.workDir().toFile())
                .redirectErrorStream(true)
                .redirectOutput(Redirect.appendTo(logFile.toFile()))
                .redirectInput(Redirect.from(new java.io.File("/dev/null")));
        Map<String, String> env = pb.environment();
        env.putAll(config.env());
        env.put(WorkerEnv.SOCKET, home.workerSocket(config.name()).toString());
        env.put(WorkerEnv.APP, config.name());
        env.put(WorkerEnv.SLOT, Integer.toString(slot.index()));
        env.put(WorkerEnv.GENERATION, Long.toString(generation));
        env.put(WorkerEnv.PORT, Integer.toString(config.port()));
        env.put(WorkerEnv.LISTEN, config.listen().id());
        env.put(WorkerEnv.HEARTBEAT_MILLIS, Long.toString(config.heartbeatMillis()));
        env.put(WorkerEnv.DRAIN_TIMEOUT_MILLIS, Long.toString(config.reload().drainTimeout().toMillis()));
        env.putAll(config.overload().workerEnv());
        Process process;
        try {
            process = pb.start();
        } catch (IOException e) {
            ExitRecord exit = new ExitRecord(slot.index(), 0, generation, -1, null, System.currentTimeMillis(),
                    "could not start " + config.java() + ": " + e.getMessage(), List.of());
            log.info("slot %d: %s", slot.index(), exit.reason());
            metrics.exited(exit);
            slot.lastExit(exit);
            afterCrash(slot, null, exit);
            return;
        }
        Worker w = new Worker(slot.index(), generation, process);
        workers.add(w);
        slot.worker(w);
        note(logFile, "worker started: slot=" + slot.index() + " gen=" + generation + " pid=" + w.pid());
        log.info("slot %d: started worker pid %d (generation %d)", slot.index(), w.pid(), generation);
        process.onExit().thenRunAsync(() -> exited(w), supervisor);
        w.pendingKill(supervisor.schedule(() -> readyTimedOut(w), config.reload().readyTimeout().toMillis(), TimeUnit.MILLISECONDS));
        supervisor.schedule(() -> pollReady(w), READY_POLL.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Readiness of apps that link nothing: the worker's process listens on the app's port. */
    private void pollReady(Worker w) {
        if (w.state() != WorkerState.STARTING) return;
        if (PortOwners.listens(w.pid(), config.port())) {
            ready(w, "listening on port " + config.port());
        } else {
            supervisor.schedule(() -> pollReady(w), READY_POLL.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void readyTimedOut(Worker w) {
        if (w.state() != WorkerState.STARTING) return;
        String why = "not ready within " + Durations.format(config.reload().readyTimeout());
        log.info("slot %d: worker pid %d %s: killing it", w.slot(), w.pid(), why);
        w.killedBecause(why);
        w.process().destroyForcibly();
    }

    private void ready(Worker w, String how) {
        if (w.state() != WorkerState.STARTING) return;
        w.cancelPendingKill();
        w.markReady();
        log.info("slot %d: worker pid %d ready (%s, %d ms after start)", w.slot(), w.pid(), how,
                Duration.between(w.startedAt(), w.readyAt()).toMillis());
        if (stopping || w.retiring()) {
            retire(w, "stop");
            return;
        }
        settleWaiters();
    }

    private void exited(Worker w) {
        int code = w.process().exitValue();
        boolean wasReady = w.readyAt() != null;
        w.state(WorkerState.EXITED);
        w.cancelPendingKill();
        workers.remove(w);
        Slot slot = slots.size() > w.slot() ? slots.get(w.slot()) : null;
        Path logFile = home.workerLog(config.name(), w.slot());
        String reason = w.killReason() != null ? w.killReason()
                : w.retiring() ? "stopped" : (wasReady ? "crashed" : "exited before it was ready");
        ExitRecord exit = ExitRecord.of(w, code, reason, LogTail.lastLines(logFile, LAST_LINES, NOTE_PREFIX));
        metrics.exited(exit);
        note(logFile, "worker exited: slot=" + w.slot() + " pid=" + w.pid() + " " + exit.describe() + " (" + reason + ")");
        if (slot != null && slot.worker() == w) {
            slot.worker(null);
            slot.lastExit(exit);
        }
        if (w.retiring() || stopping) {
            log.info("slot %d: worker pid %d exited (%s)", w.slot(), w.pid(), exit.describe());
            checkStopped();
            return;
        }
        if (slot == null || slot.worker() != null) return; // replaced already
        afterCrash(slot, w, exit);
    }

    private void afterCrash(Slot slot, Worker w, ExitRecord exit) {
        Duration delay = slot.crashed(w, config.restart());
        if (delay == null) {
            String why = "crashed " + config.restart().maxFailures() + " times within "
                    + Durations.format(config.restart().failureWindow()) + " (last: " + exit.describe() + ", " + exit.reason() + ")";
            slot.errored(why);
            log.info("slot %d: errored: %s; not restarting it (jcluster restart clears this)", slot.index(), why);
            for (String line : exit.lastLines()) log.info("slot %d:   | %s", slot.index(), line);
        } else {
            log.info("slot %d: worker pid %d %s (%s); restarting in %s", slot.index(), exit.pid(), exit.reason(),
                    exit.describe(), Durations.format(delay));
            slot.scheduled(supervisor.schedule(() -> spawn(slot), delay.toMillis(), TimeUnit.MILLISECONDS),
                    Instant.now().plus(delay));
        }
        settleWaiters();
    }

    /** Ends {@code w} gracefully: drain, then SIGTERM, then SIGKILL after the stop timeout. */
    private void retire(Worker w, String why) {
        if (!w.alive()) return;
        w.retire();
        if (w.state() == WorkerState.READY && w.channel() != null) {
            w.state(WorkerState.DRAINING);
            long ms = config.reload().drainTimeout().toMillis();
            WorkerChannel.send(w.channel(), WireMessage.of(MessageTypes.DRAIN, "timeoutMillis", ms));
            w.pendingKill(supervisor.schedule(() -> terminate(w), ms, TimeUnit.MILLISECONDS));
        } else {
            terminate(w);
        }
    }

    private void terminate(Worker w) {
        if (!w.alive()) return;
        w.process().destroy();
        w.pendingKill(supervisor.schedule(() -> {
            if (w.alive()) {
                log.info("slot %d: worker pid %d still running %s after SIGTERM: SIGKILL", w.slot(), w.pid(),
                        Durations.format(config.reload().stopTimeout()));
                w.process().destroyForcibly();
            }
        }, config.reload().stopTimeout().toMillis(), TimeUnit.MILLISECONDS));
    }

    private void checkStopped() {
        if (stopping && workers.isEmpty() && !stopped.isDone()) {
            log.info("stopped");
            stopped.complete(null);
        }
    }

    private void settleWaiters() {
        if (readyWaiters.isEmpty()) return;
        AppStatus status = snapshot();
        StartFailure failure = null;
        if (stopping) {
            failure = new StartFailure("the app is stopping", List.of());
        } else {
            for (Slot slot : slots) {
                if (slot.errored()) {
                    ExitRecord e = slot.lastExit();
                    failure = new StartFailure("slot " + slot.index() + " " + slot.erroredReason(),
                            e == null ? List.of() : e.lastLines());
                    break;
                }
            }
        }
        boolean online = AppState.ONLINE.id().equals(status.state());
        if (online) everOnline = true;
        if (failure == null && !online) return;
        for (CompletableFuture<AppStatus> f : readyWaiters) {
            if (failure != null) f.completeExceptionally(failure);
            else f.complete(status);
        }
        readyWaiters.clear();
    }

    private AppState appState() {
        if (stopping) return AppState.STOPPING;
        int ready = 0;
        int errored = 0;
        for (Slot slot : slots) {
            if (slot.errored()) errored++;
            else if (slot.worker() != null && slot.worker().state() == WorkerState.READY) ready++;
        }
        if (errored == slots.size()) return AppState.ERRORED;
        if (ready == slots.size()) return AppState.ONLINE;
        if (errored > 0 || everOnline) return AppState.DEGRADED;
        return AppState.STARTING;
    }

    private AppStatus snapshot() {
        AppState state = appState();
        if (state == AppState.ONLINE) everOnline = true;
        List<WorkerStatus> list = new ArrayList<>();
        String reason = null;
        for (Slot slot : slots) {
            Worker w = slot.worker();
            list.add(new WorkerStatus(slot.index(), w == null ? 0 : w.pid(), slot.state().id(),
                    w == null ? generation : w.generation(), slot.restarts(), w == null ? 0 : w.uptimeMillis(),
                    slot.lastExit(), w == null ? Map.of() : w.heartbeat()));
            if (reason == null && slot.errored()) reason = "slot " + slot.index() + " " + slot.erroredReason();
        }
        return new AppStatus(config.name(), state.id(), config.port(), config.listen().id(), ProcessHandle.current().pid(),
                Duration.between(startedAt, Instant.now()).toMillis(), reason, list);
    }

    // ---- worker traffic ----

    private final class Events implements WorkerChannel.Events {
        @Override
        public void onMessage(Channel ch, long peerPid, WireMessage m) {
            supervisor.execute(() -> handle(ch, peerPid, m));
        }

        @Override
        public void onClosed(Channel ch) {
            supervisor.execute(() -> {
                for (Worker w : workers) {
                    if (w.channel() == ch) w.channel(null);
                }
            });
        }
    }

    private void handle(Channel ch, long peerPid, WireMessage m) {
        Worker w = workerOf(ch, peerPid);
        if (w == null) {
            log.info("workers.sock: %s from pid %d, which is no worker of this app: closing it", m.type(), peerPid);
            WorkerChannel.send(ch, WireMessage.of(MessageTypes.ERROR, "message", "pid " + peerPid + " is not a worker of " + config.name()));
            ch.close();
            return;
        }
        switch (m.type()) {
            case MessageTypes.HELLO -> {
                if (m.getInt("slot", -1) != w.slot() || m.getLong("generation", -1) != w.generation()) {
                    log.info("workers.sock: pid %d says slot %s generation %s, but it is slot %d generation %d: closing it",
                            peerPid, m.get("slot"), m.get("generation"), w.slot(), w.generation());
                    ch.close();
                    return;
                }
                w.channel(ch);
            }
            case MessageTypes.READY -> ready(w, "JCluster.ready()");
            case MessageTypes.HEARTBEAT -> {
                w.heartbeat(m.fields());
                metrics.heartbeat(w, m.fields());
            }
            case MessageTypes.DRAINED -> {
                if (w.state() == WorkerState.DRAINING) {
                    w.cancelPendingKill();
                    terminate(w);
                }
            }
            case MessageTypes.LISTENER -> handOver(ch, w);
            default -> {
                log.info("workers.sock: unknown message type '%s' from pid %d: closing the connection", m.type(), peerPid);
                ch.close();
            }
        }
    }

    private Worker workerOf(Channel ch, long peerPid) {
        for (Worker w : workers) {
            if (w.channel() == ch || w.pid() == peerPid) return w;
        }
        return null;
    }

    /** Hands the slot's listening socket to its worker (SCM_RIGHTS), then closes that connection. */
    private void handOver(Channel ch, Worker w) {
        Slot slot = slots.get(w.slot());
        if (slot.socket() == null) {
            WorkerChannel.send(ch, WireMessage.of(MessageTypes.ERROR, "message",
                    "app " + config.name() + " runs with listen=self: bind port " + config.port() + " yourself"));
            ch.close();
            return;
        }
        ch.writeAndFlush(new FileDescriptor(slot.socket().fd())).addListener(ChannelFutureListener.CLOSE);
    }

    // ---- helpers ----

    private static void note(Path logFile, String line) {
        try {
            Files.writeString(logFile, NOTE_PREFIX + Instant.now() + "] " + line + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException ignored) {
            // the log is for people; supervision goes on without it
        }
    }

    /** The worker-runtime jar this primary was built with: it is the agent every worker runs. */
    static Path agentJar() {
        try {
            Path p = Path.of(Wire.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (!Files.isRegularFile(p)) {
                throw new IllegalStateException("the worker-runtime agent must be a jar, found " + p
                        + " (run jcluster from its distribution: cli/target/jcluster/bin/jcluster)");
            }
            return p;
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
