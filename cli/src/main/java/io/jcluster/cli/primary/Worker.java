package io.jcluster.cli.primary;

import io.jcluster.cli.control.ExitRecord;

import io.jcluster.cli.config.AppConfig;
import io.jcluster.cli.logs.WorkerOutput;
import io.netty.channel.Channel;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;

/**
 * One worker JVM: a generation of one slot. Confined to the primary's supervisor thread, except
 * its futures, which complete there.
 */
final class Worker {
    private final int slot;
    private final long generation;
    private final AppConfig config;
    private final Process process;
    private final Instant startedAt = Instant.now();
    private final CompletableFuture<Worker> ready = new CompletableFuture<>();
    private final CompletableFuture<ExitRecord> exit = new CompletableFuture<>();
    private WorkerState state = WorkerState.STARTING;
    private Instant readyAt;
    private Channel channel;
    private Map<String, String> heartbeat = Map.of();
    private Instant lastHeartbeat;
    /** Set when the primary itself ends this worker (stop, reload, scale): its exit is not a crash. */
    private boolean retiring;
    private String killReason;
    private ScheduledFuture<?> pendingKill;
    private Instant overMemorySince;
    private WorkerOutput output;

    Worker(int slot, long generation, AppConfig config, Process process) {
        this.slot = slot;
        this.generation = generation;
        this.config = config;
        this.process = process;
    }

    int slot() { return slot; }
    long generation() { return generation; }
    AppConfig config() { return config; }
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
    Instant overMemorySince() { return overMemorySince; }
    void overMemorySince(Instant t) { overMemorySince = t; }

    /** How this worker ended, now. */
    ExitRecord exitRecord(int code, String reason, List<String> lastLines) {
        return new ExitRecord(slot, pid(), generation, code, ExitRecord.signalName(code), System.currentTimeMillis(), reason, lastLines);
    }

    /** Completes when the worker is ready; fails when it exits first. */
    CompletableFuture<Worker> ready() { return ready; }

    /** Completes when the process has exited. */
    CompletableFuture<ExitRecord> exit() { return exit; }

    void markReady() {
        state = WorkerState.READY;
        readyAt = Instant.now();
        ready.complete(this);
    }

    void exited(ExitRecord record) {
        state = WorkerState.EXITED;
        cancelPendingKill();
        ready.completeExceptionally(new WorkerFailed(record));
        exit.complete(record);
    }

    void heartbeat(Map<String, String> figures) {
        heartbeat = figures;
        lastHeartbeat = Instant.now();
    }

    void retire() {
        retiring = true;
    }

    /** Records why the primary is ending this worker, so its exit is explained. */
    void killedBecause(String reason) {
        if (killReason == null) killReason = reason;
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
        return alive() ? Duration.between(startedAt, Instant.now()).toMillis() : 0;
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
