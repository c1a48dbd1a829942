package io.jcluster.cli.top;

import io.jcluster.cli.metrics.WorkerSnapshot;
import java.util.Comparator;
import java.util.function.Function;

/** What {@code top} sorts the workers by; {@code s} goes to the next. Figures sort high first, missing last. */
public enum SortColumn {
    SLOT("slot", null),
    RPS("rps", WorkerSnapshot::requestsPerSecond),
    P99("p99", WorkerSnapshot::latencyP99Millis),
    CPU("cpu", WorkerSnapshot::cpuPercent),
    RSS("rss", w -> w.rssBytes() == null ? null : w.rssBytes().doubleValue()),
    HEAP("heap", w -> w.heapUsedBytes() == null ? null : w.heapUsedBytes().doubleValue()),
    LAG("lag", WorkerSnapshot::loopLagP99Millis),
    GC("gc ms/s", WorkerSnapshot::gcMillisPerSecond);

    private final String label;
    private final Function<WorkerSnapshot, Double> figure;

    SortColumn(String label, Function<WorkerSnapshot, Double> figure) {
        this.label = label;
        this.figure = figure;
    }

    public String label() {
        return label;
    }

    /** The next one, round. */
    public SortColumn next() {
        return values()[(ordinal() + 1) % values().length];
    }

    /** The order of rows: by this figure, highest first, missing figures last, then by slot (spares last). */
    public Comparator<WorkerSnapshot> comparator() {
        // slots in order, then the spares (slot -1, -2, …) after them
        Comparator<WorkerSnapshot> bySlot = Comparator.comparingInt((WorkerSnapshot w) -> w.slot() < 0 ? Integer.MAX_VALUE + w.slot() : w.slot());
        if (figure == null) return bySlot;
        return Comparator.<WorkerSnapshot, Double>comparing(figure, Comparator.nullsLast(Comparator.reverseOrder()))
                .thenComparing(bySlot);
    }
}
