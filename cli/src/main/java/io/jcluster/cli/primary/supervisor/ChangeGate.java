package io.jcluster.cli.primary.supervisor;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * One change to a running app at a time (a reload, a scale, a restart, a worker replaced alone, an
 * upgrade's hand-over or take-over): checking it, beginning it and ending it happen here and nowhere
 * else. Loop only.
 */
public final class ChangeGate {
    private final BooleanSupplier stopping;
    /** Told when a change begins (the launcher gives the change the room the heaps keep for one more JVM). */
    private final Runnable began;
    private Change current;

    ChangeGate(BooleanSupplier stopping, Runnable began) {
        this.stopping = stopping;
        this.began = began;
    }

    /** The change under way, or null. */
    public Change current() {
        return current;
    }

    /** Why {@code what} cannot begin now, or null when it may (no other change runs, the app is not stopping). */
    public String refusal(String what) {
        if (stopping.getAsBoolean()) return "cannot " + what + ": the app is stopping";
        if (current != null) return "cannot " + what + " now: a " + current.describe() + " is running; wait for it to finish";
        return null;
    }

    /**
     * Runs {@code change}, which {@code body} begins: refused (the future fails with a
     * {@link ChangeFailed} that says why) while another change runs or the app stops. The change
     * holds the gate until the future {@code body} returns completes; then it leaves the gate, and
     * the returned future completes with {@code outcome} (read after the change left) or the failure
     * (unwrapped). A {@link ChangeFailed} thrown by {@code body} (a bad request, found once the gate
     * was free) ends the change at once and fails the future.
     */
    public <T> CompletableFuture<T> run(String what, Change change, Supplier<? extends CompletableFuture<?>> body,
            Supplier<T> outcome) {
        String refusal = refusal(what);
        if (refusal != null) return CompletableFuture.failedFuture(new ChangeFailed(refusal, List.of()));
        current = change;
        began.run();
        CompletableFuture<?> begun;
        try {
            begun = body.get();
        } catch (ChangeFailed e) {
            end(change);
            return CompletableFuture.failedFuture(e);
        } catch (RuntimeException e) {
            end(change);
            throw e;
        }
        CompletableFuture<T> ended = new CompletableFuture<>();
        begun.whenComplete((v, e) -> {
            end(change);
            if (e != null) ended.completeExceptionally(ChangeFailed.cause(e));
            else ended.complete(outcome.get());
        });
        return ended;
    }

    private void end(Change change) {
        if (current == change) current = null;
    }
}
