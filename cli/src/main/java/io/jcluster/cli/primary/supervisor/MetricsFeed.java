package io.jcluster.cli.primary.supervisor;

import io.jcluster.cli.control.AppStatus;
import io.jcluster.cli.control.WorkerStatus;
import io.jcluster.cli.control.ExitRecord;

import io.jcluster.cli.metrics.AppMetrics;
import io.jcluster.cli.metrics.ProcessMemory;
import io.jcluster.cli.metrics.SlotSample;
import io.jcluster.cli.metrics.WorkerExit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * What the supervisor tells the app's {@link AppMetrics}, in the metrics package's own terms (it
 * knows nothing of the primary). Supervisor thread only.
 */
public final class MetricsFeed {
    private final AppMetrics metrics;
    private final PrimaryLog log;
    private boolean failed;

    public MetricsFeed(AppMetrics metrics, PrimaryLog log) {
        this.metrics = metrics;
        this.log = log;
    }

    public AppMetrics metrics() {
        return metrics;
    }

    void heartbeat(Worker w, Map<String, String> fields) {
        metrics.heartbeat(w.slotIndex(), w.pid(), fields);
    }

    void exited(ExitRecord e) {
        metrics.exited(new WorkerExit(e.slot(), e.pid(), e.generation(), e.code(), e.signal(), e.atEpochMillis(), e.reason()));
    }

    /**
     * Takes a snapshot: the slots as the loop sees them now, their workers' memory read off the loop,
     * then the figures on the loop again. A failure is logged once; the next tick tries again.
     */
    public void tick(Loop loop, Supplier<AppStatus> status) {
        AppStatus s;
        List<SlotSample> slots;
        try {
            s = status.get();
            slots = new ArrayList<>(s.workers().size() + s.spares().size());
            for (WorkerStatus w : concat(s.workers(), s.spares())) {
                slots.add(new SlotSample(w.slot(), w.pid(), w.state(), w.generation(), w.restarts(), w.uptimeMillis()));
            }
        } catch (RuntimeException e) {
            failed(e);
            return;
        }
        loop.offLoop(() -> {
            Map<Long, Long> rss = new HashMap<>();
            for (SlotSample slot : slots) {
                Long bytes = slot.pid() > 0 ? ProcessMemory.rssBytes(slot.pid()) : null;
                if (bytes != null) rss.put(slot.pid(), bytes);
            }
            return rss;
        }, rss -> {
            try {
                metrics.tick(s.state(), slots, rss::get);
            } catch (RuntimeException e) {
                failed(e);
            }
        });
    }

    private static List<WorkerStatus> concat(List<WorkerStatus> a, List<WorkerStatus> b) {
        if (b.isEmpty()) return a;
        List<WorkerStatus> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    private void failed(RuntimeException e) {
        if (!failed) log.info("metrics: could not take a snapshot (reported once): %s", e);
        failed = true;
    }
}
