package io.jcluster.cli.primary;

import io.jcluster.cli.config.RestartPolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.ScheduledFuture;

/**
 * A worker position, 0..N-1: owns its listening socket (in handoff mode) for the app's whole life,
 * and the restart bookkeeping of the workers that serve it. Confined to the supervisor thread.
 */
final class Slot {
    private final int index;
    private final SlotSocket socket;
    private Worker worker;
    private int restarts;
    private int consecutiveFailures;
    private final Deque<Instant> failures = new ArrayDeque<>();
    private boolean errored;
    private String erroredReason;
    private ExitRecord lastExit;
    private ScheduledFuture<?> pendingStart;
    private Instant nextStartAt;

    Slot(int index, SlotSocket socket) {
        this.index = index;
        this.socket = socket;
    }

    int index() { return index; }
    SlotSocket socket() { return socket; }
    Worker worker() { return worker; }
    void worker(Worker w) { worker = w; }
    int restarts() { return restarts; }
    boolean errored() { return errored; }
    String erroredReason() { return erroredReason; }
    ExitRecord lastExit() { return lastExit; }
    void lastExit(ExitRecord e) { lastExit = e; }
    Instant nextStartAt() { return nextStartAt; }

    /**
     * Counts an unplanned exit of the slot's worker ({@code w} null when it could not even be
     * spawned) and says how long to wait before the next start,
     * or returns null when the crash-loop guard trips.
     */
    Duration crashed(Worker w, RestartPolicy policy) {
        Instant now = Instant.now();
        boolean stable = w != null && w.readyAt() != null
                && Duration.between(w.readyAt(), now).compareTo(policy.stableAfter()) >= 0;
        if (stable) {
            consecutiveFailures = 0;
            return Duration.ZERO;
        }
        consecutiveFailures++;
        failures.addLast(now);
        while (!failures.isEmpty() && failures.peekFirst().isBefore(now.minus(policy.failureWindow()))) {
            failures.removeFirst();
        }
        if (failures.size() >= policy.maxFailures()) return null;
        return policy.backoff(consecutiveFailures);
    }

    void scheduled(ScheduledFuture<?> start, Instant at) {
        cancelPendingStart();
        pendingStart = start;
        nextStartAt = at;
        restarts++;
    }

    void started() {
        pendingStart = null;
        nextStartAt = null;
    }

    void cancelPendingStart() {
        if (pendingStart != null) pendingStart.cancel(false);
        pendingStart = null;
        nextStartAt = null;
    }

    void errored(String reason) {
        errored = true;
        erroredReason = reason;
    }

    /** Clears the crash-loop guard (on {@code restart}). */
    void clearErrors() {
        errored = false;
        erroredReason = null;
        failures.clear();
        consecutiveFailures = 0;
    }

    /** What {@code ls} shows for this slot's state. */
    WorkerState state() {
        if (errored) return WorkerState.ERRORED;
        if (pendingStart != null) return WorkerState.BACKOFF;
        if (worker == null) return WorkerState.STOPPED;
        return worker.state();
    }
}
