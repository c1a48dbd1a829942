package io.jcluster.cli.primary.supervisor;

import io.jcluster.cli.config.AppConfig;
import io.jcluster.cli.control.ExitRecord;
import io.netty.channel.Channel;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * One worker JVM: a generation of one slot, or a warm spare of the app that has done its start-up
 * and waits, inside its bind (or {@code SlotListener.serve}), for a slot to take. Confined to the
 * supervisor loop, except its futures, which complete there.
 */
public final class Worker {
    /**
     * Why the primary is ending this worker, and whether that is planned (stop, reload, scale: its exit
     * is no crash) or not (a missed ready timeout: its exit counts against the slot like a crash).
     */
    record Ending(String reason, boolean planned) {}

    /** The slot it serves, or null while it is a spare. */
    private Slot slot;
    private final boolean spawnedAsSpare;
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
    /**
     * A spare's held requests for its slot's socket (a {@code bind} of the preload library, a
     * {@code listener} of {@code SlotListener}): answered, in order, when it takes a slot.
     */
    private final List<Runnable> held = new java.util.ArrayList<>();
    private Instant takenAt;
    /** How a spare said it was ready before it had a slot ({@code JCluster.ready()} before its bind), or null. */
    private String readyAsSpare;

    /** A worker of {@code slot}, or a spare with {@code slot} null. */
    Worker(Slot slot, long generation, AppConfig config, WorkerProcess process, Instant startedAt) {
        this.slot = slot;
        this.spawnedAsSpare = slot == null;
        this.generation = generation;
        this.config = config;
        this.process = process;
        this.startedAt = startedAt;
    }

    public Slot slot() { return slot; }
    /** Its slot's index, or -1 for a spare. */
    public int slotIndex() { return slot == null ? -1 : slot.index(); }
    /** Whether it waits for a slot. */
    boolean spare() { return slot == null; }
    /** Whether it started as a spare (its environment has no {@code JCLUSTER_SLOT}). */
    boolean spawnedAsSpare() { return spawnedAsSpare; }
    /** A spare that has done its start-up: it waits in a request for its slot's socket. */
    boolean warm() { return slot == null && !held.isEmpty() && state == WorkerState.STARTING; }
    /** When a spare took its slot, or null. */
    Instant takenAt() { return takenAt; }
    String readyAsSpare() { return readyAsSpare; }
    void readyAsSpare(String how) { readyAsSpare = how; }
    /** "slot N" or "spare", for log lines. */
    String where() { return slot == null ? "spare" : "slot " + slot.index(); }
    long generation() { return generation; }
    public AppConfig config() { return config; }
    public WorkerProcess process() { return process; }
    public long pid() { return process.pid(); }
    Instant startedAt() { return startedAt; }
    public WorkerState state() { return state; }
    public Instant readyAt() { return readyAt; }
    public Channel channel() { return channel; }
    public void channel(Channel c) { channel = c; }
    public Map<String, String> heartbeat() { return heartbeat; }
    public Instant lastHeartbeat() { return lastHeartbeat; }
    Ending ending() { return ending; }
    public Instant overMemorySince() { return overMemorySince; }
    public void overMemorySince(Instant t) { overMemorySince = t; }

    /** A spare holds {@code answer} (its request for the slot's socket) until it takes a slot. */
    void hold(Runnable answer) {
        held.add(answer);
    }

    /** Answers a request for the slot's socket now, or, in a spare, once it takes a slot. */
    void whenInSlot(Runnable answer) {
        if (slot == null) hold(answer);
        else answer.run();
    }

    /** The spare takes {@code s}: its held requests are answered with the slot's socket. */
    void take(Slot s, Instant at) {
        if (slot != null) throw new IllegalStateException("worker pid " + pid() + " already serves slot " + slot.index());
        slot = s;
        takenAt = at;
        process.moveTo(s.index());
        List<Runnable> answers = List.copyOf(held);
        held.clear();
        for (Runnable r : answers) r.run();
    }

    /** Completes when the worker is ready; fails when it exits first. */
    public CompletableFuture<Worker> ready() { return ready; }

    /** Completes when the process has exited. */
    public CompletableFuture<ExitRecord> exit() { return exit; }

    public boolean alive() {
        return state != WorkerState.EXITED;
    }

    /** Whether the primary is ending it on purpose (its exit is no crash). */
    public boolean retiring() {
        return ending != null && ending.planned();
    }

    /** The only way a worker changes state. */
    void moveTo(WorkerState next) {
        if (!state.next().contains(next)) {
            throw new IllegalStateException("worker pid " + pid() + " of " + where() + ": " + state.id()
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

    public void heartbeat(Map<String, String> figures, Instant at) {
        heartbeat = figures;
        lastHeartbeat = at;
    }

    /** Records why the primary ends this worker; the first reason given is the one kept, a planned end wins. */
    public void end(String reason, boolean planned) {
        if (ending == null) ending = new Ending(reason, planned);
        else if (planned && !ending.planned()) ending = new Ending(ending.reason(), true);
    }

    public void deadline(Loop.Timer t) {
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
        return new ExitRecord(slotIndex(), pid(), generation, code, ExitRecord.signalName(code), at.toEpochMilli(), reason, lastLines);
    }

    /** A worker that exited before it was ready. */
    public static final class WorkerFailed extends RuntimeException {
        private final ExitRecord record;

        WorkerFailed(ExitRecord record) {
            super("pid " + record.pid() + " " + record.reason() + " (" + record.describe() + ")", null, false, false);
            this.record = record;
        }

        public ExitRecord record() {
            return record;
        }
    }
}
