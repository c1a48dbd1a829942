package io.jcluster.cli.metrics;

import java.util.List;

/**
 * What the primary knows of its app at one instant, taken every {@code [metrics] interval}: what
 * {@code top}, {@code ls --json} and the Prometheus endpoint show.
 *
 * @param intervalMillis the time the rates and percentiles cover
 * @param workers        one per slot, in slot order
 */
public record AppSnapshot(String app, String state, long atEpochMillis, long intervalMillis, AppTotals totals,
                          List<WorkerSnapshot> workers) {
    public AppSnapshot {
        workers = workers == null ? List.of() : List.copyOf(workers);
    }
}
