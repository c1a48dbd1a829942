package io.jcluster.cli.primary;

import io.jcluster.cli.control.AppStatus;
import io.jcluster.cli.control.WorkerStatus;
import io.jcluster.cli.control.ExitRecord;
import io.jcluster.cli.control.AppState;
import io.jcluster.cli.host.Kernel;
import io.jcluster.cli.host.PortOwners;

import io.jcluster.cli.config.AppConfig;
import io.jcluster.cli.config.ConfigException;
import io.jcluster.cli.config.ConfigLoader;
import io.jcluster.cli.config.Durations;
import io.jcluster.cli.config.Home;
import io.jcluster.cli.config.Listen;
import io.jcluster.cli.config.ByteSize;
import io.jcluster.cli.config.StartSpec;
import io.jcluster.cli.logs.AppLogs;
import io.jcluster.cli.metrics.AppMetrics;
import io.jcluster.cli.metrics.ProcessMemory;
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
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.ProcessBuilder.Redirect;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The primary of one app: owns the slots' listening sockets, spawns and supervises the worker
 * JVMs, replaces them on reload, scale and restart, and answers questions about them.
 *
 * <p>Threading: every piece of state is confined to one supervisor thread. Public methods post
 * their work to it and return futures; process exits, worker messages and health checks are
 * posted to it too. Changes (reload, scale, restart) run one at a time.
 */
public final class Primary implements AutoCloseable {
    private static final Duration READY_POLL = Duration.ofMillis(50);
    private static final Duration HEALTH_TICK = Duration.ofMillis(250);
    private static final Duration DUMP_GRACE = Duration.ofMillis(500);
    private static final Duration QUEUE_SETTLE = Duration.ofMillis(200);
    private static final int LAST_LINES = 20;

    private final Home home;
    private final StartSpec spec;
    private final PrimaryLog log;
    private final AppLogs logs;
    private final Path agentJar;
    private final ScheduledExecutorService supervisor;
    private final ExecutorService probes;
    private final EventLoopGroup io;
    /** The app's class-data archives, for configs with {@code [app] cds} on. */
    private final AppCds cds;
    private final List<Slot> slots = new ArrayList<>();
    private final Set<Worker> workers = new LinkedHashSet<>();
    private final List<CompletableFuture<AppStatus>> readyWaiters = new ArrayList<>();
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();
    private final Instant startedAt = Instant.now();
    private final Steering steering = new Steering();
    private final MetricsFeed metrics;
    /** The preload library's binds and listens (apps that link nothing). */
    private final PortAdoption adoption;
    private volatile AppConfig config;
    private WorkerChannel workerChannel;
    private long generation = 1;
    private boolean everOnline;
    private boolean stopping;
    private boolean steeringWarned;
    /** The change under way (reload, scale, restart), in words, or null. */
    private String change;

    private Primary(Home home, StartSpec spec, AppConfig config, PrintStream logOut) {
        this.home = home;
        this.spec = spec;
        this.config = config;
        this.log = new PrimaryLog(logOut, config.name());
        this.metrics = new MetricsFeed(new AppMetrics(config.name(), config.metrics().interval()), log);
        this.logs = new AppLogs(config.name(), home.logDir(config.name()), config.logs(), System.out, System.err);
        this.agentJar = agentJar();
        this.supervisor = Executors.newSingleThreadScheduledExecutor(new DefaultThreadFactory("supervisor", false));
        this.probes = Executors.newCachedThreadPool(new DefaultThreadFactory("ready-probe", true));
        this.io = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("primary-io", true), EpollIoHandler.newFactory());
        this.cds = new AppCds(home.cdsDir(config.name()), agentJar, log);
        this.adoption = new PortAdoption(log, (w, port) -> slotOf(w) == null ? null : slotOf(w).socket(), this::ready, w -> {
            w.cancelPendingKill();
            terminate(w);
        });
    }

    /**
     * Binds the app's port (one SO_REUSEPORT socket per slot in handoff mode) and
     * {@code workers.sock}. Starts nothing yet: see {@link #start()}.
     *
     * @param spec what {@code start} was asked, so that a reload reads the same config file again
     * @throws PortInUseException when a process outside this app holds the port
     */
    public static Primary open(Home home, StartSpec spec, AppConfig config, PrintStream logOut) throws IOException {
        if (!PortOwners.isFree(config.host(), config.port())) {
            throw new PortInUseException(config.host(), config.port());
        }
        Primary p = new Primary(home, spec, config, logOut);
        try {
            for (int i = 0; i < config.instances(); i++) p.slots.add(p.newSlot(i, config));
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

    /** Spawns a worker on every slot and starts the health checks. */
    public void start() {
        supervisor.execute(() -> {
            log.info("starting %d worker(s) of %s on port %d (listen=%s, pid %d)", config.instances(),
                    config.jar().getFileName(), config.port(), config.listen().id(), ProcessHandle.current().pid());
            if (config.listen() == Listen.SELF) {
                log.info("listen=self: every worker binds port %d itself with SO_REUSEPORT; %s", config.port(), Kernel.migrateAdvice());
            }
            for (Slot slot : slots) spawn(slot);
            long tick = config.metrics().interval().toMillis();
            supervisor.scheduleAtFixedRate(() -> metrics.tick(this::snapshot), tick, tick, TimeUnit.MILLISECONDS);
        });
        supervisor.scheduleWithFixedDelay(this::checkHealth, HEALTH_TICK.toMillis(), HEALTH_TICK.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The app as it is now. */
    public CompletableFuture<AppStatus> status() {
        return CompletableFuture.supplyAsync(this::snapshot, supervisor);
    }

    /**
     * Completes when every slot has a ready worker; fails with a {@link ChangeFailed} as soon as a
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
     * A stop asked for over the control socket: refused while a change runs (a signal still stops
     * the app through {@link #stop()}).
     */
    public CompletableFuture<Void> requestStop() {
        CompletableFuture<Void> f = new CompletableFuture<>();
        supervisor.execute(() -> {
            if (change != null) {
                f.completeExceptionally(new ChangeFailed(refusal("stop"), List.of()));
                return;
            }
            stop().whenComplete((v, e) -> f.complete(null));
        });
        return f;
    }

    /**
     * Stops the app gracefully: each worker drains, then gets SIGTERM, then SIGKILL after the stop
     * timeout. Completes when every worker has exited. A change under way is abandoned.
     */
    public CompletableFuture<Void> stop() {
        supervisor.execute(() -> {
            if (stopping) return;
            stopping = true;
            log.info("stopping %d worker(s)%s", workers.size(), change == null ? "" : " (abandoning the " + change + ")");
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

    /**
     * Rolling reload: reads the config file again, then replaces slot after slot. On each slot a
     * new worker starts on the same socket and becomes ready before the old one drains, so ready
     * workers never number fewer than the slots. If a new worker fails, the slots already moved
     * go back to the previous generation and the future fails with the reason.
     *
     * @param progress told of each step, on the supervisor thread
     */
    public CompletableFuture<AppStatus> reload(Consumer<String> progress) {
        CompletableFuture<AppStatus> result = new CompletableFuture<>();
        supervisor.execute(() -> {
            if (change != null || stopping) {
                result.completeExceptionally(new ChangeFailed(refusal("reload"), List.of()));
                return;
            }
            AppConfig next;
            try {
                next = ConfigLoader.load(spec).withInstances(slots.size());
            } catch (ConfigException e) {
                result.completeExceptionally(new ChangeFailed("the config does not load, nothing was changed: "
                        + e.getMessage(), List.of(), 2));
                return;
            }
            String fixed = fixedKeysChanged(next);
            if (fixed != null) {
                result.completeExceptionally(new ChangeFailed(fixed + "; nothing was changed", List.of(), 2));
                return;
            }
            change = "reload to generation " + (generation + 1);
            if (next.listen() == Listen.SELF) progress.accept("listen=self: " + Kernel.migrateAdvice());
            RollingReload run = new RollingReload(config, generation, next, generation + 1, progress, result);
            log.info("reload: generation %d → %d, %d slot(s)", run.fromGeneration, run.toGeneration, slots.size());
            replaceNext(run, 0);
        });
        return result;
    }

    /**
     * Fast restart, not graceful: SIGTERM to the slot's worker (all slots when {@code slot} is null)
     * and a new worker on the same socket at once. Clears the crash-loop guard.
     */
    public CompletableFuture<AppStatus> restart(Integer slotIndex) {
        CompletableFuture<AppStatus> result = new CompletableFuture<>();
        supervisor.execute(() -> {
            if (change != null || stopping) {
                result.completeExceptionally(new ChangeFailed(refusal("restart"), List.of()));
                return;
            }
            if (slotIndex != null && (slotIndex < 0 || slotIndex >= slots.size())) {
                result.completeExceptionally(new ChangeFailed("no slot " + slotIndex + " (the app has slots 0 to "
                        + (slots.size() - 1) + ")", List.of(), 2));
                return;
            }
            List<Slot> targets = slotIndex == null ? List.copyOf(slots) : List.of(slots.get(slotIndex));
            log.info("restart of %s", slotIndex == null ? "every slot" : "slot " + slotIndex);
            List<CompletableFuture<Worker>> readies = new ArrayList<>();
            for (Slot slot : targets) {
                slot.clearErrors();
                slot.cancelPendingStart();
                Worker old = slot.worker();
                if (old != null && old.alive()) {
                    old.retire();
                    old.killedBecause("restarted");
                    terminate(old);
                }
                slot.worker(null);
                Worker w = spawn(slot);
                if (w != null) readies.add(w.ready());
            }
            steer();
            change = "restart";
            CompletableFuture.allOf(readies.toArray(CompletableFuture[]::new)).whenCompleteAsync((v, e) -> {
                change = null;
                if (e != null) result.completeExceptionally(new ChangeFailed("restart failed: " + cause(e).getMessage(), List.of()));
                else result.complete(snapshot());
            }, supervisor);
        });
        return result;
    }

    /**
     * Changes the number of slots to {@code target}. New slots get new sockets and workers; a slot
     * that goes first stops receiving new connections, lets its worker empty its queue, drains
     * it, and only then closes its socket, so no queued or in-flight request is dropped.
     */
    public CompletableFuture<AppStatus> scale(int target, Consumer<String> progress) {
        CompletableFuture<AppStatus> result = new CompletableFuture<>();
        supervisor.execute(() -> {
            if (change != null || stopping) {
                result.completeExceptionally(new ChangeFailed(refusal("scale"), List.of()));
                return;
            }
            if (target < 1 || target > 1024) {
                result.completeExceptionally(new ChangeFailed("cannot scale to " + target + " (1 to 1024)", List.of(), 2));
                return;
            }
            int from = slots.size();
            if (target == from) {
                result.complete(snapshot());
                return;
            }
            change = "scale from " + from + " to " + target;
            log.info("%s", change);
            config = config.withInstances(target);
            CompletableFuture<Void> done = target > from ? scaleUp(from, target, progress) : scaleDown(target, progress);
            done.whenCompleteAsync((v, e) -> {
                change = null;
                if (e != null) result.completeExceptionally(e instanceof ChangeFailed ? e : cause(e));
                else result.complete(snapshot());
            }, supervisor);
        });
        return result;
    }

    /** Releases the port, the sockets and the threads. Workers must be gone (see {@link #stop()}). */
    @Override
    public void close() {
        for (Slot slot : slots) {
            if (slot.socket() != null) slot.socket().close();
        }
        if (workerChannel != null) workerChannel.close();
        io.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        probes.shutdownNow();
        supervisor.shutdownNow();
        logs.close();
    }

    // ---- rolling reload (supervisor thread only) ----

    /** One reload: from where to where, and whom to tell. */
    private record RollingReload(AppConfig from, long fromGeneration, AppConfig to, long toGeneration,
                                 Consumer<String> progress, CompletableFuture<AppStatus> result) {}

    private void replaceNext(RollingReload run, int i) {
        if (stopping) {
            change = null;
            run.result.completeExceptionally(new ChangeFailed("the app is stopping; the reload was abandoned", List.of()));
            return;
        }
        if (i == slots.size()) {
            config = run.to.withInstances(slots.size());
            generation = run.toGeneration;
            change = null;
            run.progress.accept("every slot runs generation " + run.toGeneration);
            log.info("reload done: generation %d", run.toGeneration);
            run.result.complete(snapshot());
            return;
        }
        Slot slot = slots.get(i);
        replaceSlot(slot, run.to, run.toGeneration, run.progress).whenCompleteAsync((v, e) -> {
            if (e == null) {
                replaceNext(run, i + 1);
            } else {
                rollBack(run, i, cause(e));
            }
        }, supervisor);
    }

    /**
     * Starts a worker of {@code cfg}/{@code gen} on {@code slot}'s socket beside the current one;
     * once it is ready it takes the slot and the old one drains. Completes when the old one has
     * exited; fails when the new one does not become ready.
     */
    private CompletableFuture<Void> replaceSlot(Slot slot, AppConfig cfg, long gen, Consumer<String> progress) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Worker neo = spawnWorker(slot, cfg, gen);
        if (neo == null) {
            done.completeExceptionally(new ChangeFailed("could not start a worker on slot " + slot.index()
                    + (slot.lastExit() == null ? "" : ": " + slot.lastExit().reason()), List.of()));
            return done;
        }
        slot.surge(neo);
        progress.accept("slot " + slot.index() + ": started pid " + neo.pid() + " (generation " + gen + ")");
        neo.ready().whenCompleteAsync((w, e) -> {
            if (e != null) {
                if (slot.surge() == neo) slot.surge(null);
                done.completeExceptionally(cause(e));
                return;
            }
            Worker old = slot.worker();
            slot.promote(neo);
            steer();
            if (old == null || !old.alive()) {
                progress.accept("slot " + slot.index() + ": pid " + neo.pid() + " ready");
                done.complete(null);
                return;
            }
            progress.accept("slot " + slot.index() + ": pid " + neo.pid() + " ready; draining pid " + old.pid());
            retire(old, "replaced by generation " + gen);
            old.exit().whenCompleteAsync((x, err) -> {
                progress.accept("slot " + slot.index() + ": pid " + old.pid() + " exited (" + x.describe() + ")");
                done.complete(null);
            }, supervisor);
        }, supervisor);
        return done;
    }

    private void rollBack(RollingReload run, int failedSlot, Throwable why) {
        List<String> lines = why instanceof Worker.WorkerFailed f ? f.record().lastLines() : List.of();
        String reason = "slot " + failedSlot + ": the new worker of generation " + run.toGeneration + " failed: " + why.getMessage();
        run.progress.accept(reason);
        log.info("reload failed: %s; rolling back", reason);
        Slot failed = slots.get(failedSlot);
        if (failed.worker() == null && !stopping) spawn(failed); // its old worker died meanwhile
        rollBackSlot(run, failedSlot - 1, reason, lines);
    }

    private void rollBackSlot(RollingReload run, int j, String reason, List<String> lines) {
        if (j < 0 || stopping) {
            change = null;
            run.result.completeExceptionally(new ChangeFailed("reload failed: " + reason + "; every slot runs generation "
                    + run.fromGeneration + " again", lines));
            return;
        }
        Slot slot = slots.get(j);
        run.progress.accept("slot " + j + ": rolling back to generation " + run.fromGeneration);
        replaceSlot(slot, run.from.withInstances(slots.size()), run.fromGeneration, run.progress).whenCompleteAsync((v, e) -> {
            if (e != null) {
                log.info("slot %d: rollback failed too: %s; supervision goes on", j, cause(e).getMessage());
                run.progress.accept("slot " + j + ": rollback failed: " + cause(e).getMessage());
            }
            rollBackSlot(run, j - 1, reason, lines);
        }, supervisor);
    }

    private String fixedKeysChanged(AppConfig next) {
        if (next.port() != config.port()) return "the port changed from " + config.port() + " to " + next.port()
                + ": a reload keeps the port; stop and start the app to move it";
        if (!next.host().equals(config.host())) return "the host changed from " + config.host() + " to " + next.host()
                + ": stop and start the app to change it";
        if (next.listen() != config.listen()) return "listen changed from " + config.listen().id() + " to "
                + next.listen().id() + ": stop and start the app to change it";
        if (!next.name().equals(config.name())) return "the name changed from " + config.name() + " to " + next.name()
                + ": stop and start the app to rename it";
        return null;
    }

    private String refusal(String what) {
        if (stopping) return "cannot " + what + ": the app is stopping";
        return "cannot " + what + " now: a " + change + " is running; wait for it to finish";
    }

    // ---- scale (supervisor thread only) ----

    private CompletableFuture<Void> scaleUp(int from, int target, Consumer<String> progress) {
        List<CompletableFuture<Worker>> readies = new ArrayList<>();
        for (int i = from; i < target; i++) {
            Slot slot;
            try {
                slot = newSlot(i, config);
            } catch (IOException e) {
                config = config.withInstances(slots.size());
                return CompletableFuture.failedFuture(new ChangeFailed("cannot open a listener for slot " + i + ": "
                        + e.getMessage(), List.of()));
            }
            slots.add(slot);
            Worker w = spawn(slot);
            if (w != null) {
                progress.accept("slot " + i + ": started pid " + w.pid());
                readies.add(w.ready().whenCompleteAsync((x, e) -> {
                    if (e == null) progress.accept("slot " + x.slot() + ": pid " + x.pid() + " ready");
                }, supervisor));
            }
        }
        return CompletableFuture.allOf(readies.toArray(CompletableFuture[]::new));
    }

    private CompletableFuture<Void> scaleDown(int target, Consumer<String> progress) {
        List<Slot> leaving = new ArrayList<>(slots.subList(target, slots.size()));
        for (Slot s : leaving) {
            s.leaving(true);
            s.cancelPendingStart();
        }
        boolean steered = steer();
        if (!steered && config.listen() == Listen.HANDOFF) {
            progress.accept("warning: " + steering.unavailable() + "; connections queued on the leaving slots may be reset"
                    + (Kernel.migrateEnabled() ? "" : " (" + Kernel.migrateAdvice() + ")"));
        }
        CompletableFuture<Void> all = CompletableFuture.completedFuture(null);
        for (Slot s : leaving) {
            all = all.thenComposeAsync(v -> removeSlot(s, progress), supervisor);
        }
        return all;
    }

    /** Waits for a leaving slot's queue to empty, drains its worker, then closes its socket. */
    private CompletableFuture<Void> removeSlot(Slot slot, Consumer<String> progress) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        long deadline = System.nanoTime() + config.reload().drainTimeout().toNanos();
        awaitEmptyQueue(slot, deadline, 0).whenCompleteAsync((v, e) -> {
            Worker w = slot.worker();
            if (w != null && w.alive()) {
                progress.accept("slot " + slot.index() + ": queue empty; draining pid " + w.pid());
                retire(w, "scaled down");
                w.exit().whenCompleteAsync((x, err) -> {
                    closeSlot(slot);
                    progress.accept("slot " + slot.index() + ": removed (pid " + w.pid() + " " + x.describe() + ")");
                    done.complete(null);
                }, supervisor);
            } else {
                closeSlot(slot);
                progress.accept("slot " + slot.index() + ": removed");
                done.complete(null);
            }
        }, supervisor);
        return done;
    }

    /** Completes once the slot's accept queue has stayed empty for a moment, or at the deadline. */
    private CompletableFuture<Void> awaitEmptyQueue(Slot slot, long deadline, int emptyPolls) {
        if (slot.socket() == null || slot.serving() == null || System.nanoTime() > deadline) {
            return CompletableFuture.completedFuture(null);
        }
        int queued = slot.socket().queued();
        int empties = queued == 0 ? emptyPolls + 1 : 0;
        if (empties * READY_POLL.toMillis() >= QUEUE_SETTLE.toMillis()) return CompletableFuture.completedFuture(null);
        CompletableFuture<Void> f = new CompletableFuture<>();
        supervisor.schedule(() -> awaitEmptyQueue(slot, deadline, empties).whenComplete((v, e) -> f.complete(null)),
                READY_POLL.toMillis(), TimeUnit.MILLISECONDS);
        return f;
    }

    private void closeSlot(Slot slot) {
        if (slot.socket() != null) {
            int left = slot.socket().queued();
            if (left > 0) log.info("slot %d: %d connection(s) still queued when its socket closed", slot.index(), left);
            steering.leaving(slot.socket());
            slot.socket().close();
        }
        slots.remove(slot);
        steer();
    }

    // ---- supervision (supervisor thread only) ----

    private Slot newSlot(int index, AppConfig cfg) throws IOException {
        SlotSocket socket = null;
        if (cfg.listen() == Listen.HANDOFF) {
            socket = SlotSocket.open(cfg.host(), cfg.port());
            steering.joined(socket);
        }
        return new Slot(index, socket, cfg, generation);
    }

    /** Starts the slot's regular worker (its config and generation); a failure to spawn counts as a crash. */
    private Worker spawn(Slot slot) {
        slot.started();
        if (stopping || slot.leaving()) return null;
        Worker w = spawnWorker(slot, slot.config(), slot.generation());
        if (w == null) {
            afterCrash(slot, null, slot.lastExit());
            return null;
        }
        slot.worker(w);
        return w;
    }

    /** Starts a worker process for {@code slot}; null (with the slot's last exit set) when it cannot be started. */
    private Worker spawnWorker(Slot slot, AppConfig cfg, long gen) {
        String cannotStart = cfg.listen() == Listen.HANDOFF ? PreloadLibrary.unavailabilityCause(agentJar, cfg.java()) : null;
        if (cannotStart == null) cannotStart = listenAgain();
        if (cannotStart != null) {
            ExitRecord exit = new ExitRecord(slot.index(), 0, gen, -1, null, System.currentTimeMillis(), cannotStart, List.of());
            metrics.exited(exit);
            slot.lastExit(exit);
            return null;
        }
        List<String> command = new ArrayList<>();
        if (new File("/usr/bin/setsid").canExecute()) command.add("/usr/bin/setsid"); // own session: a terminal's Ctrl-C reaches only the primary
        command.add(cfg.java().toString());
        command.addAll(cfg.jvmArgs());
        List<String> cdsArgs = cds.jvmArgs(cfg);
        command.addAll(cdsArgs);
        command.add("-javaagent:" + agentJar);
        command.add("-jar");
        command.add(cfg.jar().toString());
        command.addAll(cfg.args());
        ProcessBuilder pb = new ProcessBuilder(command)
                .directory(cfg.workDir().toFile())
                .redirectOutput(Redirect.PIPE) // read by WorkerOutput into the slot's rotating files
                .redirectError(Redirect.PIPE)
                .redirectInput(Redirect.from(new File("/dev/null")));
        Map<String, String> env = pb.environment();
        env.putAll(cfg.env());
        env.put(WorkerEnv.SOCKET, home.workerSocket(cfg.name()).toString());
        env.put(WorkerEnv.APP, cfg.name());
        env.put(WorkerEnv.SLOT, Integer.toString(slot.index()));
        env.put(WorkerEnv.GENERATION, Long.toString(gen));
        env.put(WorkerEnv.PORT, Integer.toString(cfg.port()));
        env.put(WorkerEnv.LISTEN, cfg.listen().id());
        env.put(WorkerEnv.HEARTBEAT_MILLIS, Long.toString(cfg.heartbeatMillis()));
        env.put(WorkerEnv.DRAIN_TIMEOUT_MILLIS, Long.toString(cfg.reload().drainTimeout().toMillis()));
        env.putAll(cfg.overload().workerEnv());
        if (cfg.listen() == Listen.HANDOFF) PreloadLibrary.environment(env, agentJar, List.of(cfg.port()));
        Process process;
        try {
            process = pb.start();
        } catch (IOException e) {
            ExitRecord exit = new ExitRecord(slot.index(), 0, gen, -1, null, System.currentTimeMillis(),
                    "could not start " + cfg.java() + ": " + e.getMessage(), List.of());
            log.info("slot %d: %s", slot.index(), exit.reason());
            metrics.exited(exit);
            slot.lastExit(exit);
            return null;
        }
        Worker w = new Worker(slot.index(), gen, cfg, process);
        cds.spawned(w.pid(), cdsArgs);
        w.output(logs.capture(slot.index(), process));
        workers.add(w);
        w.output().note("worker started: slot=" + slot.index() + " gen=" + gen + " pid=" + w.pid());
        log.info("slot %d: started worker pid %d (generation %d)", slot.index(), w.pid(), gen);
        // exited() runs once the worker's last output is in its log (nothing is lost at kill -9)
        w.output().finished(process).thenRunAsync(() -> exited(w), supervisor);
        w.pendingKill(supervisor.schedule(() -> readyTimedOut(w), cfg.reload().readyTimeout().toMillis(), TimeUnit.MILLISECONDS));
        if (!cfg.reload().ready().kind().equals("call")) {
            supervisor.schedule(() -> pollReady(w), READY_POLL.toMillis(), TimeUnit.MILLISECONDS);
        }
        return w;
    }

    /** Readiness from the port (apps that link nothing), and the optional HTTP check. */
    private void pollReady(Worker w) {
        if (w.state() != WorkerState.STARTING) return;
        if (adoption.adopted(w) ? !adoption.listenedAll(w) : !PortOwners.listens(w.pid(), config.port())) {
            supervisor.schedule(() -> pollReady(w), READY_POLL.toMillis(), TimeUnit.MILLISECONDS);
            return;
        }
        var readiness = w.config().reload().ready();
        if (readiness.byPort()) {
            ready(w, "listening on port " + config.port());
            return;
        }
        String path = readiness.path();
        probes.execute(() -> {
            boolean ok = HttpProbe.ok(w.config().port(), path, Duration.ofSeconds(1));
            supervisor.execute(() -> {
                if (ok) ready(w, "GET " + path + " answered 2xx");
                else supervisor.schedule(() -> pollReady(w), READY_POLL.toMillis() * 4, TimeUnit.MILLISECONDS);
            });
        });
    }

    private void readyTimedOut(Worker w) {
        if (w.state() != WorkerState.STARTING) return;
        String why = "not ready within " + Durations.format(w.config().reload().readyTimeout());
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
        steer();
        settleWaiters();
    }

    private void exited(Worker w) {
        int code = w.process().exitValue();
        cds.exited(w.pid(), code);
        boolean wasReady = w.readyAt() != null;
        workers.remove(w);
        adoption.forget(w);
        Slot slot = slotOf(w);
        String reason = w.killReason() != null ? w.killReason()
                : w.retiring() ? "stopped" : (wasReady ? "crashed" : "exited before it was ready");
        ExitRecord exit = w.exitRecord(code, reason, w.output().lastLines(LAST_LINES));
        metrics.exited(exit);
        w.output().note("worker exited: slot=" + w.slot() + " pid=" + w.pid() + " " + exit.describe() + " (" + reason + ")");
        w.exited(exit);
        if (slot != null && slot.surge() == w) {
            slot.surge(null); // a reload's new worker: the reload decides
            log.info("slot %d: new worker pid %d %s (%s)", w.slot(), w.pid(), reason, exit.describe());
            return;
        }
        boolean current = slot != null && slot.worker() == w;
        if (current) {
            slot.worker(null);
            slot.lastExit(exit);
        }
        steer();
        if (w.retiring() || stopping) {
            log.info("slot %d: worker pid %d exited (%s)", w.slot(), w.pid(), exit.describe());
            checkStopped();
            return;
        }
        if (!current || slot.leaving()) return;
        if (slot.surge() != null) {
            log.info("slot %d: worker pid %d %s (%s) while its replacement starts", w.slot(), w.pid(), reason, exit.describe());
            return;
        }
        afterCrash(slot, w, exit);
    }

    private void afterCrash(Slot slot, Worker w, ExitRecord exit) {
        Duration delay = slot.crashed(w, config.restart());
        if (delay == null) {
            String why = "failed to start " + config.restart().maxFailures() + " times within "
                    + Durations.format(config.restart().failureWindow()) + " (last: " + exit.describe() + ", " + exit.reason() + ")";
            slot.errored(why);
            log.info("slot %d: errored: %s; not restarting it (jcluster restart clears this)", slot.index(), why);
            for (String line : exit.lastLines()) log.info("slot %d:   | %s", slot.index(), line);
            refuseIfAllErrored();
        } else {
            log.info("slot %d: worker pid %d %s (%s); restarting in %s", slot.index(), exit.pid(), exit.reason(),
                    exit.describe(), Durations.format(delay));
            slot.countRestart();
            slot.scheduled(supervisor.schedule(() -> spawn(slot), delay.toMillis(), TimeUnit.MILLISECONDS),
                    Instant.now().plus(delay));
        }
        settleWaiters();
    }

    /** Ends {@code w} gracefully: drain, then SIGTERM, then SIGKILL after the stop timeout. */
    private void retire(Worker w, String why) {
        if (!w.alive()) return;
        w.retire();
        w.killedBecause(why);
        if (w.state() == WorkerState.READY && w.channel() != null) {
            w.state(WorkerState.DRAINING);
            long ms = w.config().reload().drainTimeout().toMillis();
            WorkerChannel.send(w.channel(), WireMessage.of(MessageTypes.DRAIN, "timeoutMillis", ms));
            adoption.drain(w, ms);
            w.pendingKill(supervisor.schedule(() -> terminate(w), ms, TimeUnit.MILLISECONDS));
        } else {
            terminate(w);
        }
    }

    private void terminate(Worker w) {
        if (!w.alive()) return;
        w.process().destroy();
        Duration grace = cds.stopGrace(w.pid(), w.config().reload().stopTimeout());
        w.pendingKill(supervisor.schedule(() -> {
            if (w.alive()) {
                log.info("slot %d: worker pid %d still running %s after SIGTERM: SIGKILL", w.slot(), w.pid(),
                        Durations.format(grace));
                w.process().destroyForcibly();
            }
        }, grace.toMillis(), TimeUnit.MILLISECONDS));
    }

    private void checkStopped() {
        if (stopping && workers.isEmpty() && !stopped.isDone()) {
            log.info("stopped");
            stopped.complete(null);
        }
    }

    /**
     * With every slot errored nobody will accept the connections that queue on the slot sockets:
     * they would wait until their clients give up. So the sockets stop listening, keeping the port:
     * connections are refused at once, as from a stopped server (and as PM2's cluster mode does
     * once its workers are gone), until {@link #listenAgain()} before the next worker starts.
     */
    private void refuseIfAllErrored() {
        if (refusing() || stopping || config.listen() != Listen.HANDOFF || slots.isEmpty()) return;
        for (Slot slot : slots) {
            if (!slot.errored() || slot.worker() != null || slot.surge() != null || slot.socket() == null) return;
        }
        steering.steerTo(Set.of()); // no slot is healthy: no program, so the kernel's group can empty
        for (Slot slot : slots) {
            if (!slot.socket().listening()) continue;
            steering.leaving(slot.socket());
            try {
                slot.socket().stopListening();
            } catch (IOException e) {
                log.info("slot %d: could not stop listening (%s); its connections wait until their clients give up",
                        slot.index(), e.getMessage());
            }
        }
        log.info("every slot errored: port %d refuses connections until jcluster restart or reload", config.port());
    }

    /** Whether slot sockets stopped listening because every slot errored (see {@link #refuseIfAllErrored()}). */
    private boolean refusing() {
        for (Slot slot : slots) {
            if (slot.socket() != null && !slot.socket().listening()) return true;
        }
        return false;
    }

    /** Undoes {@link #refuseIfAllErrored()}; returns why the sockets could not listen again, or null. */
    private String listenAgain() {
        if (!refusing()) return null;
        List<Slot> listening = new ArrayList<>();
        for (Slot slot : slots) {
            if (slot.socket() == null || slot.socket().listening()) continue; // a slot added by scale meanwhile
            try {
                slot.socket().listenAgain();
                steering.joined(slot.socket());
                listening.add(slot);
            } catch (IOException e) {
                for (Slot back : listening) {
                    steering.leaving(back.socket());
                    try {
                        back.socket().stopListening();
                    } catch (IOException ignored) {
                        // it keeps listening, with no worker: as before this feature
                    }
                }
                return "could not listen on port " + config.port() + " again (" + e.getMessage() + "); it is held by "
                        + PortOwners.describeOwner(config.port());
            }
        }
        log.info("listening on port %d again", config.port());
        return null;
    }

    /**
     * Points new connections at the slots that have a ready worker (when some do not). Returns
     * false when the kernel will not take the steering program.
     */
    private boolean steer() {
        if (config.listen() != Listen.HANDOFF) return true;
        refuseIfAllErrored();
        if (refusing()) return true;
        Set<SlotSocket> healthy = new HashSet<>();
        for (Slot s : slots) {
            if (!s.leaving() && s.serving() != null && s.socket() != null) healthy.add(s.socket());
        }
        boolean ok = steering.steerTo(healthy);
        if (!ok && !steeringWarned) {
            steeringWarned = true;
            log.info("%s: new connections may reach a slot whose worker is down (they wait for its replacement)",
                    steering.unavailable());
        }
        return ok;
    }

    // ---- health: hung workers, memory (supervisor thread, every HEALTH_TICK) ----

    private void checkHealth() {
        if (stopping) return;
        Instant now = Instant.now();
        for (Worker w : List.copyOf(workers)) {
            if (!w.alive() || w.retiring() || w.state() != WorkerState.READY) continue;
            var health = w.config().health();
            Instant last = w.lastHeartbeat() != null ? w.lastHeartbeat() : w.readyAt();
            if (w.channel() != null && last != null && Duration.between(last, now).compareTo(health.heartbeatTimeout()) > 0) {
                hung(w, "no heartbeat for " + Duration.between(last, now).toMillis() + " ms (heartbeat_timeout "
                        + Durations.format(health.heartbeatTimeout()) + ")");
                continue;
            }
            long stall = parseLong(w.heartbeat().get("app.loop.stallMillis"));
            if (stall > health.heartbeatTimeout().toMillis()) {
                hung(w, "an event loop stuck for " + stall + " ms (heartbeat_timeout " + Durations.format(health.heartbeatTimeout()) + ")");
                continue;
            }
            String deadlocked = w.heartbeat().get("deadlocked");
            if (deadlocked != null && !deadlocked.equals("0")) {
                hung(w, deadlocked + " deadlocked thread(s)");
                continue;
            }
            long max = health.maxMemory().bytes();
            if (max <= 0) continue; // no limit: the metrics snapshot reads RSS for the figures
            Long rss = ProcessMemory.rssBytes(w.pid());
            if (rss != null && rss > max) {
                if (w.overMemorySince() == null) w.overMemorySince(now);
                if (Duration.between(w.overMemorySince(), now).compareTo(health.memoryGrace()) >= 0) {
                    overMemory(w, "rss " + new ByteSize(rss).human() + " over max_memory " + health.maxMemory().human()
                            + " for " + Durations.format(health.memoryGrace()));
                }
            } else {
                w.overMemorySince(null);
            }
        }
    }

    /** A stuck worker: thread dump into its log (SIGQUIT; SIGCONT so a stopped JVM can write it), then SIGKILL. */
    private void hung(Worker w, String reason) {
        log.info("slot %d: worker pid %d is hung: %s; thread dump to its log, then SIGKILL", w.slot(), w.pid(), reason);
        w.killedBecause("hung: " + reason);
        w.retire(); // its exit is handled below, not as a plain crash
        w.state(WorkerState.DRAINING);
        Signals.send(w.pid(), "QUIT");
        Signals.send(w.pid(), "CONT");
        supervisor.schedule(() -> {
            if (w.alive()) w.process().destroyForcibly();
        }, DUMP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
        Slot slot = slotOf(w);
        if (slot != null && slot.worker() == w && !slot.leaving()) {
            slot.worker(null);
            slot.countRestart();
            steer();
            w.exit().whenCompleteAsync((x, e) -> slot.lastExit(x), supervisor);
            spawn(slot);
        }
    }

    /** Over its memory limit: replaced like a one-slot reload, then drained. */
    private void overMemory(Worker w, String reason) {
        Slot slot = slotOf(w);
        if (slot == null || slot.worker() != w || slot.surge() != null || change != null || slot.leaving()) return;
        log.info("slot %d: worker pid %d %s: replacing it", w.slot(), w.pid(), reason);
        w.overMemorySince(null);
        w.killedBecause("replaced: " + reason);
        slot.countRestart();
        change = "memory replacement of slot " + slot.index();
        replaceSlot(slot, slot.config(), slot.generation(), msg -> log.info("%s", msg)).whenCompleteAsync((v, e) -> {
            change = null;
            if (e != null) log.info("slot %d: memory replacement failed: %s; the old worker stays", slot.index(), cause(e).getMessage());
            w.exit().whenCompleteAsync((x, err) -> slot.lastExit(x), supervisor);
        }, supervisor);
    }

    private void settleWaiters() {
        if (readyWaiters.isEmpty()) return;
        AppStatus status = snapshot();
        ChangeFailed failure = null;
        if (stopping) {
            failure = new ChangeFailed("the app is stopping", List.of());
        } else {
            for (Slot slot : slots) {
                if (slot.errored()) {
                    ExitRecord e = slot.lastExit();
                    failure = new ChangeFailed("slot " + slot.index() + " " + slot.erroredReason(),
                            e == null ? List.of() : e.lastLines());
                    break;
                }
            }
        }
        boolean online = AppState.ONLINE.id().equals(status.state());
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
            else if (slot.serving() != null) ready++;
        }
        if (errored == slots.size()) return AppState.ERRORED;
        if (ready == slots.size()) {
            everOnline = true;
            return AppState.ONLINE;
        }
        if (errored > 0 || everOnline) return AppState.DEGRADED;
        return AppState.STARTING;
    }

    private AppStatus snapshot() {
        AppState state = appState();
        List<WorkerStatus> list = new ArrayList<>();
        String reason = null;
        for (Slot slot : slots) {
            Worker w = slot.worker() != null ? slot.worker() : slot.surge();
            list.add(new WorkerStatus(slot.index(), w == null ? 0 : w.pid(), slot.state().id(),
                    w == null ? slot.generation() : w.generation(), slot.restarts(), w == null ? 0 : w.uptimeMillis(),
                    slot.lastExit(), w == null ? Map.of() : w.heartbeat()));
            if (reason == null && slot.errored()) reason = "slot " + slot.index() + " " + slot.erroredReason();
        }
        if (reason == null && change != null) reason = change + " in progress";
        if (refusing()) reason = (reason == null ? "" : reason + "; ") + "port " + config.port()
                + " refuses connections until jcluster restart or reload";
        return new AppStatus(config.name(), state.id(), config.port(), config.listen().id(), ProcessHandle.current().pid(),
                Duration.between(startedAt, Instant.now()).toMillis(), reason, list);
    }

    private Slot slotOf(Worker w) {
        for (Slot s : slots) {
            if (s.worker() == w || s.surge() == w) return s;
        }
        return w.slot() < slots.size() && slots.get(w.slot()).index() == w.slot() ? slots.get(w.slot()) : null;
    }

    private static long parseLong(String s) {
        try {
            return s == null ? 0 : Long.parseLong(s);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static Throwable cause(Throwable e) {
        while ((e instanceof java.util.concurrent.CompletionException || e instanceof java.util.concurrent.ExecutionException)
                && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
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
            case MessageTypes.READY -> {
                if (w.config().reload().ready().byCall()) ready(w, "JCluster.ready()");
            }
            case MessageTypes.HEARTBEAT -> {
                Map<String, String> fields = adoption.figures(w, m.fields());
                w.heartbeat(fields);
                metrics.heartbeat(w, fields);
            }
            case MessageTypes.DRAINED -> {
                if (w.state() == WorkerState.DRAINING && adoption.agentDrained(w)) {
                    w.cancelPendingKill();
                    terminate(w);
                }
            }
            case MessageTypes.LISTENER -> handOver(ch, w);
            case MessageTypes.BIND -> adoption.bind(ch, w, m);
            case MessageTypes.LISTENING -> adoption.listening(ch, w, m);
            case MessageTypes.CONNS -> adoption.conns(ch, w, m);
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
        Slot slot = slotOf(w);
        if (slot == null || slot.socket() == null) {
            String why = slot == null ? "slot " + w.slot() + " is gone"
                    : "app " + config.name() + " runs with listen=self: bind port " + config.port() + " yourself";
            log.info("workers.sock: refused the listener to pid %d: %s", w.pid(), why);
            WorkerChannel.send(ch, WireMessage.of(MessageTypes.ERROR, "message", why));
            ch.close();
            return;
        }
        ch.writeAndFlush(new FileDescriptor(slot.socket().fd())).addListener(ChannelFutureListener.CLOSE);
    }

    // ---- helpers ----

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
