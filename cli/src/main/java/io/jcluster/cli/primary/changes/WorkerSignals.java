package io.jcluster.cli.primary.changes;

import io.jcluster.cli.control.AppStatus;
import io.jcluster.cli.primary.supervisor.ChangeFailed;
import io.jcluster.cli.primary.supervisor.Signals;
import io.jcluster.cli.primary.supervisor.Slot;
import io.jcluster.cli.primary.supervisor.Supervisor;
import io.jcluster.cli.primary.supervisor.Worker;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * {@code jcluster signal}: a signal to the app's workers, sent to the processes the primary started
 * and still holds (not yet reaped), so never to a process that took a recycled pid. Loop only; the
 * {@code kill} itself runs off the loop.
 */
public final class WorkerSignals {
    private WorkerSignals() {}

    /** Sends {@code signal} to every slot's worker, or {@code slotIndex}'s, and completes {@code result}. */
    public static void send(Supervisor app, String signal, Integer slotIndex, CompletableFuture<AppStatus> result) {
        String name = Signals.name(signal);
        if (name == null) {
            result.completeExceptionally(new ChangeFailed("'" + signal + "' is not a signal (write its name, e.g. USR1,"
                    + " HUP, QUIT, or its number)", List.of(), 2));
            return;
        }
        List<Slot> slots = app.slots();
        if (slotIndex != null && (slotIndex < 0 || slotIndex >= slots.size())) {
            result.completeExceptionally(new ChangeFailed("no slot " + slotIndex + " (the app has slots 0 to "
                    + (slots.size() - 1) + ")", List.of(), 2));
            return;
        }
        List<Worker> targets = new ArrayList<>();
        for (Slot slot : slotIndex == null ? slots : List.of(slots.get(slotIndex))) {
            if (slot.worker() != null && slot.worker().alive()) targets.add(slot.worker());
        }
        if (targets.isEmpty()) {
            result.completeExceptionally(new ChangeFailed((slotIndex == null ? "the app has" : "slot " + slotIndex + " has")
                    + " no running worker to signal", List.of()));
            return;
        }
        List<Long> pids = targets.stream().map(Worker::pid).toList();
        app.log.info("SIG%s to worker pid(s) %s (asked over the control socket)", name, pids);
        app.loop.offLoop(() -> targets.stream().filter(w -> w.process().alive()).allMatch(w -> Signals.send(w.pid(), name)),
                sent -> {
                    if (sent) result.complete(app.status().snapshot());
                    else result.completeExceptionally(new ChangeFailed("SIG" + name + " could not be sent to every one of "
                            + pids + " (one may have exited meanwhile)", List.of()));
                });
    }
}
