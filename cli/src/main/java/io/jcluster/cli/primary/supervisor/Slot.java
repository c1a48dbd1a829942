package io.jcluster.cli.primary.supervisor;

import io.jcluster.cli.config.AppConfig;
import io.jcluster.cli.control.ExitRecord;
import io.jcluster.cli.primary.sockets.SlotSocket;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * A worker position, 0..N-1: owns its listening sockets (in handoff mode, one per app port) for as
 * long as the slot exists, the config and generation it runs, and the restart bookkeeping of the
 * workers that serve it. Confined to the supervisor loop.
 */
public final class Slot {
    /** The slot's own part of its life; what {@code ls} shows is {@link #state()}, derived from it and the worker. */
    public enum Phase {
        /** Has, or is getting, a worker. */
        ACTIVE,
        /** Waits out a backoff before its next start. */
        BACKING_OFF,
        /** The crash-loop guard tripped: no more starts until {@code restart} or a reload. */
        ERRORED,
        /**
         * Its worker ended by itself and is not to be restarted: an exit code of {@code [restart]
         * ok_exit_codes}, or {@code autorestart = false}. Until {@code restart} or a reload.
         */
        DONE,
        /** Scale down: it takes no new connections and goes once its queue and worker are done. */
        LEAVING;

        Set<Phase> next() {
            return switch (this) {
                case ACTIVE -> EnumSet.of(BACKING_OFF, ERRORED, DONE, LEAVING);
                case BACKING_OFF -> EnumSet.of(ACTIVE, ERRORED, LEAVING);
                case ERRORED, DONE -> EnumSet.of(ACTIVE, LEAVING);
                case LEAVING -> EnumSet.noneOf(Phase.class);
            };
        }
    }

    private final int index;
    /** One per app port, in the order of {@code ports}; none with {@code listen = "self"}. */
    private final List<SlotSocket> sockets;
    private final CrashGuard guard = new CrashGuard();
    private AppConfig config;
    private long generation;
    private Phase phase = Phase.ACTIVE;
    private Worker worker;
    /** A new worker starting on this slot's socket beside {@link #worker} during a reload or a replacement. */
    private Worker surge;
    private int restarts;
    private String erroredReason;
    private ExitRecord lastExit;
    private Loop.Timer pendingStart = Loop.Timer.NONE;

    Slot(int index, SlotSocket socket, AppConfig config, long generation) {
        this(index, socket == null ? List.of() : List.of(socket), config, generation);
    }

    Slot(int index, List<SlotSocket> sockets, AppConfig config, long generation) {
        this.index = index;
        this.sockets = List.copyOf(sockets);
        this.config = config;
        this.generation = generation;
    }

    public int index() { return index; }
    /** The socket of the app's first port, or null (listen = "self"). */
    public SlotSocket socket() { return sockets.isEmpty() ? null : sockets.get(0); }
    /** The slot's sockets, one per app port in the order of {@code ports}; empty with listen = "self". */
    public List<SlotSocket> sockets() { return sockets; }

    /** The slot's socket for {@code port}, or null when it has none (not an app port, listen = "self"). */
    public SlotSocket socket(int port) {
        int i = config.ports().indexOf(port);
        return i < 0 || i >= sockets.size() ? null : sockets.get(i);
    }
    public AppConfig config() { return config; }
    public long generation() { return generation; }
    Phase phase() { return phase; }
    public Worker worker() { return worker; }
    public void worker(Worker w) { worker = w; }
    public Worker surge() { return surge; }
    public void surge(Worker w) { surge = w; }
    CrashGuard guard() { return guard; }
    int restarts() { return restarts; }
    boolean errored() { return phase == Phase.ERRORED; }
    public boolean leaving() { return phase == Phase.LEAVING; }
    /** Whether no worker will be started here until someone asks: errored, or done. */
    boolean halted() { return phase == Phase.ERRORED || phase == Phase.DONE; }
    String erroredReason() { return erroredReason; }
    public ExitRecord lastExit() { return lastExit; }
    public void lastExit(ExitRecord e) { lastExit = e; }

    /** The only way a slot changes phase; leaving a backoff cancels its pending start. */
    public void moveTo(Phase next) {
        if (next == phase) return;
        if (!phase.next().contains(next)) {
            throw new IllegalStateException("slot " + index + ": " + phase + " → " + next + " is not a move a slot makes");
        }
        if (phase == Phase.BACKING_OFF) {
            pendingStart.cancel();
            pendingStart = Loop.Timer.NONE;
        }
        if (phase == Phase.ERRORED) erroredReason = null;
        phase = next;
    }

    /** Backs off until {@code start} runs (a timer on the loop). */
    void backOff(Loop.Timer start) {
        moveTo(Phase.BACKING_OFF);
        pendingStart = start;
    }

    void errored(String reason) {
        moveTo(Phase.ERRORED);
        erroredReason = reason;
    }

    /** Clears the crash-loop guard and an errored or backing-off phase (on {@code restart}). */
    public void reset() {
        guard.clear();
        if (phase != Phase.LEAVING) moveTo(Phase.ACTIVE);
    }

    /**
     * From now on the slot runs {@code w}, of {@code w}'s config and generation: a ready worker, so
     * an errored slot (a reload to a version that starts) is errored no more.
     */
    public void promote(Worker w) {
        reset();
        worker = w;
        surge = null;
        config = w.config();
        generation = w.generation();
    }

    /** The slot's ready worker (the surge once it is ready), or null. */
    public Worker serving() {
        if (worker != null && worker.state() == WorkerState.READY) return worker;
        if (surge != null && surge.state() == WorkerState.READY) return surge;
        return null;
    }

    /** Counts a replacement of the slot's worker that the user did not ask for (crash, hang, memory). */
    public void countRestart() {
        restarts++;
    }

    /** What {@code ls} shows for this slot. */
    SlotState state() {
        if (phase == Phase.ERRORED) return SlotState.ERRORED;
        if (phase == Phase.BACKING_OFF) return SlotState.BACKOFF;
        Worker w = worker != null ? worker : surge;
        if (w == null) return SlotState.STOPPED;
        return switch (w.state()) {
            case STARTING -> SlotState.STARTING;
            case READY -> SlotState.READY;
            case DRAINING -> SlotState.DRAINING;
            case EXITED -> SlotState.STOPPED;
        };
    }
}
