package io.jcluster.cli.primary.changes;

import io.jcluster.cli.config.RecyclePolicy;
import io.jcluster.cli.config.RecycleSchedule;
import io.jcluster.cli.control.AppState;
import io.jcluster.cli.control.AppStatus;
import io.jcluster.cli.primary.supervisor.Slot;
import io.jcluster.cli.primary.supervisor.Supervisor;
import io.jcluster.cli.primary.supervisor.Worker;
import io.jcluster.cli.primary.supervisor.WorkerState;
import io.jcluster.runtime.metrics.WorkerMetrics;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.random.RandomGenerator;

/**
 * {@code [recycle]}: every {@code every} (plus jitter) after a generation started, a rolling reload of
 * the config in force; and a worker that has served {@code max_requests} is replaced on its own, like
 * a one-slot reload. Never beside another change, and not while the app is degraded: a due recycle
 * waits until the app is online again. Loop only, once a tick.
 */
public final class Recycler {
    private static final String REQUESTS = "app." + WorkerMetrics.REQUESTS;

    private final Supervisor app;
    private final RandomGenerator random;
    private long scheduledFor = -1;
    private Instant dueAt;

    public Recycler(Supervisor app, RandomGenerator random) {
        this.app = app;
        this.random = random;
    }

    public void tick() {
        RecyclePolicy policy = app.config().recycle();
        if (!policy.enabled() || app.stopping()) {
            dueAt = null;
            app.nextRecycle(null);
            return;
        }
        Instant now = app.loop.now();
        if (scheduledFor != app.generation()) { // started, or a reload (a recycle too) made a new generation
            scheduledFor = app.generation();
            dueAt = RecycleSchedule.next(now, policy, random);
            app.nextRecycle(dueAt);
        }
        boolean degraded = app.status().state() != AppState.ONLINE;
        if (RecycleSchedule.decide(now, dueAt, app.change() != null, degraded) == RecycleSchedule.Decision.RECYCLE) {
            app.log.info("recycle: generation %d is due (every %s): a rolling reload of the config in force",
                    app.generation(), policy.every());
            CompletableFuture<AppStatus> result = new CompletableFuture<>();
            result.whenComplete((s, e) -> {
                if (e != null) app.log.info("recycle failed: %s", SlotReplacement.cause(e).getMessage());
            });
            new RollingReload(app, app.config(), step -> app.log.info("recycle: %s", step), result).run();
            return;
        }
        if (policy.maxRequests() != null && app.change() == null && !degraded) replaceOneThatServedEnough(policy.maxRequests());
    }

    private void replaceOneThatServedEnough(long max) {
        for (Slot slot : app.slots()) {
            Worker w = slot.worker();
            if (w == null || w.state() != WorkerState.READY || slot.surge() != null) continue;
            long served = served(w);
            if (!RecycleSchedule.servedEnough(served, max)) continue;
            SlotReplacement.replaceAlone(app, w, "recycle of slot " + slot.index(), "recycled",
                    "served " + served + " requests (max_requests " + max + ")");
            return; // one at a time
        }
    }

    private static long served(Worker w) {
        try {
            String v = w.heartbeat().get(REQUESTS);
            return v == null ? 0 : Long.parseLong(v);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
