package io.jcluster.cli.config;

import java.time.Duration;
import java.util.List;

/**
 * The {@code [restart]} table: exponential backoff between restarts of a slot, and the crash-loop
 * guard that stops restarting a slot after {@code maxFailures} failed runs within {@code failureWindow}.
 * A start counts as failed when the worker exits (or misses its ready timeout) before it is ready,
 * or less than {@code minUptime} after; a worker ready for {@code stableAfter} is stable: its crash is
 * restarted at once and resets the backoff.
 *
 * @param whenErrored what the primary does once every slot is errored; null when the config file
 *                    leaves it to {@link #whenErrored(boolean)}'s default
 * @param okExitCodes exit codes that mean "done": a worker that exits with one is not restarted
 *                    (default none: every exit jcluster did not ask for is restarted)
 * @param autorestart false: no worker exit is restarted (default true)
 */
public record RestartPolicy(
        Duration backoffInitial,
        Duration backoffMax,
        Double backoffMultiplier,
        Duration stableAfter,
        Duration minUptime,
        Integer maxFailures,
        Duration failureWindow,
        WhenErrored whenErrored,
        List<Integer> okExitCodes,
        Boolean autorestart) {

    public RestartPolicy {
        if (backoffInitial == null) backoffInitial = Duration.ofMillis(100);
        if (backoffMax == null) backoffMax = Duration.ofSeconds(15);
        if (backoffMultiplier == null) backoffMultiplier = 2.0;
        if (stableAfter == null) stableAfter = Duration.ofSeconds(30);
        if (minUptime == null) minUptime = Duration.ofSeconds(1);
        if (maxFailures == null) maxFailures = 5;
        if (failureWindow == null) failureWindow = Duration.ofMinutes(1);
        okExitCodes = okExitCodes == null ? List.of() : List.copyOf(okExitCodes);
        if (autorestart == null) autorestart = true;
    }

    public static RestartPolicy defaults() {
        return new RestartPolicy(null, null, null, null, null, null, null, null, null, null);
    }

    /** What to do once every slot is errored: the config's choice, else the default for this kind of primary. */
    public WhenErrored whenErrored(boolean foreground) {
        return whenErrored != null ? whenErrored : WhenErrored.defaultFor(foreground);
    }

    /** The delay before the next start after {@code consecutiveFailures} failures in a row (1 = the first). */
    public Duration backoff(int consecutiveFailures) {
        if (consecutiveFailures <= 0) return Duration.ZERO;
        double ms = backoffInitial.toMillis() * Math.pow(backoffMultiplier, consecutiveFailures - 1);
        return Duration.ofMillis((long) Math.min(ms, backoffMax.toMillis()));
    }

    /**
     * Whether a worker that exited on its own (not drained, stopped or replaced by jcluster) is
     * restarted: never with {@code autorestart = false}; else unless it exited with one of
     * {@code ok_exit_codes}. A worker killed by a signal ({@code exitCode} null) is always restarted
     * when {@code autorestart} is on: a signal is never "done".
     */
    public boolean restartsAfter(Integer exitCode) {
        if (!autorestart) return false;
        return exitCode == null || !okExitCodes.contains(exitCode);
    }
}
