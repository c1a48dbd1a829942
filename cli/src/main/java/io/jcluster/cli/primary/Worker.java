package io.jcluster.cli.primary;

import io.jcluster.cli.logs.WorkerOutput;
import io.netty.channel.Channel;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;

/**
 * One worker JVM: a generation of one slot. Confined to the primary's supervisor thread.
 */
final class Worker {
    private final int slot;
    private final long generation;
    private final Process process;
    private final Instant startedAt = Instant.now();
    private WorkerState state = WorkerState.STARTING;
    private Instant readyAt;
    private Channel channel;
    private Map<String, String> heartbeat = Map.of();
    private Instant lastHeartbeat;
    /** Set when the primary itself ends this worker (stop, reload, scale): its exit is not a crash. */
    private boolean retiring;
    private String killReason;
    private ScheduledFuture<?> pendingKill;
    private WorkerOutput output;

    Worker(int slot, long generation, Process process) {
        this.slot = slot;
        this.generation = generation;
        this.process = process;
    }

    int slot() { return slot; }
    long generation() { return generation; }
    Process process() { return process; }
    long pid() { return process.pid(); }
    Instant startedAt() { return startedAt; }
    WorkerState state() { return state; }
    void state(WorkerState s) { state = s; }
    Instant readyAt() { return readyAt; }
    Channel channel() { return channel; }
    void channel(Channel c) { channel = c; }
    Map<String, String> heartbeat() { return heartbeat; }
    Instant lastHeartbeat() { return lastHeartbeat; }
    boolean retiring() { return retiring; }
    /** Its stdout and stderr, as the primary captures them. */
    WorkerOutput output() { return output; }
    void output(WorkerOutput o) { output = o; }
    String killReason() { return killReason; }

    void markReady() {
        state = WorkerState.READY;
        readyAt = Instant.now();
    }

    void heartbeat(Map<String, String> figures) {
        heartbeat = figures;
        lastHeartbeat = Instant.now();
    }

    void retire() {
        retiring = true;
    }

    /** Records why the primary is killing this worker, so its exit is explained. */
    void killedBecause(String reason) {
        killReason = reason;
    }

    void pendingKill(ScheduledFuture<?> f) {
        if (pendingKill != null) pendingKill.cancel(false);
        pendingKill = f;
    }

    void cancelPendingKill() {
        if (pendingKill != null) pendingKill.cancel(false);
        pendingKill = null;
    }

    boolean alive() {
        return state != WorkerState.EXITED;
    }

    long uptimeMillis() {
        return alive() ? java.time.Duration.between(startedAt, Instant.now()).toMillis() : 0;
    }
}
