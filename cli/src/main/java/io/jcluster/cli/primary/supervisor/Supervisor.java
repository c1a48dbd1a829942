package io.jcluster.cli.primary.supervisor;

import io.jcluster.cli.config.AppConfig;
import io.jcluster.cli.config.Durations;
import io.jcluster.cli.control.AppStatus;
import io.jcluster.cli.control.ExitRecord;
import io.jcluster.cli.logs.PrimaryLog;
import io.jcluster.cli.primary.sockets.SlotSocket;
import io.jcluster.runtime.wire.MessageTypes;
import io.jcluster.runtime.wire.WireMessage;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * The state of one app and what happens to it: slots, workers, warm spares, the change under way.
 * Every method runs on the {@link Loop}; after each event, {@link #reconcile()} derives the rest
 * from the state (steering, waiters, stopped, slots that need a worker, spares to keep), as
 * gunicorn's arbiter does.
 *
 * <p>A warm spare is a worker without a slot: it has done its start-up and waits in its request
 * for the slot's socket (the preload library's {@code bind}, {@code SlotListener}'s {@code
 * listener}), which the primary holds. A slot that needs a worker takes a spare of its generation
 * before it starts a JVM, and after a crash it takes one at once, without its backoff.
 */
public final class Supervisor {
    private static final int LAST_LINES = 20;

    public final Loop loop;
    public final PrimaryLog log;
    private final Launcher launcher;
    public final PortGate gate;
    private final MetricsFeed metrics;
    private final List<Slot> slots = new ArrayList<>();
    private final Set<Worker> workers = new LinkedHashSet<>();
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();
    private final StatusView status;
    private final ReadinessProbe readiness;
    /** The preload library's binds, listens and connections (apps that link nothing). */
    private final PortAdoption adoption;
    private AppConfig config;
    private long generation = 1;
    private boolean stopping;
    /** When {@code [recycle] every} is due next (set by the {@code Recycler}), or null. */
    private java.time.Instant nextRecycle;
    /** Whether {@link #startAll()} ran: reconcile starts no worker before. */
    private boolean started;
    private final Spares spares = new Spares(this);
    private final ReadyWaiters readyWaiters = new ReadyWaiters(this);
    private final ChangeGate changes;

    public Supervisor(Loop loop, PrimaryLog log, Launcher launcher, PortGate gate, MetricsFeed metrics, AppConfig config) {
        this.loop = loop;
        this.log = log;
        this.launcher = launcher;
        this.changes = new ChangeGate(() -> stopping, launcher::changing);
        this.gate = gate;
        this.metrics = metrics;
        this.config = config;
        this.status = new StatusView(this, loop.now());
        this.readiness = new ReadinessProbe(this);
        this.adoption = new PortAdoption(log, loop::now, (w, port) -> w.slot() != null && slots.contains(w.slot()) ? w.slot().socket(port) : null,
                this::ready, w -> { // drained, and the library's connections closed: SIGTERM
                    w.cancelDeadline();
                    terminate(w);
                });
    }

    PortAdoption adoption() {
        return adoption;
    }

    public List<Slot> slots() { return slots; }
    public Set<Worker> workers() { return workers; }
    public AppConfig config() { return config; }
    public void config(AppConfig c) { config = c; }
    public long generation() { return generation; }
    public void generation(long g) { generation = g; }
    public Change change() { return changes.current(); }
    public boolean stopping() { return stopping; }
    public MetricsFeed metrics() { return metrics; }
    public java.time.Instant nextRecycle() { return nextRecycle; }
    public void nextRecycle(java.time.Instant at) { nextRecycle = at; }
    public CompletableFuture<Void> stopped() { return stopped; }
    public StatusView status() { return status; }

    /**
     * Opens the slots' sockets, the first ones from those systemd passed (socket activation); before
     * the loop runs, so a port in use fails the start.
     */
    public void openSlots(List<SlotSocket> passed) throws IOException {
        for (int i = 0; i < config.instances(); i++) {
            slots.add(i < passed.size() ? new Slot(i, gate.adopt(passed.get(i)), config, generation) : newSlot(i, config));
        }
        for (int i = config.instances(); i < passed.size(); i++) {
            log.info("systemd passed %d sockets for %d slots: socket %d stays spare", passed.size(), config.instances(), i);
        }
    }

    /**
     * The slots of the primary this one replaces ({@code jcluster upgrade}): its sockets in slot
     * order (none with {@code listen = "self"}) and the kernel's order of its steering group; the
     * workers run {@code gen}. Steering stays with the previous primary until {@link PortGate#takeSteering()}.
     */
    public void inheritSlots(List<SlotSocket> bySlot, List<Integer> kernelOrder, long gen) {
        generation = gen;
        List<SlotSocket> sockets = bySlot.isEmpty() ? bySlot : gate.inherit(bySlot, kernelOrder);
        for (int i = 0; i < config.instances(); i++) {
            slots.add(new Slot(i, i < sockets.size() ? sockets.get(i) : null, config, generation));
        }
    }

    /** From now on every active slot gets a worker (by {@link #reconcile()}). */
    public void startAll() {
        started = true;
    }

    public Slot newSlot(int index, AppConfig cfg) throws IOException {
        return new Slot(index, gate.open(cfg), cfg, generation);
    }

    // ---- changes: one at a time ----

    /** Why {@code what} cannot begin now, or null when it may: see {@link ChangeGate#refusal}. */
    public String refusal(String what) {
        return changes.refusal(what);
    }

    /**
     * Runs {@code change} through the {@link ChangeGate} (one change at a time, none while stopping):
     * {@code body} begins it, and it ends when the future {@code body} returns completes; then the
     * returned future completes with the app's status, or the failure.
     */
    public CompletableFuture<AppStatus> run(String what, Change change, Supplier<? extends CompletableFuture<?>> body) {
        return changes.run(what, change, body, status::snapshot);
    }

    /** Every slot when {@code index} is null, else that slot; a {@link ChangeFailed} (exit code 2) when there is none. */
    public List<Slot> slots(Integer index) {
        if (index == null) return List.copyOf(slots);
        if (index < 0 || index >= slots.size()) {
            throw new ChangeFailed("no slot " + index + " (the app has slots 0 to " + (slots.size() - 1) + ")", List.of(), 2);
        }
        return List.of(slots.get(index));
    }

    /** Completes {@code f} once every slot has a ready worker; fails it as soon as a slot errors or ends. */
    public void awaitReady(CompletableFuture<AppStatus> f) {
        readyWaiters.add(f);
    }

    // ---- workers ----

    /**
     * Gives the slot its regular worker (its config and generation): a spare of that generation if
     * there is one, else a new JVM; a failure to start counts as a crash.
     */
    public Worker start(Slot slot) {
        if (stopping || slot.leaving()) return null;
        slot.moveTo(Slot.Phase.ACTIVE);
        Worker spare = spares.forSlot(slot);
        if (spare != null) {
            give(spare, slot);
            return spare;
        }
        Worker w = startOn(slot, slot.config(), slot.generation());
        if (w == null) {
            afterCrash(slot, null, slot.lastExit());
            return null;
        }
        slot.worker(w);
        return w;
    }

    /**
     * Starts a worker of {@code cfg}/{@code gen} for {@code slot}, or a spare with {@code slot} null;
     * null (with the slot's last exit set) when it cannot be started.
     */
    public Worker startOn(Slot slot, AppConfig cfg, long gen) {
        String notListening = gate.listenAgain(slots, config.ports());
        WorkerProcess process = null;
        String failure = notListening;
        String where = slot == null ? "spare" : "slot " + slot.index();
        if (failure == null) {
            try {
                process = launcher.launch(slot == null ? -1 : slot.index(), cfg, gen);
            } catch (IOException | RuntimeException e) {
                failure = e.getMessage();
            }
        }
        if (process == null) {
            ExitRecord exit = new ExitRecord(slot == null ? -1 : slot.index(), 0, gen, -1, null, loop.now().toEpochMilli(), failure,
                    List.of());
            log.info("%s: %s", where, failure);
            if (slot != null) {
                metrics.exited(exit);
                slot.lastExit(exit);
            }
            return null;
        }
        Worker w = new Worker(slot, gen, cfg, process, loop.now());
        if (workers.stream().anyMatch(o -> o.state() == WorkerState.READY)) launcher.starting(w.pid(), cfg, loop); // beside serving ones
        workers.add(w);
        process.note("worker started: " + (slot == null ? "spare" : "slot=" + slot.index()) + " gen=" + gen + " pid=" + w.pid());
        log.info("%s: started %s pid %d (generation %d)", where, slot == null ? "spare" : "worker", w.pid(), gen);
        // exited() runs once the worker's last output is in its log (nothing is lost at kill -9)
        process.exited().thenAccept(code -> loop.execute(() -> exited(w, code)));
        w.deadline(loop.schedule(cfg.reload().readyTimeout(), () -> readyTimedOut(w)));
        if (slot != null && !cfg.reload().ready().onlyByCall()) readiness.watch(w);
        return w;
    }

    private void readyTimedOut(Worker w) {
        if (w.state() != WorkerState.STARTING || w.warm()) return; // a warm spare waits as long as it takes
        String why = (w.spare() ? "not warm (waiting in its bind) within " : "not ready within ")
                + Durations.format(w.config().reload().readyTimeout());
        log.info("%s: worker pid %d %s: killing it", w.where(), w.pid(), why);
        w.end(why, false);
        w.process().kill();
    }

    void ready(Worker w, String how) {
        if (w.state() != WorkerState.STARTING) return;
        if (w.spare()) { // a spare is ready once it serves a slot: remembered for then
            w.readyAsSpare(how);
            return;
        }
        w.cancelDeadline();
        w.markReady(loop.now());
        if (w.takenAt() != null) {
            log.info("slot %d: worker pid %d ready (%s, %d ms after it took the slot as a spare)", w.slotIndex(), w.pid(), how,
                    Duration.between(w.takenAt(), w.readyAt()).toMillis());
        } else {
            log.info("slot %d: worker pid %d ready (%s, %d ms after start)", w.slotIndex(), w.pid(), how,
                    Duration.between(w.startedAt(), w.readyAt()).toMillis());
        }
        launcher.ready(w.pid(), loop);
        if (stopping || w.retiring()) retire(w, "stopped");
    }

    private void exited(Worker w, int code) {
        launcher.exited(w.pid(), code);
        boolean wasReady = w.readyAt() != null;
        workers.remove(w);
        adoption.forget(w);
        Slot slot = w.slot();
        List<String> lastLines = w.process().lastLines(LAST_LINES);
        String reason = w.ending() != null ? w.ending().reason()
                : java.util.Objects.requireNonNullElse(launcher.outOfMemory(code, lastLines), wasReady ? "crashed" : "exited before it was ready");
        ExitRecord exit = w.exitRecord(code, reason, lastLines, loop.now());
        w.process().note("worker exited: " + (w.spare() ? "spare" : "slot=" + w.slotIndex()) + " pid=" + w.pid() + " "
                + exit.describe() + " (" + reason + ")");
        w.exited(exit);
        if (w.spare()) {
            spares.exited(w, exit);
            return;
        }
        metrics.exited(exit);
        if (slot.surge() == w) {
            slot.surge(null); // a reload's new worker: the reload decides
            log.info("slot %d: new worker pid %d %s (%s)", w.slotIndex(), w.pid(), reason, exit.describe());
            return;
        }
        boolean current = slot.worker() == w;
        if (current) {
            slot.worker(null);
            slot.lastExit(exit);
        }
        if (w.retiring() || stopping) {
            log.info("slot %d: worker pid %d exited (%s)", w.slotIndex(), w.pid(), exit.describe());
            return;
        }
        if (!current || slot.leaving()) return;
        if (slot.surge() != null) {
            log.info("slot %d: worker pid %d %s (%s) while its replacement starts", w.slotIndex(), w.pid(), reason, exit.describe());
            return;
        }
        if (!config.restart().restartsAfter(exit.signal() == null ? code : null)) {
            slot.moveTo(Slot.Phase.DONE);
            log.info("slot %d: worker pid %d ended (%s); not restarting it (%s; jcluster restart starts it again)", slot.index(),
                    w.pid(), exit.describe(), config.restart().autorestart() ? "ok_exit_codes " + config.restart().okExitCodes()
                            : "autorestart = false");
            return;
        }
        afterCrash(slot, w, exit);
    }

    /**
     * An unplanned end of the slot's worker ({@code w} null when none could be started): a spare
     * takes the slot at once, or it backs off, or it gives up.
     */
    private void afterCrash(Slot slot, Worker w, ExitRecord exit) {
        Duration delay = slot.guard().afterExit(w == null ? null : w.readyAt(), loop.now(), config.restart());
        Worker spare = delay == null ? null : spares.forSlot(slot);
        if (spare != null) {
            log.info("slot %d: worker pid %d %s (%s); a spare takes the slot", slot.index(), exit.pid(), exit.reason(), exit.describe());
            slot.countRestart();
            give(spare, slot);
            return;
        }
        if (delay == null) {
            String why = "failed to start " + config.restart().maxFailures() + " times within "
                    + Durations.format(config.restart().failureWindow()) + " (last: " + exit.describe() + ", " + exit.reason() + ")";
            slot.errored(why);
            log.info("slot %d: errored: %s; not restarting it (jcluster restart clears this)", slot.index(), why);
            for (String line : exit.lastLines()) log.info("slot %d:   | %s", slot.index(), line);
            return;
        }
        log.info("slot %d: worker pid %d %s (%s); restarting in %s", slot.index(), exit.pid(), exit.reason(),
                exit.describe(), Durations.format(delay));
        slot.countRestart();
        slot.backOff(loop.schedule(delay, () -> {
            if (slot.phase() == Slot.Phase.BACKING_OFF) slot.moveTo(Slot.Phase.ACTIVE); // reconcile starts its worker
        }));
    }

    /** Ends {@code w} gracefully: drain, then SIGTERM, then SIGKILL after the stop timeout. */
    public void retire(Worker w, String why) {
        if (!w.alive()) return;
        w.end(why, true);
        if (w.state() == WorkerState.READY && w.channel() != null) {
            w.moveTo(WorkerState.DRAINING);
            long ms = w.config().reload().drainTimeout().toMillis();
            WorkerChannel.send(w.channel(), WireMessage.of(MessageTypes.DRAIN, "timeoutMillis", ms));
            adoption.drain(w, ms); // the library ends the adopted connections as their protocols allow
            w.deadline(loop.schedule(Duration.ofMillis(ms), () -> { adoption.drainTimedOut(w); terminate(w); }));
        } else {
            terminate(w);
        }
    }

    /**
     * The slot's next worker warms up beside {@code w}: it accepts nothing more and hands its connections
     * over one by one within {@code spreadMillis} (its app's drain hooks, through the agent, and the preload library).
     */
    public void handOver(Worker w, long spreadMillis) {
        if (w.channel() != null) WorkerChannel.send(w.channel(), WireMessage.of(MessageTypes.HANDOVER, "spreadMillis", spreadMillis));
        adoption.handOver(w, spreadMillis);
    }

    /** SIGTERM, and SIGKILL if it is still there after its stop grace. */
    public void terminate(Worker w) {
        if (!w.alive()) return;
        w.process().terminate();
        Duration grace = w.config().reload().stopTimeout();
        w.deadline(loop.schedule(grace, () -> {
            if (w.alive()) {
                log.info("slot %d: worker pid %d still running %s after SIGTERM: SIGKILL", w.slotIndex(), w.pid(),
                        Durations.format(grace));
                w.process().kill();
            }
        }));
    }

    /** The worker's agent drained: it may go now, unless the library still counts open connections. */
    void drained(Worker w) {
        if (w.state() != WorkerState.DRAINING || !adoption.agentDrained(w)) return;
        w.cancelDeadline();
        terminate(w);
    }

    /** A stuck worker: thread dump into its log (SIGQUIT; SIGCONT so a stopped JVM can write it), then SIGKILL, and a new one at once. */
    public void hung(Worker w, String reason, Duration dumpGrace) {
        log.info("slot %d: worker pid %d is hung: %s; thread dump to its log, then SIGKILL", w.slotIndex(), w.pid(), reason);
        w.end("hung: " + reason, true); // its exit is handled here, not as a plain crash
        w.moveTo(WorkerState.DRAINING);
        long pid = w.pid();
        loop.offLoop(() -> Signals.send(pid, "QUIT") & Signals.send(pid, "CONT"), sent -> {});
        w.deadline(loop.schedule(dumpGrace, () -> {
            if (w.alive()) w.process().kill();
        }));
        Slot slot = w.slot();
        if (slot.worker() == w && !slot.leaving()) {
            slot.worker(null);
            slot.countRestart();
            w.exit().thenAccept(x -> loop.execute(() -> slot.lastExit(x)));
            start(slot);
        }
    }

    /** Stops the app gracefully; a change under way is abandoned. */
    public void stop() {
        if (stopping) return;
        stopping = true;
        log.info("stopping %d worker(s)%s", workers.size(), change() == null ? "" : " (abandoning the " + change().describe() + ")");
        for (Worker w : List.copyOf(workers)) retire(w, "stopped");
    }

    // ---- warm spares ----

    /** The app's warm spares: workers without a slot ({@link Spares}). */
    public Spares spares() {
        return spares;
    }

    /** The spare takes the slot: its held bind gets the slot's socket, and it becomes the slot's starting worker. */
    private void give(Worker spare, Slot slot) {
        boolean warm = spare.warm();
        slot.moveTo(Slot.Phase.ACTIVE);
        slot.worker(spare);
        log.info("slot %d: spare pid %d takes the slot (%s)", slot.index(), spare.pid(),
                warm ? "warm: it waited for the slot's socket" : "still starting");
        spare.take(slot, loop.now());
        spares.tellSlot(spare); // its held requests are answered once it knows the slot
        spare.process().note("spare took slot=" + slot.index() + " pid=" + spare.pid());
        spare.deadline(loop.schedule(spare.config().reload().readyTimeout(), () -> readyTimedOut(spare)));
        if (!spare.config().reload().ready().onlyByCall()) readiness.watch(spare);
        if (spare.readyAsSpare() != null) ready(spare, spare.readyAsSpare()); // it said so before it had a slot
    }

    // ---- after every event ----

    /** Derives what follows from the state: slots that need a worker, steering, waiters, spares, stopped. */
    public void reconcile() {
        if (started && !stopping) {
            for (Slot slot : List.copyOf(slots)) {
                if (slot.phase() == Slot.Phase.ACTIVE && slot.worker() == null && slot.surge() == null) start(slot);
            }
            spares.keep();
            if (change() == null && slots.stream().allMatch(s -> s.worker() != null && s.worker().state() == WorkerState.READY)) {
                launcher.settled(config, loop); // the cache's training run, once nothing starts
            }
        }
        gate.steer(slots, config, stopping);
        readyWaiters.settle();
        if (stopping && workers.isEmpty() && !stopped.isDone()) {
            log.info("stopped");
            stopped.complete(null);
        }
    }

    /** The worker of this app that is {@code pid}, or null. */
    Worker workerOf(long pid) {
        for (Worker w : workers) {
            if (w.pid() == pid) return w;
        }
        return null;
    }
}
