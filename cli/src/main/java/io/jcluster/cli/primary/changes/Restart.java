package io.jcluster.cli.primary.changes;

import io.jcluster.cli.control.AppStatus;
import io.jcluster.cli.primary.supervisor.Change;
import io.jcluster.cli.primary.supervisor.ChangeFailed;
import io.jcluster.cli.primary.supervisor.Slot;
import io.jcluster.cli.primary.supervisor.Supervisor;
import io.jcluster.cli.primary.supervisor.Worker;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A fast restart, not graceful: SIGTERM to the slots' workers and new workers on the same sockets
 * at once. Clears the crash-loop guard.
 */
public final class Restart implements Change {
    private final Supervisor app;
    private final List<Slot> targets;

    public Restart(Supervisor app, List<Slot> targets) {
        this.app = app;
        this.targets = targets;
    }

    @Override
    public String describe() {
        return "restart";
    }

    public CompletableFuture<AppStatus> run() {
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
