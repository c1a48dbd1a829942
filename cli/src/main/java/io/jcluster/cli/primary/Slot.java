package io.jcluster.cli.primary;

import io.jcluster.cli.control.ExitRecord;

import io.jcluster.cli.config.AppConfig;
import io.jcluster.cli.config.RestartPolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.ScheduledFuture;

/**
 * A worker position, 0..N-1: owns its listening socket (in handoff mode) for as long as the slot
 * exists, the config and generation it runs, and the restart bookkeeping of the workers that serve
 * it. Confined to the supervisor thread.
 */
final class Slot {
    private final int index;
    private final SlotSocket socket;
    private AppConfig config;
    private long generation;
    private Worker worker;
    /** A new worker starting on this slot's socket beside {@link #worker} during a reload. */
    private Worker surge;
    private boolean leaving;
    private int restarts;
    private int consecutiveFailures;
    private final Deque<Instant> failedStarts = new ArrayDeque<>();
    private boolean errored;
    private String erroredReason;
    private ExitRecord lastExit;
    private ScheduledFuture<?> pendingStart;
    private Instant nextStartAt;

    Slot(int index, SlotSocket socket, AppConfig config, long generation) {
        this.index = index;
        this.socket = socket;
        this.config = config;
        this.generation = generation;
    }

    int index() { return index; }
    SlotSocket socket() { return socket; }
    AppConfig config() { return config; }
    long generation() { return generation; }
    Worker worker() { return worker; }
    void worker(Worker w) { worker = w; }
    Worker surge() { return surge; }
    void surge(Worker w) { surge = w; }
    boolean leaving() { return leaving; }
    void leaving(boolean l) { leaving = l; }
    int restarts() { return restarts; }
    boolean errored() { return errored; }
    String erroredReason() { return erroredReason; }
    ExitRecord lastExit() { return lastExit; }
    void lastExit(ExitRecord e) { lastExit = e; }
    Instant nextStartAt() { return nextStartAt; }

    /**
     * From now on the slot runs {@code w}, of {@code w}'s config and generation: a ready worker, so
     * an errored slot (a reload to a version that starts) is errored no more.
     */
    void promote(Worker w) {
        clearErrors();
        worker = w;
        surge = null;
        config = w.config();
        generation = w.generation();
    }

    /** The slot's ready worker (the surge once it is ready), or null. */
    Worker serving() {
        if (worker != null && worker.state() == WorkerState.READY) return worker;
        if (surge != null && surge.state() == WorkerState.READY) return surge;
        return null;
    }

    /**
     * Counts an unplanned exit of the slot's worker ({@code w} null when it could not even be
     * spawned) and says how long to wait before the next start, or returns null when the
     * crash-loop guard trips: {@code maxFailures} failed starts within {@code failureWindow}.
     */
    Duration crashed(Worker w, RestartPolicy policy) {
        Instant now = Instant.now();
        Duration up = w == null || w.readyAt() == null ? null : Duration.between(w.readyAt(), now);
        if (up != null && up.compareTo(policy.stableAfter()) >= 0) {
            consecutiveFailures = 0;
            return Duration.ZERO;
        }
        consecutiveFailures++;
        if (up == null || up.compareTo(policy.minUptime()) < 0) {
            failedStarts.addLast(now);
            while (!failedStarts.isEmpty() && failedStarts.peekFirst().isBefore(now.minus(policy.failureWindow()))) {
                failedStarts.removeFirst();
            }
            if (failedStarts.size() >= policy.maxFailures()) return null;
        }
        return policy.backoff(consecutiveFailures);
    }

    void scheduled(ScheduledFuture<?> start, Instant at) {
        cancelPendingStart();
        pendingStart = start;
        nextStartAt = at;
    }

    /** Counts a replacement of the slot's worker that the user did not ask for (crash, hang, memory). */
    void countRestart() {
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
        failedStarts.clear();
        consecutiveFailures = 0;
    }

    /** What {@code ls} shows for this slot's state. */
    WorkerState state() {
        if (errored) return WorkerState.ERRORED;
        if (pendingStart != null) return WorkerState.BACKOFF;
        if (worker == null) return surge != null ? surge.state() : WorkerState.STOPPED;
        return worker.state();
    }
}
