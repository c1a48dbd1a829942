package io.jcluster.cli.primary.changes;

import io.jcluster.cli.config.AppConfig;
import io.jcluster.cli.control.AppStatus;
import io.jcluster.cli.primary.supervisor.Change;
import io.jcluster.cli.primary.supervisor.ChangeFailed;
import io.jcluster.cli.primary.supervisor.Slot;
import io.jcluster.cli.primary.supervisor.Supervisor;
import io.jcluster.cli.primary.supervisor.Worker;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * A rolling reload: slot after slot, a new worker of the new generation becomes ready before the
 * old one drains, so ready workers never number fewer than the slots. If a new worker fails, the
 * slots already moved go back to the previous generation, last moved first.
 */
public final class RollingReload implements Change {
    private final Supervisor app;
    private final AppConfig from;
    private final long fromGeneration;
    private final AppConfig to;
    private final long toGeneration;
    private final Consumer<String> progress;
    private final CompletableFuture<AppStatus> result;

    public RollingReload(Supervisor app, AppConfig to, Consumer<String> progress, CompletableFuture<AppStatus> result) {
        this.app = app;
        this.from = app.config();
        this.fromGeneration = app.generation();
        this.to = to;
        this.toGeneration = fromGeneration + 1;
        this.progress = progress;
        this.result = result;
    }

    /** Why a reload from {@code config} to {@code next} cannot be done (a key only a stop and start changes), or null. */
    public static String fixedKeysChanged(AppConfig config, AppConfig next) {
        if (!next.ports().equals(config.ports())) {
            String what = config.severalPorts() || next.severalPorts() ? "ports" : "port";
            return "the " + what + " changed from " + config.portsText() + " to " + next.portsText()
                    + ": a reload keeps the " + what + "; stop and start the app to move it";
        }
        if (!next.host().equals(config.host())) return "the host changed from " + config.host() + " to " + next.host()
                + ": stop and start the app to change it";
        if (next.listen() != config.listen()) return "listen changed from " + config.listen().id() + " to "
                + next.listen().id() + ": stop and start the app to change it";
        if (!next.name().equals(config.name())) return "the name changed from " + config.name() + " to " + next.name()
                + ": stop and start the app to rename it";
        return null;
    }

    @Override
    public String describe() {
        return "reload to generation " + toGeneration;
    }

    @Override
    public boolean reloads() {
        return true;
    }

    public void run() {
        app.begin(this);
        app.log.info("reload: generation %d → %d, %d slot(s)", fromGeneration, toGeneration, app.slots().size());
        replaceNext(0);
    }

    private void replaceNext(int i) {
        if (app.stopping()) {
            app.finish(this);
            result.completeExceptionally(new ChangeFailed("the app is stopping; the reload was abandoned", List.of()));
            return;
        }
        if (i == app.slots().size()) {
            app.config(to.withInstances(app.slots().size()));
            app.generation(toGeneration);
            app.spares().reset(); // the old generation's spares go, new ones start (reconcile)
            app.finish(this);
            progress.accept("every slot runs generation " + toGeneration);
            app.log.info("reload done: generation %d", toGeneration);
            result.complete(app.status().snapshot());
            return;
        }
        Slot slot = app.slots().get(i);
        SlotReplacement.replace(app, slot, to, toGeneration, progress).whenCompleteAsync((v, e) -> {
            if (e == null) replaceNext(i + 1);
            else rollBack(i, SlotReplacement.cause(e));
        }, app.loop);
    }

    private void rollBack(int failedSlot, Throwable why) {
        List<String> lines = why instanceof Worker.WorkerFailed f ? f.record().lastLines() : List.of();
        String reason = "slot " + failedSlot + ": the new worker of generation " + toGeneration + " failed: " + why.getMessage();
        progress.accept(reason);
        app.log.info("reload failed: %s; rolling back", reason);
        rollBackSlot(failedSlot - 1, reason, lines); // a failed slot whose old worker died meanwhile gets one by reconcile
    }

    private void rollBackSlot(int j, String reason, List<String> lines) {
        if (j < 0 || app.stopping()) {
            app.finish(this);
            result.completeExceptionally(new ChangeFailed("reload failed: " + reason + "; every slot runs generation "
                    + fromGeneration + " again", lines));
            return;
        }
        progress.accept("slot " + j + ": rolling back to generation " + fromGeneration);
        Slot slot = app.slots().get(j);
        SlotReplacement.replace(app, slot, from.withInstances(app.slots().size()), fromGeneration, progress).whenCompleteAsync((v, e) -> {
            if (e != null) {
                app.log.info("slot %d: rollback failed too: %s; supervision goes on", j, SlotReplacement.cause(e).getMessage());
                progress.accept("slot " + j + ": rollback failed: " + SlotReplacement.cause(e).getMessage());
            }
            rollBackSlot(j - 1, reason, lines);
        }, app.loop);
    }
}
