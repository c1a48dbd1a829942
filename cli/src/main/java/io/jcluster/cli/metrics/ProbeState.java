package io.jcluster.cli.metrics;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * The {@link Probes} of a primary, from what its supervisor loop publishes: the loop calls
 * {@link #tick()} whenever it runs (every event, and a timer of its own well inside the stall bound)
 * and {@link #publish} after every reconcile; the endpoint's thread reads. Healthy until the loop has
 * not ticked for {@code stallBound}, or every slot is errored.
 */
public final class ProbeState implements Probes {
    private record Counts(int slots, int readyWorkers, int erroredSlots) {}

    private final LongSupplier nanos;
    private final long stallNanos;
    private volatile long lastTick;
    private volatile Counts counts = new Counts(0, 0, 0);

    /** {@code nanos} is the loop's clock ({@code System::nanoTime}); {@code stallBound} how long the loop may be silent. */
    public ProbeState(LongSupplier nanos, Duration stallBound) {
        if (stallBound.isNegative() || stallBound.isZero()) throw new IllegalArgumentException("stall bound must be positive: " + stallBound);
        this.nanos = nanos;
        this.stallNanos = stallBound.toNanos();
        this.lastTick = nanos.getAsLong();
    }

    /** The loop runs. Any thread may call it, but only the loop should. */
    public void tick() {
        lastTick = nanos.getAsLong();
    }

    /** The loop's counts after a reconcile; also a {@link #tick()}. */
    public void publish(int slots, int readyWorkers, int erroredSlots) {
        counts = new Counts(slots, readyWorkers, erroredSlots);
        tick();
    }

    @Override
    public boolean ready() {
        return counts.readyWorkers() > 0;
    }

    @Override
    public String unhealthyReason() {
        long silent = nanos.getAsLong() - lastTick;
        if (silent > stallNanos) {
            return "the supervisor loop has not run for " + seconds(silent) + " (the bound is " + seconds(stallNanos) + ")";
        }
        Counts c = counts;
        if (c.slots() > 0 && c.erroredSlots() == c.slots()) {
            return "every slot is errored (" + c.slots() + " of " + c.slots() + "): the crash-loop guard stopped restarting them";
        }
        return null;
    }

    private static String seconds(long nanos) {
        return String.format(java.util.Locale.ROOT, "%.1fs", nanos / 1e9);
    }
}
