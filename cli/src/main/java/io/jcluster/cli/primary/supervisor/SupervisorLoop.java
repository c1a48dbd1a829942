package io.jcluster.cli.primary.supervisor;

import io.netty.util.concurrent.DefaultThreadFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The real {@link Loop}: one supervisor thread, and a small pool for work off it that keeps no
 * thread while idle. Every task is guarded: a throw is logged with its stack in {@code primary.log}
 * and the loop, its timers and its schedules go on. After every task the reconcile step runs.
 */
public final class SupervisorLoop implements Loop {
    private final ScheduledThreadPoolExecutor thread;
    private final ThreadPoolExecutor offLoop;
    private final PrimaryLog log;
    private volatile Runnable reconcile = () -> {};
    /** When the task now running began, in {@link System#nanoTime()}, or 0 while the loop waits; read by the liveness probe. */
    private volatile long busySinceNanos;

    public SupervisorLoop(PrimaryLog log) {
        this.log = log;
        this.thread = new ScheduledThreadPoolExecutor(1, new DefaultThreadFactory("supervisor", false));
        this.thread.setRemoveOnCancelPolicy(true);
        // Up to 4 threads that die after 5 s idle; more work waits in the queue (it never runs on the loop).
        this.offLoop = new ThreadPoolExecutor(4, 4, 5, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                new DefaultThreadFactory("off-loop", true));
        this.offLoop.allowCoreThreadTimeOut(true);
    }

    /** The step that runs after every event: derives what follows from the state. */
    public void reconcileWith(Runnable step) {
        this.reconcile = step;
    }

    @Override
    public void execute(Runnable event) {
        try {
            thread.execute(() -> turn(event));
        } catch (RejectedExecutionException e) {
            // the loop is shut down: the primary is closing and nothing is left to act on the event
        }
    }

    @Override
    public Timer schedule(Duration delay, Runnable event) {
        try {
            ScheduledFuture<?> f = thread.schedule(() -> turn(event), Math.max(0, delay.toMillis()), TimeUnit.MILLISECONDS);
            return () -> f.cancel(false);
        } catch (RejectedExecutionException e) {
            return Timer.NONE;
        }
    }

    /** Runs {@code event} every {@code period}, each run guarded like any event. */
    public void every(Duration period, Runnable event) {
        try {
            thread.scheduleWithFixedDelay(() -> turn(event), period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // shut down
        }
    }

    @Override
    public <T> void offLoop(Supplier<T> work, Consumer<T> then) {
        CompletableFuture.supplyAsync(work, offLoop).whenComplete((result, failure) -> {
            if (failure != null) {
                execute(() -> {
                    throw new IllegalStateException("off-loop work failed", failure);
                });
            } else {
                execute(() -> then.accept(result));
            }
        });
    }

    @Override
    public Instant now() {
        return Instant.now();
    }

    /** How long the task now running has run: zero while the loop waits for events, growing while one is stuck. */
    Duration stalled() {
        long since = busySinceNanos;
        return since == 0 ? Duration.ZERO : Duration.ofNanos(System.nanoTime() - since);
    }

    private void turn(Runnable event) {
        busySinceNanos = System.nanoTime() | 1;
        guarded(event);
        guarded(reconcile);
        busySinceNanos = 0;
    }

    private void guarded(Runnable task) {
        try {
            task.run();
        } catch (RuntimeException | LinkageError | AssertionError e) {
            log.error("supervisor: a task failed; the loop goes on", e);
        }
    }

    public void shutdown() {
        thread.shutdownNow();
        offLoop.shutdownNow();
    }
}
