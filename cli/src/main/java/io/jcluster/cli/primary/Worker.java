package io.jcluster.cli.primary;

import io.jcluster.cli.config.AppConfig;
import io.jcluster.cli.control.ExitRecord;
import io.netty.channel.Channel;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * One worker JVM: a generation of one slot. Confined to the supervisor loop, except its futures,
 * which complete there.
 */
final class Worker {
    /**
     * Why the primary is ending this worker, and whether that is planned (stop, reload, scale: its exit
     * is no crash) or not (a missed ready timeout: its exit counts against the slot like a crash).
     */
    record Ending(String reason, boolean planned) {}

    private final Slot slot;
    private final long generation;
    private final AppConfig config;
    private final WorkerProcess process;
    private final Instant startedAt;
    private final CompletableFuture<Worker> ready = new CompletableFuture<>();
    private final CompletableFuture<ExitRecord> exit = new CompletableFuture<>();
    private WorkerState state = WorkerState.STARTING;
    private Instant readyAt;
    private Channel channel;
    private Map<String, String> heartbeat = Map.of();
    private Instant lastHeartbeat;
    private Ending ending;
    /** The one pending deadline of this worker: ready timeout, drain timeout or SIGKILL after SIGTERM. */
    private Loop.Timer deadline = Loop.Timer.NONE;
    private Instant overMemorySince;

    Worker(Slot slot, long generation, AppConfig config, WorkerProcess process, Instant startedAt) {
        this.slot = slot;
        this.generation = generation;
        this.config = config;
        this.process = process;
        this.startedAt = startedAt;
    }

    Slot slot() { return slot; }
    int slotIndex() { return slot.index(); }
    long generation() { return generation; }
    AppConfig config() { return config; }
    WorkerProcess process() { return process; }
    long pid() { return process.pid(); }
    Instant startedAt() { return startedAt; }
    WorkerState state() { return state; }
    Instant readyAt() { return readyAt; }
    Channel channel() { return channel; }
    void channel(Channel c) { channel = c; }
    Map<String, String> heartbeat() { return heartbeat; }
    Instant lastHeartbeat() { return lastHeartbeat; }
    Ending ending() { return ending; }
    Instant overMemorySince() { return overMemorySince; }
    void overMemorySince(Instant t) { overMemorySince = t; }

    /** Completes when the worker is ready; fails when it exits first. */
    CompletableFuture<Worker> ready() { return ready; }

    /** Completes when the process has exited. */
    CompletableFuture<ExitRecord> exit() { return exit; }

    boolean alive() {
        return state != WorkerState.EXITED;
    }

    /** Whether the primary is ending it on purpose (its exit is no crash). */
    boolean retiring() {
        return ending != null && ending.planned();
    }

    /** The only way a worker changes state. */
    void moveTo(WorkerState next) {
        if (!state.next().contains(next)) {
            throw new IllegalStateException("worker pid " + pid() + " of slot " + slot.index() + ": " + state.id()
                    + " → " + next.id() + " is not a move a worker makes");
        }
        state = next;
    }

    void markReady(Instant at) {
        moveTo(WorkerState.READY);
        readyAt = at;
        ready.complete(this);
    }

    void exited(ExitRecord record) {
        moveTo(WorkerState.EXITED);
        cancelDeadline();
        ready.completeExceptionally(new WorkerFailed(record));
        exit.complete(record);
    }

    void heartbeat(Map<String, String> figures, Instant at) {
        heartbeat = figures;
        lastHeartbeat = at;
    }

    /** Records why the primary ends this worker; the first reason given is the one kept, a planned end wins. */
    void end(String reason, boolean planned) {
        if (ending == null) ending = new Ending(reason, planned);
        else if (planned && !ending.planned()) ending = new Ending(ending.reason(), true);
    }

    void deadline(Loop.Timer t) {
        deadline.cancel();
        deadline = t;
    }

    void cancelDeadline() {
        deadline.cancel();
        deadline = Loop.Timer.NONE;
    }

    long uptimeMillis(Instant now) {
        return alive() ? Duration.between(startedAt, now).toMillis() : 0;
    }

    /** How this worker ended. */
    ExitRecord exitRecord(int code, String reason, List<String> lastLines, Instant at) {
        return new ExitRecord(slot.index(), pid(), generation, code, ExitRecord.signalName(code), at.toEpochMilli(), reason, lastLines);
    }

    /** A worker that exited before it was ready. */
    static final class WorkerFailed extends RuntimeException {
        private final ExitRecord record;

        WorkerFailed(ExitRecord record) {
            super("pid " + record.pid() + " " + record.reason() + " (" + record.describe() + ")", null, false, false);
            this.record = record;
        }

        ExitRecord record() {
            return record;
        }
    }
}
