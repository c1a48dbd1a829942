package io.jcluster.cli.primary.supervisor;

import io.jcluster.cli.control.AppStatus;
import io.jcluster.cli.control.ExitRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Those who wait for the app to be ready ({@code start} waits for its workers): settled by the
 * reconcile step once every slot has a ready worker, or failed as soon as a slot errors, a slot's
 * worker ends for good, or the app stops. Loop only.
 */
final class ReadyWaiters {
    private final Supervisor app;
    private final List<CompletableFuture<AppStatus>> waiting = new ArrayList<>();

    ReadyWaiters(Supervisor app) {
        this.app = app;
    }

    void add(CompletableFuture<AppStatus> f) {
        waiting.add(f);
    }

    /** After every event: completes or fails the waiters when the app's state decides them. */
    void settle() {
        boolean online = app.status().online(); // every turn: the status remembers that the app was once online
        if (waiting.isEmpty()) return;
        ChangeFailed failure = app.stopping() ? new ChangeFailed("the app is stopping", List.of()) : slotFailure();
        if (failure == null && !online) return;
        AppStatus now = failure == null ? app.status().snapshot() : null;
        for (CompletableFuture<AppStatus> f : waiting) {
            if (failure != null) f.completeExceptionally(failure);
            else f.complete(now);
        }
        waiting.clear();
    }

    /** Why the app will not be ready without a restart: a slot errored, or its worker ended and is not restarted. */
    private ChangeFailed slotFailure() {
        for (Slot slot : app.slots()) {
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
