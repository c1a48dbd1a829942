package io.jcluster.cli.primary.supervisor;

import io.jcluster.cli.control.AppStatus;
import io.jcluster.cli.control.ExitRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Those who wait for the app to be online ({@code jcluster start}, {@code restart}): answered with its
 * status once every slot's worker is ready, or failed once a slot will not get there (errored, done)
 * or the app stops. Loop only.
 */
final class ReadyWaiters {
    private final List<CompletableFuture<AppStatus>> waiting = new ArrayList<>();

    void add(CompletableFuture<AppStatus> f) {
        waiting.add(f);
    }

    /** After every event: answers or fails the waiters when the app's state says so. */
    void settle(Supervisor app) {
        boolean online = app.status().online(); // every turn: the status remembers that the app was once online
        if (waiting.isEmpty()) return;
        ChangeFailed failure = app.stopping() ? new ChangeFailed("the app is stopping", List.of()) : failure(app.slots());
        if (failure == null && !online) return;
        AppStatus now = failure == null ? app.status().snapshot() : null;
        for (CompletableFuture<AppStatus> f : waiting) {
            if (failure != null) f.completeExceptionally(failure);
            else f.complete(now);
        }
        waiting.clear();
    }

    /** Why a slot will not be ready (errored, or ended and not restarted), with its last output; or null. */
    private static ChangeFailed failure(List<Slot> slots) {
        for (Slot slot : slots) {
            ExitRecord e = slot.lastExit();
            List<String> lines = e == null ? List.of() : e.lastLines();
            if (slot.errored()) return new ChangeFailed("slot " + slot.index() + " " + slot.erroredReason(), lines);
            if (slot.phase() == Slot.Phase.DONE) {
                return new ChangeFailed("slot " + slot.index() + "'s worker ended (" + (e == null ? "?" : e.describe())
                        + ") and is not restarted (ok_exit_codes, autorestart)", lines);
            }
        }
        return null;
    }
}
