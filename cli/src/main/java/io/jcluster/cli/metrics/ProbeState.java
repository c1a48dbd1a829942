package io.jcluster.cli.metrics;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * The {@link Probes} of a primary, from what its supervisor loop publishes: the loop calls
 * {@link #tick()} whenever it runs (every event, and a timer of its own well inside the stall bound)
 * and {@link #publish} after every reconcile; the endpoint's thread reads.
 * <ul>
 *   <li>started once a worker has been ready (and stays so: Kubernetes asks only until it is);</li>
 *   <li>ready once every slot has had a ready worker, then while at least one is ready, unless the app
 *       is stopping or cordoned: a crashed worker replaced in place, or new slots of a scale up, do not
 *       take the app out of its balancer, since the other workers serve meanwhile;</li>
 *   <li>healthy until the loop has not ticked for {@code stallBound}, or every slot is errored.</li>
 * </ul>
 */
public final class ProbeState implements Probes {
    private record Counts(int slots, int readyWorkers, int erroredSlots, boolean stopping) {}

    private final LongSupplier nanos;
    private final long stallNanos;
    private volatile long lastTick;
    private volatile Counts counts = new Counts(0, 0, 0, false);
    private volatile boolean started;
    private volatile boolean everySlotWasReady;
    private volatile boolean cordoned;

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

    /** The loop's counts after a reconcile, the app not stopping; also a {@link #tick()}. */
    public void publish(int slots, int readyWorkers, int erroredSlots) {
        publish(slots, readyWorkers, erroredSlots, false);
    }

    /** The loop's counts after a reconcile: slots, slots with a ready worker, errored slots, and whether a stop began. */
    public void publish(int slots, int readyWorkers, int erroredSlots, boolean stopping) {
        if (readyWorkers > 0) started = true;
        if (slots > 0 && readyWorkers == slots) everySlotWasReady = true;
        counts = new Counts(slots, readyWorkers, erroredSlots, stopping);
        tick();
    }

    /** Takes the app out of its balancers ({@code jcluster cordon}), or puts it back: {@code /readyz} answers 503 while it is. */
    public void cordon(boolean out) {
        cordoned = out;
    }

    public boolean cordoned() {
        return cordoned;
    }

    @Override
    public String notStarted() {
        if (started) return null;
        Counts c = counts;
        if (c.slots() > 0 && c.erroredSlots() == c.slots()) return "every slot is errored before any worker was ready";
        return "no worker has been ready yet";
    }

    @Override
    public String notReady() {
        Counts c = counts;
        if (c.stopping()) return "the app is stopping";
        if (cordoned) return "cordoned (jcluster uncordon puts it back)";
        if (c.readyWorkers() == 0) {
            return c.slots() > 0 && c.erroredSlots() == c.slots() ? "every slot is errored" : "no worker is ready";
        }
        if (!everySlotWasReady) return "starting: " + c.readyWorkers() + " of " + c.slots() + " slots have a ready worker";
        return null;
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
