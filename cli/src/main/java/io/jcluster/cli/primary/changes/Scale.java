package io.jcluster.cli.primary.changes;

import io.jcluster.cli.config.AppConfig;
import io.jcluster.cli.config.HeapSizing;
import io.jcluster.cli.config.Listen;
import io.jcluster.cli.control.AppStatus;
import io.jcluster.cli.host.Kernel;
import io.jcluster.cli.primary.sockets.SlotSocket;
import io.jcluster.cli.primary.supervisor.Change;
import io.jcluster.cli.primary.supervisor.ChangeFailed;
import io.jcluster.cli.primary.supervisor.Slot;
import io.jcluster.cli.primary.supervisor.Supervisor;
import io.jcluster.cli.primary.supervisor.Worker;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * A change of the number of slots. New slots get new sockets and workers. A slot that goes first
 * stops receiving new connections, lets its worker empty its queue, drains it, and only then
 * closes its socket, so no queued or in-flight request is dropped.
 * <p>
 * The heaps fit in every state: more workers means a smaller heap share each ({@link HeapSizing}),
 * and a worker keeps the share it was started with. So a scale up that lowers the share first
 * replaces the running workers, one at a time as a reload does, with workers of the new share, and
 * retires the spares, before any new slot starts. While one is replaced, the room the shares keep for
 * one more worker holds the new one. A scale down leaves the shares smaller than they could be.
 */
public final class Scale implements Change {
    /** How long a leaving slot's accept queue must stay empty before its worker drains. */
    static final Duration QUEUE_SETTLE = Duration.ofMillis(200);
    private static final Duration QUEUE_POLL = Duration.ofMillis(50);

    private final Supervisor app;
    private final int from;
    private final int target;
    private final Consumer<String> progress;

    public Scale(Supervisor app, int target, Consumer<String> progress) {
        this.app = app;
        this.from = app.slots().size();
        this.target = target;
        this.progress = progress;
    }

    @Override
    public String describe() {
        return "scale from " + from + " to " + target;
    }

    /** Runs the scale through the change gate; completes with the app's status once every slot is in place. */
    public CompletableFuture<AppStatus> run() {
        return app.run("scale", this, () -> {
            if (target < 1 || target > 1024) throw new ChangeFailed("cannot scale to " + target + " (1 to 1024)", List.of(), 2);
            if (target == from) return CompletableFuture.completedFuture(null);
            app.log.info("%s", describe());
            app.config(app.config().withInstances(target));
            return target > from ? shrinkShares().thenComposeAsync(v -> up(), app.loop) : down();
        });
    }

    /** Replaces, one by one, the workers (and retires the spares) started with a larger heap share than the new count's. */
    private CompletableFuture<Void> shrinkShares() {
        AppConfig cfg = app.config();
        if (HeapSizing.sized(cfg.jvmArgs())) return CompletableFuture.completedFuture(null);
        double share = HeapSizing.percent(cfg.jvms());
        for (Worker spare : app.spares().all()) {
            if (!spare.retiring() && share(spare) > share) app.retire(spare, "its heap share is too large for " + target + " workers");
        }
        CompletableFuture<Void> all = CompletableFuture.completedFuture(null);
        for (Slot slot : List.copyOf(app.slots())) {
            all = all.thenComposeAsync(v -> {
                Worker w = slot.worker();
                if (w == null || !w.alive() || share(w) <= share || app.stopping()) return CompletableFuture.completedFuture(null);
                progress.accept(String.format(Locale.ROOT, "slot %d: replacing pid %d: its heap share (%.2f%%) is more than %d"
                        + " workers may have (%.2f%%)", slot.index(), w.pid(), share(w), target, share));
                return SlotReplacement.replace(app, slot, cfg, slot.generation(), progress);
            }, app.loop);
        }
        return all.whenCompleteAsync((v, e) -> {
            if (e != null) app.config(cfg.withInstances(from)); // the old workers stay, and so does the count
        }, app.loop).exceptionallyCompose(e -> CompletableFuture.failedFuture(new ChangeFailed("scale to " + target
                + " stopped before adding a slot: a worker of the new heap share failed: " + ChangeFailed.cause(e).getMessage(),
                List.of())));
    }

    /** The heap share {@code w} was started with, in percent: what jcluster gave it, or 0 when its jvm_args size the heap. */
    private static double share(Worker w) {
        return HeapSizing.sized(w.config().jvmArgs()) ? 0 : HeapSizing.percent(w.config().jvms());
    }

    private CompletableFuture<Void> up() {
        List<CompletableFuture<Worker>> readies = new ArrayList<>();
        for (int i = from; i < target; i++) {
            Slot slot;
            try {
                slot = app.newSlot(i, app.config());
            } catch (IOException e) {
                app.config(app.config().withInstances(app.slots().size()));
                return CompletableFuture.failedFuture(new ChangeFailed("cannot open a listener for slot " + i + ": "
                        + e.getMessage(), List.of()));
            }
            app.slots().add(slot);
            Worker w = app.start(slot);
            if (w != null) {
                progress.accept("slot " + i + ": started pid " + w.pid());
                readies.add(w.ready().whenCompleteAsync((x, e) -> {
                    if (e == null) progress.accept("slot " + x.slotIndex() + ": pid " + x.pid() + " ready");
                }, app.loop));
            }
        }
        return CompletableFuture.allOf(readies.toArray(CompletableFuture[]::new));
    }

    private CompletableFuture<Void> down() {
        List<Slot> leaving = new ArrayList<>(app.slots().subList(target, app.slots().size()));
        for (Slot s : leaving) s.moveTo(Slot.Phase.LEAVING);
        boolean steered = app.gate.steer(app.slots(), app.config(), app.stopping());
        if (!steered && app.config().listen() == Listen.HANDOFF) {
            progress.accept("warning: " + app.gate.steeringUnavailable() + "; connections queued on the leaving slots may be reset"
                    + (Kernel.migrateEnabled() ? "" : " (" + Kernel.migrateAdvice() + ")"));
        }
        CompletableFuture<Void> all = CompletableFuture.completedFuture(null);
        for (Slot s : leaving) {
            all = all.thenComposeAsync(v -> remove(s), app.loop);
        }
        return all;
    }

    /** Waits for a leaving slot's queue to empty, drains its worker, then closes its socket. */
    private CompletableFuture<Void> remove(Slot slot) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Instant deadline = app.loop.now().plus(app.config().reload().drainTimeout());
        CompletableFuture<Void> empty = new CompletableFuture<>();
        awaitEmptyQueue(slot, deadline, 0, empty);
        empty.whenCompleteAsync((v, e) -> {
            Worker w = slot.worker();
            if (w != null && w.alive()) {
                progress.accept("slot " + slot.index() + ": queue empty; draining pid " + w.pid());
                app.retire(w, "scaled down");
                w.exit().whenCompleteAsync((x, err) -> {
                    close(slot);
                    progress.accept("slot " + slot.index() + ": removed (pid " + w.pid() + " " + x.describe() + ")");
                    done.complete(null);
                }, app.loop);
            } else {
                close(slot);
                progress.accept("slot " + slot.index() + ": removed");
                done.complete(null);
            }
        }, app.loop);
        return done;
    }

    /** Completes {@code empty} once the slot's accept queue has stayed empty for {@link #QUEUE_SETTLE}, or at the deadline. */
    private void awaitEmptyQueue(Slot slot, Instant deadline, int emptyPolls, CompletableFuture<Void> empty) {
        if (slot.sockets().isEmpty() || slot.serving() == null) {
            empty.complete(null);
            return;
        }
        app.loop.offLoop(() -> queued(slot.sockets()), queued -> {
            int empties = queued == 0 ? emptyPolls + 1 : 0;
            if (empties * QUEUE_POLL.toMillis() >= QUEUE_SETTLE.toMillis()) {
                empty.complete(null);
            } else if (app.loop.now().isAfter(deadline)) {
                app.log.info("slot %d: %d connection(s) still queued at the drain timeout; they may be reset", slot.index(), queued);
                empty.complete(null);
            } else {
                app.loop.schedule(QUEUE_POLL, () -> awaitEmptyQueue(slot, deadline, empties, empty));
            }
        });
    }

    /** Connections queued on all of a slot's sockets (one per port); -1 when unknown for any of them. */
    private static int queued(List<SlotSocket> sockets) {
        int sum = 0;
        for (SlotSocket s : sockets) {
            int q = s.queued();
            if (q < 0) return -1;
            sum += q;
        }
        return sum;
    }

    private void close(Slot slot) {
        app.gate.close(slot.sockets());
        app.slots().remove(slot);
    }
}
