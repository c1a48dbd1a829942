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
    private final Integer slotIndex;

    /** A restart of slot {@code slotIndex}, or of every slot when it is null. */
    public Restart(Supervisor app, Integer slotIndex) {
        this.app = app;
        this.slotIndex = slotIndex;
    }

    @Override
    public String describe() {
        return "restart";
    }

    /** Runs the restart through the change gate; completes with the app's status once every new worker is ready. */
    public CompletableFuture<AppStatus> run() {
        return app.run("restart", this, this::restart);
    }

    private CompletableFuture<Void> restart() {
        List<Slot> targets = app.slots(slotIndex);
        app.log.info("restart of %s", slotIndex == null ? "every slot" : "slot " + slotIndex);
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
        return CompletableFuture.allOf(readies.toArray(CompletableFuture[]::new)).handle((v, e) -> {
            if (e != null) throw new ChangeFailed("restart failed: " + ChangeFailed.cause(e).getMessage(), List.of());
            return null;
        });
    }
}
