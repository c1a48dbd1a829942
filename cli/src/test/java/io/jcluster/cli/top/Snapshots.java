package io.jcluster.cli.top;

import io.jcluster.cli.metrics.AppSnapshot;
import io.jcluster.cli.metrics.AppTotals;
import io.jcluster.cli.metrics.GcCollector;
import io.jcluster.cli.metrics.WorkerSnapshot;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/** Snapshots with known figures, for the renderer's tests. */
final class Snapshots {
    /** 2025-03-01 12:34:56 UTC. */
    static final long AT = LocalDateTime.of(2025, 3, 1, 12, 34, 56).toInstant(ZoneOffset.UTC).toEpochMilli();
    static final long MB = 1024 * 1024;

    private Snapshots() {}

    /** A worker of an app that links worker-runtime: every figure known. */
    static WorkerSnapshot served(int slot, double rps, double p99, double cpu) {
        return new WorkerSnapshot(slot, 4200 + slot, "ready", 3, 1, 125_000, cpu, 312 * MB, 120 * MB, 200 * MB, 256 * MB, 31,
                rps, p99 / 3, p99, p99 * 2, 0.4, 64L, 2L, 0.0, 100_000L, 0L, 12.5, 42.0, 2.0, 5.5, 3L,
                List.of(new GcCollector("G1 Young Generation", 120, 800, true), new GcCollector("G1 Old Generation", 0, 0, true)), null, null, null, null, null, null);
    }

    /** A worker of an app that links nothing: the agent's JVM figures only. */
    static WorkerSnapshot bare(int slot) {
        return new WorkerSnapshot(slot, 4300 + slot, "ready", 1, 0, 59_000, 0.5, 80 * MB, 12 * MB, 64 * MB, 64 * MB, 12,
                null, null, null, null, null, null, null, null, null, null, null, 1.2, 0.0, 0.0, 0L,
                List.of(new GcCollector("G1 Young Generation", 2, 13, true)), null, null, null, null, null, null);
    }

    static AppSnapshot app(String state, List<WorkerSnapshot> workers, Double rps, Double p99) {
        int ready = (int) workers.stream().filter(w -> "ready".equals(w.state())).count();
        int restarts = workers.stream().mapToInt(WorkerSnapshot::restarts).sum();
        Double cpu = workers.stream().map(WorkerSnapshot::cpuPercent).filter(v -> v != null).reduce(Double::sum).orElse(null);
        Long rss = workers.stream().map(WorkerSnapshot::rssBytes).filter(v -> v != null).reduce(Long::sum).orElse(null);
        AppTotals totals = new AppTotals(AT, workers.size(), ready, restarts, rps, p99 == null ? null : p99 / 3, p99,
                p99 == null ? null : p99 * 2, rps == null ? null : 0.4, rps == null ? null : 0.0, null, cpu, rss, null, null);
        return new AppSnapshot("hello", state, AT, 1000, totals, workers);
    }

    /** A minute of rising requests per second: 0, 10, 20 … 590. */
    static List<Double> rising() {
        List<Double> rps = new ArrayList<>();
        for (int i = 0; i < 60; i++) rps.add(i * 10.0);
        return rps;
    }
}
