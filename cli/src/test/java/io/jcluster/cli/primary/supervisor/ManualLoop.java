package io.jcluster.cli.primary.supervisor;

import java.time.Duration;
import java.time.Instant;
import java.util.PriorityQueue;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A {@link Loop} for unit tests: a fake clock that moves only when the test says so, events run on
 * the test's thread, work "off the loop" done at once. Every event is followed by the reconcile step,
 * as on the real loop; a throw fails the test.
 */
public final class ManualLoop implements Loop {
    private record Task(Instant at, long seq, Runnable event) {}

    private final PriorityQueue<Task> tasks = new PriorityQueue<>((a, b) -> a.at.equals(b.at)
            ? Long.compare(a.seq, b.seq) : a.at.compareTo(b.at));
    private Instant now = Instant.parse("2026-12-01T12:00:00Z");
    private long seq;
    private Runnable reconcile = () -> {};

    void reconcileWith(Runnable step) {
        reconcile = step;
    }

    @Override
    public void execute(Runnable event) {
        tasks.add(new Task(now, seq++, event));
    }

    @Override
    public Timer schedule(Duration delay, Runnable event) {
        Task t = new Task(now.plus(delay), seq++, event);
        tasks.add(t);
        return () -> tasks.remove(t);
    }

    @Override
    public <T> void offLoop(Supplier<T> work, Consumer<T> then) {
        T result = work.get();
        execute(() -> then.accept(result));
    }

    @Override
    public Instant now() {
        return now;
    }

    /** Runs every event that is due now, and those they post, each followed by the reconcile step. */
    public ManualLoop runDue() {
        for (int guard = 0; guard < 100_000; guard++) {
            Task next = tasks.peek();
            if (next == null || next.at.isAfter(now)) return this;
            tasks.poll();
            next.event.run();
            reconcile.run();
        }
        throw new AssertionError("the loop never went idle");
    }

    /** Moves the clock forward by {@code d}, running every timer on the way at its time. */
    ManualLoop advance(Duration d) {
        Instant end = now.plus(d);
        runDue();
        while (!tasks.isEmpty() && !tasks.peek().at.isAfter(end)) {
            now = tasks.peek().at;
            runDue();
        }
        now = end;
        return runDue();
    }

    /** When the next timer fires, or null when none is pending. */
    Instant nextTimer() {
        return tasks.isEmpty() ? null : tasks.peek().at;
    }
}
