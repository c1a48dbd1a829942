package io.jcluster.cli.primary.supervisor;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The one thread that owns an app's state, as the supervisor sees it: every event (a worker exited,
 * a worker's message, a timer, a control request, a probe's result) is a task on it, handled one at a
 * time, each followed by one reconcile step. Work that may block ({@code /proc} reads, signals,
 * config loading, HTTP probes) runs {@link #offLoop off the loop} and comes back as an event.
 *
 * <p>Two implementations: {@link SupervisorLoop} (a real thread) and, in the unit tests, a manual
 * loop over a fake clock.
 */
public interface Loop extends Executor {

    /** Runs {@code event} on the loop, after the events already queued. Callable from any thread. */
    @Override
    void execute(Runnable event);

    /** Runs {@code event} on the loop once {@code delay} has passed, unless cancelled first. */
    Timer schedule(Duration delay, Runnable event);

    /** Runs {@code work} on another thread and its result, {@code then}, back on the loop as an event. */
    <T> void offLoop(Supplier<T> work, Consumer<T> then);

    /** The loop's clock: wall time (exit records, uptimes shown to people). */
    Instant now();

    /**
     * A future that {@code work} completes, run as an event on the loop: how a request from another
     * thread (a control request, a new primary's) reaches the app. A throw in {@code work} fails the
     * future, and the loop's guard logs it. Callable from any thread.
     */
    default <T> CompletableFuture<T> submit(Consumer<CompletableFuture<T>> work) {
        CompletableFuture<T> f = new CompletableFuture<>();
        execute(() -> {
            try {
                work.accept(f);
            } catch (RuntimeException e) {
                f.completeExceptionally(e);
                throw e;
            }
        });
        return f;
    }

    /** A pending {@link #schedule} that can be cancelled; cancelling one that ran is harmless. */
    interface Timer {
        Timer NONE = () -> {};

        void cancel();
    }
}
