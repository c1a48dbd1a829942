package io.jcluster.cli.primary;

import io.jcluster.cli.control.AppStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A fast restart, not graceful: SIGTERM to the slots' workers and new workers on the same sockets
 * at once. Clears the crash-loop guard.
 */
final class Restart implements Change {
    private final Supervisor app;
    private final List<Slot> targets;

    Restart(Supervisor app, List<Slot> targets) {
        this.app = app;
        this.targets = targets;
    }

    @Override
    public String describe() {
        return "restart";
    }

    CompletableFuture<AppStatus> run() {
        app.begin(this);
        app.spares().reset();
        List<CompletableFuture<Worker>> readies = new ArrayList<>();
        for (Slot slot : targets) {
            slot.reset();
            Worker old = slot.worker();
            if (old != null && old.alive()) {
                old.end("restarted", true);
                app.terminate(old);
            }
            slot.worker(null);
            Worker w = app.start(slot);
            if (w != null) readies.add(w.ready());
        }
        CompletableFuture<AppStatus> result = new CompletableFuture<>();
        CompletableFuture.allOf(readies.toArray(CompletableFuture[]::new)).whenCompleteAsync((v, e) -> {
            app.finish(this);
            if (e != null) result.completeExceptionally(new ChangeFailed("restart failed: " + SlotReplacement.cause(e).getMessage(), List.of()));
            else result.complete(app.status().snapshot());
        }, app.loop);
        return result;
    }
}
