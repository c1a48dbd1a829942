package io.jcluster.cli.primary;

import io.jcluster.cli.config.AppConfig;
import io.jcluster.cli.config.Home;
import io.jcluster.cli.config.Listen;
import io.jcluster.cli.config.StartSpec;
import io.jcluster.cli.control.AppStatus;
import io.jcluster.cli.control.HandOverReply;
import io.jcluster.cli.host.AgentJar;
import io.jcluster.cli.host.Kernel;
import io.jcluster.cli.host.NativeTransport;
import io.jcluster.cli.host.PortOwners;
import io.jcluster.cli.logs.AppLogs;
import io.jcluster.cli.metrics.AppMetrics;
import io.jcluster.cli.metrics.Probes;
import io.jcluster.cli.primary.changes.HealthWatch;
import io.jcluster.cli.primary.changes.Recycler;
import io.jcluster.cli.primary.changes.Restart;
import io.jcluster.cli.primary.changes.RollingReload;
import io.jcluster.cli.primary.changes.Scale;
import io.jcluster.cli.primary.changes.Watcher;
import io.jcluster.cli.primary.changes.WorkerSignals;
import io.jcluster.cli.primary.launch.AppCache;
import io.jcluster.cli.primary.launch.ConfigResolver;
import io.jcluster.cli.primary.launch.JvmLauncher;
import io.jcluster.cli.primary.sockets.PassedSockets;
import io.jcluster.cli.primary.sockets.SlotSocket;
import io.jcluster.cli.primary.supervisor.ChangeFailed;
import io.jcluster.cli.primary.supervisor.MetricsFeed;
import io.jcluster.cli.primary.supervisor.PortGate;
import io.jcluster.cli.logs.PrimaryLog;
import io.jcluster.cli.primary.supervisor.ServiceReports;
import io.jcluster.cli.primary.supervisor.Slot;
import io.jcluster.cli.primary.supervisor.Supervisor;
import io.jcluster.cli.primary.supervisor.SupervisorLoop;
import io.jcluster.cli.primary.supervisor.WorkerChannel;
import io.jcluster.cli.primary.supervisor.WorkerMessages;
import io.jcluster.cli.primary.upgrade.PreviousPrimary;
import io.jcluster.cli.primary.upgrade.Successors;
import io.jcluster.cli.primary.upgrade.TakeOver;
import io.jcluster.cli.systemd.ListenFds;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The primary of one app: owns the slots' listening sockets, spawns and supervises the worker
 * JVMs, replaces them on reload, scale and restart, and answers questions about them.
 *
 * <p>Threading: every piece of state belongs to one {@link SupervisorLoop}. These methods post
 * their work to it as events and return futures, which complete there.
 */
public final class Primary implements AutoCloseable {
    private static final Duration TICK = Duration.ofSeconds(1);
    private final StartSpec spec;
    private final PrimaryLog log;
    private final AppLogs logs;
    private final SupervisorLoop loop;
    private final EventLoopGroup io;
    private final Supervisor app;
    private final HealthWatch health;
    private final ServiceReports reports;
    private final JvmLauncher launcher;
    private final Home home;
    private final WorkerMessages messages;
    private final Recycler recycler;
    private final Watcher watcher;
    private final AppCache cds;
    /** Ticks between two metrics snapshots (the {@code [metrics] interval} over the tick). */
    private final int ticksPerSnapshot;
    private long ticks;
    private WorkerChannel workerChannel;
    /** A primary that {@code jcluster upgrade} started: its connection to the primary it replaces, until the take-over ends. */
    private PreviousPrimary previous;
    private long previousPid;
    private TakeOver takeOver;
    private final Successors successors;

    private Primary(Home home, StartSpec spec, AppConfig config, PrintStream logOut, boolean foreground) {
        this.spec = spec;
        this.home = home;
        this.log = new PrimaryLog(logOut, config.name());
        this.loop = new SupervisorLoop(log);
        this.logs = new AppLogs(config.name(), home.logDir(config.name()), config.logs(), System.out, System.err);
        Path agentJar = AgentJar.path(); // the relocated agent: never the app's shaded copy
        this.cds = new AppCache(home.cacheDir(config.name()), agentJar, AgentJar.runtimeJar(), log);
        this.io = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("primary-io", true), EpollIoHandler.newFactory());
        MetricsFeed metrics = new MetricsFeed(new AppMetrics(config.name(), config.metrics().interval()), log);
        this.launcher = new JvmLauncher(home, logs, agentJar, AgentJar.runtimeJar(), cds, log);
        this.app = new Supervisor(loop, log, launcher, new PortGate(log), metrics, config);
        this.health = new HealthWatch(app);
        this.reports = new ServiceReports(app, foreground);
        this.messages = new WorkerMessages(app);
        this.successors = new Successors(app, reports, home);
        this.recycler = new Recycler(app, new java.util.Random());
        this.watcher = new Watcher(app, this::reload);
        this.ticksPerSnapshot = (int) Math.max(1, Math.round(config.metrics().interval().toMillis() / (double) tick(config).toMillis()));
        loop.reconcileWith(() -> {
            app.reconcile();
            if (reports.afterEvent()) app.reconcile();
        });
    }

    /**
     * Binds the app's port (one SO_REUSEPORT socket per slot in handoff mode) and
     * {@code workers.sock}. Starts nothing yet: see {@link #start()}.
     *
     * @param spec what {@code start} was asked, so that a reload reads the same config file again
     * @param foreground whether this primary runs in the foreground (systemd, a container): it decides
     *                   the default of {@code [restart] when_errored}
     * @throws PortInUseException when a process outside this app holds the port
     * @throws IOException when epoll (netty's native transport) cannot load here, or a socket cannot be opened
     */
    public static Primary open(Home home, StartSpec spec, AppConfig config, PrintStream logOut, boolean foreground)
            throws IOException {
        NativeTransport.require();
        ListenFds passed = ListenFds.fromEnvironment();
        for (int port : config.ports()) {
            if (passed.isEmpty() && !PortOwners.isFree(config.host(), port)) throw new PortInUseException(config.host(), port);
        }
        Primary p = new Primary(home, spec, config, logOut, foreground);
        try {
            p.app.openSlots(PassedSockets.adopt(passed, config));
            p.workerChannel = WorkerChannel.open(p.io, home.ownSocket(config.name(), "workers", ProcessHandle.current().pid()),
                    p.messages, p.log);
            p.workerChannel.moveTo(home.workerSocket(config.name()));
        } catch (IOException | RuntimeException e) {
            p.close();
            throw e;
        }
        return p;
    }

    /**
     * A primary that replaces the running primary of {@code config}'s app ({@code jcluster upgrade}):
     * asks it for the app on its {@code control.sock}, receives its slot sockets (SCM_RIGHTS) and
     * opens a worker socket of its own beside {@code workers.sock}. Starts nothing yet: see
     * {@link #takeOver(ControlServer)}. The running primary is untouched when this throws.
     *
     * @throws IOException when the running primary cannot be reached or refuses (the message says why),
     *                     or the config changed a key that only a stop and start can change
     */
    public static Primary takingOver(Home home, StartSpec spec, AppConfig config, PrintStream logOut) throws IOException {
        NativeTransport.require();
        Primary p = new Primary(home, spec, config, logOut, false);
        try {
            String name = config.name();
            p.previous = PreviousPrimary.connect(p.io, home.controlSocket(name), PreviousPrimary.TIMEOUT);
            PreviousPrimary.Handed handed = p.previous.take(config, PreviousPrimary.TIMEOUT);
            HandOverReply offer = handed.offer();
            p.previousPid = offer.pid();
            p.app.config(config.withInstances(offer.slots()));
            p.app.inheritSlots(handed.sockets(), offer.steering() == null ? List.of() : offer.steering(), offer.generation() + 1);
            Path workers = home.ownSocket(name, "workers", ProcessHandle.current().pid());
            p.workerChannel = WorkerChannel.open(p.io, workers, p.messages, p.log);
            p.launcher.workerSocket(workers);
            p.log.info("upgrade: primary pid %d handed over generation %d, %d slot(s) on port %d", offer.pid(),
                    offer.generation(), offer.slots(), offer.port());
            // before any control socket of this primary exists: an upgrade request that comes at once must find it
            p.takeOver = new TakeOver(p.app, p.previous, p.previousPid);
        } catch (IOException | RuntimeException e) {
            p.close(); // the slot sockets' copies and the lease: the running primary carries on
            throw e;
        }
        return p;
    }

    /**
     * Runs the take-over of a primary opened by {@link #takingOver}: see {@link TakeOver}. Completes
     * when this primary alone runs the app; fails when it gave up (the previous primary carries on and
     * this one stops).
     *
     * @param control this primary's control server, on a socket of its own until it takes {@code control.sock}
     */
    public CompletableFuture<AppStatus> takeOver(ControlServer control) {
        String name = app.config().name();
        TakeOver.Files files = TakeOver.files(home, name, control::moveTo, workerChannel::moveTo, () -> launcher.workerSocket(null));
        loop.execute(() -> takeOver.run(files));
        loop.every(tick(app.config()), this::tick);
        reports.start(loop);
        return takeOver.result();
    }

    /** The take-over's steps so far and from now on, then its outcome: what {@code jcluster upgrade} shows. */
    public CompletableFuture<AppStatus> upgrade(Consumer<String> progress) {
        return loop.submit(f -> {
            if (takeOver == null) {
                f.completeExceptionally(new ChangeFailed("this primary is not taking an app over (jcluster upgrade starts one that does)",
                        List.of(), 2));
                return;
            }
            takeOver.follow(progress);
            takeOver.result().whenComplete(complete(f));
        });
    }

    /** The running primary's side of an upgrade: new primaries that ask for the app. */
    Successors successors() {
        return successors;
    }

    /** Whether this primary handed the app over to a new one: the run directory is that one's now. */
    public boolean handedOver() {
        return successors.handedOver();
    }

    public AppConfig config() {
        return app.config();
    }

    public PrimaryLog log() {
        return log;
    }

    /** The primary's netty event loop: the worker channel and the control socket share it. */
    public EventLoopGroup io() {
        return io;
    }

    /** The app's figures: snapshots every {@code [metrics] interval}, their history, recent exits. */
    public AppMetrics metrics() {
        return app.metrics().metrics();
    }

    /** {@code /readyz} and {@code /healthz}, for the metrics listener. */
    public Probes probes() {
        return reports.probes();
    }

    /** Whether the primary stopped because every slot errored and {@code [restart] when_errored = "exit"}. */
    public boolean gaveUp() {
        return reports.gaveUp();
    }

    /** The cache workers start from and each worker's use of it, for {@code describe} (its /proc reads off the loop). */
    CompletableFuture<io.jcluster.cli.control.CacheStatus> cacheStatus(AppStatus status) {
        return cds.status(app.config(), status, loop);
    }

    /** Spawns a worker on every slot and starts the health checks and the metrics snapshots. */
    public void start() {
        loop.execute(() -> {
            AppConfig config = app.config();
            log.info("starting %d worker(s) of %s on %s (listen=%s, pid %d)", config.instances(),
                    config.jar().getFileName(), PortGate.portsText(config.ports()), config.listen().id(), ProcessHandle.current().pid());
            if (config.listen() == Listen.SELF) {
                log.info("listen=self: every worker binds %s itself with SO_REUSEPORT; %s", PortGate.portsText(config.ports()),
                        Kernel.migrateAdvice());
            }
            boolean lookFirst = config.aotCache().wanted() && cds.anyMade(); // a cache made before: does it fit this jar?
            if (!lookFirst) app.startAll(); // reconcile, right after this event, starts the workers
            if (config.aotCache().wanted()) loop.offLoop(() -> cds.prepare(config, false), prepared -> {
                if (lookFirst) app.startAll();
            });
        });
        loop.every(tick(app.config()), this::tick);
        reports.start(loop);
    }

    /**
     * The loop's one timer: every second (or every {@code [metrics] interval} when that is shorter).
     * The heartbeats that came meanwhile, the health checks, the probes' sign of life, and every
     * interval a metrics snapshot: one wake-up of the loop for all of them.
     */
    private void tick() {
        messages.drainHeartbeats();
        health.tick();
        reports.tick();
        recycler.tick();
        watcher.tick();
        if (ticks++ % ticksPerSnapshot == 0) app.metrics().tick(loop, app.status()::snapshot);
    }

    private static Duration tick(AppConfig config) {
        Duration interval = config.metrics().interval();
        return interval.compareTo(TICK) < 0 ? interval : TICK;
    }

    /** The app as it is now. */
    public CompletableFuture<AppStatus> status() {
        return loop.submit(f -> f.complete(app.status().snapshot()));
    }

    /**
     * Completes when every slot has a ready worker; fails with a {@link ChangeFailed} as soon as a
     * slot hits the crash-loop guard.
     */
    public CompletableFuture<AppStatus> awaitReady() {
        return loop.submit(app::awaitReady); // settled by the reconcile step, this turn or a later one
    }

    /**
     * A stop asked for over the control socket: refused while a change runs (a signal still stops
     * the app through {@link #stop()}).
     */
    public CompletableFuture<Void> requestStop() {
        return loop.submit(f -> {
            String refusal = app.refusal("stop");
            if (refusal != null && !app.stopping()) {
                f.completeExceptionally(new ChangeFailed(refusal, List.of()));
                return;
            }
            app.stop();
            app.stopped().whenComplete((v, e) -> f.complete(null));
        });
    }

    /**
     * Stops the app gracefully: each worker drains, then gets SIGTERM, then SIGKILL after the stop
     * timeout. Completes when every worker has exited. A change under way is abandoned.
     */
    public CompletableFuture<Void> stop() {
        loop.execute(app::stop);
        return app.stopped();
    }

    /** Completes when the app has stopped. */
    public CompletableFuture<Void> stopped() {
        return app.stopped();
    }

    /**
     * Rolling reload: reads the config file again (off the loop: it may look names up), then
     * replaces slot after slot (see {@link RollingReload}).
     *
     * @param progress told of each step, on the loop
     */
    public CompletableFuture<AppStatus> reload(Consumer<String> progress) {
        CompletableFuture<AppStatus> done = loop.submit(result -> {
            String busy = app.refusal("reload"); // at once, before the file is read; the change gate decides after
            if (busy != null) {
                result.completeExceptionally(new ChangeFailed(busy, List.of()));
                return;
            }
            reports.reloading(true);
            loop.offLoop(this::loadConfig, loaded -> {
                if (loaded instanceof ChangeFailed failed) {
                    result.completeExceptionally(failed);
                    return;
                }
                AppConfig next = ((AppConfig) loaded).withInstances(app.slots().size());
                RollingReload reload = new RollingReload(app, next, step -> {
                    reports.reloadStep();
                    progress.accept(step);
                });
                app.run("reload", reload, () -> {
                    String fixed = RollingReload.fixedKeysChanged(app.config(), next);
                    if (fixed != null) throw new ChangeFailed(fixed + "; nothing was changed", List.of(), 2);
                    if (next.listen() == Listen.SELF) progress.accept("listen=self: " + Kernel.migrateAdvice());
                    return reload.begin();
                }).whenComplete(complete(result));
            });
        });
        done.whenCompleteAsync((status, failure) -> reports.reloading(false), loop);
        return done;
    }

    /** The config file read again: an {@link AppConfig}, or the {@link ChangeFailed} that says why not. */
    private Object loadConfig() {
        try {
            AppConfig next = ConfigResolver.resolve(spec);
            if (next.aotCache().wanted()) cds.prepare(next, false); // a cache made for this jar is used; none is made here
            return next;
        } catch (ConfigResolver.Refused e) {
            return new ChangeFailed((e.code == 2 ? "the config does not load" : "the config could not be read")
                    + ", nothing was changed: " + e.getMessage(),
                    List.of(), e.code);
        }
    }

    /**
     * Fast restart, not graceful (see {@link Restart}): every slot when {@code slotIndex} is null.
     * Clears the crash-loop guard.
     */
    public CompletableFuture<AppStatus> restart(Integer slotIndex) {
        return loop.submit(result -> new Restart(app, slotIndex).run().whenComplete(complete(result)));
    }

    /**
     * Sends {@code signal} to the workers (every slot's, or {@code slotIndex}'s): the primary holds
     * each worker's process, so the signal reaches the worker it means, never a process that took a
     * recycled pid.
     */
    public CompletableFuture<AppStatus> signal(String signal, Integer slotIndex) {
        return loop.submit(result -> WorkerSignals.send(app, signal, slotIndex, result));
    }

    /** {@code jcluster cordon} ({@code out}) or {@code uncordon}: the readiness probe and {@code ls}, nothing else. */
    public CompletableFuture<AppStatus> cordon(boolean out) {
        return loop.submit(f -> f.complete(reports.cordon(out)));
    }

    /** Changes the number of slots to {@code target} without dropping a request (see {@link Scale}). */
    public CompletableFuture<AppStatus> scale(int target, Consumer<String> progress) {
        return loop.submit(result -> new Scale(app, target, progress).run().whenComplete(complete(result)));
    }

    /** Releases the port, the sockets and the threads. Workers must be gone (see {@link #stop()}). */
    @Override
    public void close() {
        cds.close();
        launcher.close(app.config().name());
        for (Slot slot : app.slots()) {
            slot.sockets().forEach(SlotSocket::close);
        }
        if (workerChannel != null) workerChannel.close();
        if (previous != null) previous.close();
        // A quiet moment first: a reply just completed on the loop (a failed upgrade's, a stop's) is
        // written to its control connection before the channels close.
        io.shutdownGracefully(100, 1000, TimeUnit.MILLISECONDS).awaitUninterruptibly(2, TimeUnit.SECONDS);
        loop.shutdown();
        logs.close();
    }

    private static <T> java.util.function.BiConsumer<T, Throwable> complete(CompletableFuture<T> into) {
        return (v, e) -> {
            if (e != null) into.completeExceptionally(e);
            else into.complete(v);
        };
    }
}
