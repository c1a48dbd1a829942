package io.jcluster.cli.primary.changes;

import io.jcluster.cli.config.AppConfig;
import io.jcluster.cli.config.Durations;
import io.jcluster.cli.primary.sockets.Steering;
import io.jcluster.cli.primary.supervisor.Change;
import io.jcluster.cli.primary.supervisor.ChangeFailed;
import io.jcluster.cli.primary.supervisor.Slot;
import io.jcluster.cli.primary.supervisor.Supervisor;
import io.jcluster.cli.primary.supervisor.Worker;
import io.jcluster.cli.primary.supervisor.WorkerState;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * One slot moved to a new worker without a gap: the new worker starts on the slot's socket beside
 * the current one; once it is ready it takes the slot and the old one drains. The step shared by
 * rolling reload, rollback and memory replacement.
 */
public final class SlotReplacement {
    private SlotReplacement() {}

    /**
     * Starts a worker of {@code cfg}/{@code gen} on {@code slot}. Completes (on the loop) when the old
     * worker has exited; fails when the new one does not become ready.
     */
    static CompletableFuture<Void> replace(Supervisor app, Slot slot, AppConfig cfg, long gen, Consumer<String> progress) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Worker neo = app.startOn(slot, cfg, gen);
        if (neo == null) {
            done.completeExceptionally(new ChangeFailed("could not start a worker on slot " + slot.index()
                    + (slot.lastExit() == null ? "" : ": " + slot.lastExit().reason()), List.of()));
            return done;
        }
        slot.surge(neo);
        progress.accept("slot " + slot.index() + ": started pid " + neo.pid() + " (generation " + gen + ")");
        neo.ready().whenCompleteAsync((w, e) -> {
            if (e != null) {
                if (slot.surge() == neo) slot.surge(null);
                done.completeExceptionally(ChangeFailed.cause(e));
                return;
            }
            Worker old = slot.worker();
            slot.promote(neo);
            if (old == null || !old.alive()) {
                progress.accept("slot " + slot.index() + ": pid " + neo.pid() + " ready");
                done.complete(null);
                return;
            }
            Duration warmup = cfg.reload().warmup();
            if (warmup.isZero() || old.state() != WorkerState.READY) {
                progress.accept("slot " + slot.index() + ": pid " + neo.pid() + " ready; draining pid " + old.pid());
                app.retire(old, "replaced by generation " + gen);
            } else {
                warmUp(app, slot, old, neo, warmup, gen, progress);
            }
            old.exit().whenCompleteAsync((x, err) -> {
                progress.accept("slot " + slot.index() + ": pid " + old.pid() + " exited (" + x.describe() + ")");
                done.complete(null);
            }, app.loop);
        }, app.loop);
        return done;
    }

    /**
     * The new worker warms up: the old one keeps serving beside it for {@code warmup} and hands its
     * connections over one by one meanwhile (its app closes them at spread moments, see
     * {@code handover} in docs/worker-protocol.md), so the cold JVM gets a growing share of the
     * slot's traffic instead of all of it at once; then the old one drains. The warm-up is the old
     * worker's deadline: a stop, which retires it, replaces it, and so does its exit.
     */
    private static void warmUp(Supervisor app, Slot slot, Worker old, Worker neo, Duration warmup, long gen,
                               Consumer<String> progress) {
        progress.accept("slot " + slot.index() + ": pid " + neo.pid() + " ready; pid " + old.pid() + " serves beside it for "
                + Durations.format(warmup) + " (warm-up), then drains");
        long ms = warmup.toMillis();
        app.handOver(old, ms);
        int first = neo.config().reload().startShare();
        if (first < Steering.FULL_SHARE) ramp(app, slot, neo, app.loop.now(), warmup, first);
        old.deadline(app.loop.schedule(warmup, () -> {
            if (!old.alive() || old.retiring()) return;
            progress.accept("slot " + slot.index() + ": warm-up of pid " + neo.pid() + " over; draining pid " + old.pid());
            app.retire(old, "replaced by generation " + gen);
        }));
    }

    /**
     * The slot's share of new connections grows from {@code floor} ({@code [reload] start_share}) to whole
     * over {@code over}, the warm-up, while {@code neo} serves it: most of the connections its old worker
     * hands over reach the other slots' warm workers first.
     */
    private static void ramp(Supervisor app, Slot slot, Worker neo, java.time.Instant from, Duration over, int floor) {
        long elapsed = Duration.between(from, app.loop.now()).toMillis();
        if (elapsed >= over.toMillis() || slot.worker() != neo || !neo.alive()) {
            slot.share(Steering.FULL_SHARE);
            return;
        }
        slot.share((int) (floor + (Steering.FULL_SHARE - floor) * elapsed / over.toMillis()));
        app.loop.schedule(Duration.ofMillis(200), () -> ramp(app, slot, neo, from, over, floor));
    }

    /**
     * Replaces {@code w}, the slot's worker, on its own as a change of its own ({@code what}, e.g.
     * "memory replacement of slot 1"): the log says {@code why}, its exit "{@code verb}: {@code why}",
     * and the old worker stays when the new one fails.
     */
    static void replaceAlone(Supervisor app, Worker w, String what, String verb, String why) {
        Slot slot = w.slot();
        Change change = () -> what;
        app.run(what, change, () -> {
            app.log.info("slot %d: worker pid %d %s: replacing it", slot.index(), w.pid(), why);
            w.end(verb + ": " + why, false);
            return replace(app, slot, slot.config(), slot.generation(), msg -> app.log.info("%s", msg));
        }).whenCompleteAsync((v, e) -> {
            if (e != null) app.log.info("slot %d: %s failed: %s; the old worker stays", slot.index(), what, ChangeFailed.cause(e).getMessage());
            w.exit().whenCompleteAsync((x, err) -> slot.lastExit(x), app.loop);
        }, app.loop);
    }
}
