package io.jcluster.cli.primary.changes;

import io.jcluster.cli.metrics.ProcessMemory;
import io.jcluster.cli.primary.supervisor.Slot;
import io.jcluster.cli.primary.supervisor.Supervisor;
import io.jcluster.cli.primary.supervisor.Worker;
import io.jcluster.cli.primary.supervisor.WorkerState;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Every tick of the loop, {@link HealthCheck} over the ready workers: hung ones are dumped, killed and replaced,
 * ones over their memory limit are replaced gracefully. RSS is read off the loop, in one batch, and
 * only for workers that have a limit.
 */
public final class HealthWatch {
    /**
     * How long a hung worker has to write its thread dump before SIGKILL. Its replacement starts at
     * once, so this delays only the kill; a stopped JVM on a loaded machine took more than 500 ms to
     * resume and print (a fresh-clone CI run).
     */
    public static final Duration DUMP_GRACE = Duration.ofSeconds(2);

    private final Supervisor app;

    public HealthWatch(Supervisor app) {
        this.app = app;
    }

    /** One tick: reads what must be read off the loop, then {@link #judge}s on it. */
    public void tick() {
        if (app.stopping()) return;
        List<Long> limited = app.workers().stream()
                .filter(w -> w.state() == WorkerState.READY && w.config().health().maxMemory().bytes() > 0)
                .map(Worker::pid).toList();
        if (limited.isEmpty()) {
            judge(Map.of());
            return;
        }
        app.loop.offLoop(() -> {
            Map<Long, Long> rss = new HashMap<>();
            for (long pid : limited) {
                Long bytes = ProcessMemory.rssBytes(pid);
                if (bytes != null) rss.put(pid, bytes);
            }
            return rss;
        }, this::judge);
    }

    /** Applies {@link HealthCheck} to every ready worker. */
    public void judge(Map<Long, Long> rss) {
        if (app.stopping()) return;
        Instant now = app.loop.now();
        for (Worker w : List.copyOf(app.workers())) {
            if (!w.alive() || w.retiring() || w.state() != WorkerState.READY) continue;
            Instant lastSign = w.channel() == null ? null : w.lastHeartbeat() != null ? w.lastHeartbeat() : w.readyAt();
            HealthCheck.Verdict verdict = HealthCheck.check(lastSign, w.heartbeat(), rss.get(w.pid()), w.overMemorySince(),
                    now, w.config().health());
            if (verdict instanceof HealthCheck.Hung h) app.hung(w, h.reason(), DUMP_GRACE);
            else if (verdict instanceof HealthCheck.OverMemory m) overMemory(w, m.reason());
            else if (verdict instanceof HealthCheck.Well well) w.overMemorySince(well.overMemorySince());
        }
    }

    /** Over its memory limit: replaced like a one-slot reload, then drained. */
    private void overMemory(Worker w, String reason) {
        Slot slot = w.slot();
        if (slot.worker() != w || slot.surge() != null || app.change() != null || slot.leaving()) return;
        w.overMemorySince(null);
        slot.countRestart();
        SlotReplacement.replaceAlone(app, w, "memory replacement of slot " + slot.index(), "replaced", reason);
    }
}
