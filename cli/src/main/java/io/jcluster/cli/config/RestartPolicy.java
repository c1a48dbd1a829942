package io.jcluster.cli.config;

import java.time.Duration;

/**
 * The {@code [restart]} table: exponential backoff between restarts of a slot, and the crash-loop
 * guard that stops restarting a slot after {@code maxFailures} failed runs within {@code failureWindow}.
 * A run counts as failed when the worker exits (or misses its ready timeout) before it has been up
 * for {@code stableAfter}; a stable run resets the backoff.
 */
public record RestartPolicy(
        Duration backoffInitial,
        Duration backoffMax,
        Double backoffMultiplier,
        Duration stableAfter,
        Integer maxFailures,
        Duration failureWindow) {

    public RestartPolicy {
        if (backoffInitial == null) backoffInitial = Duration.ofMillis(100);
        if (backoffMax == null) backoffMax = Duration.ofSeconds(15);
        if (backoffMultiplier == null) backoffMultiplier = 2.0;
        if (stableAfter == null) stableAfter = Duration.ofSeconds(30);
        if (maxFailures == null) maxFailures = 5;
        if (failureWindow == null) failureWindow = Duration.ofMinutes(1);
    }

    public static RestartPolicy defaults() {
        return new RestartPolicy(null, null, null, null, null, null);
    }

    /** The delay before the next start after {@code consecutiveFailures} failures in a row (1 = the first). */
    public Duration backoff(int consecutiveFailures) {
        if (consecutiveFailures <= 0) return Duration.ZERO;
        double ms = backoffInitial.toMillis() * Math.pow(backoffMultiplier, consecutiveFailures - 1);
        return Duration.ofMillis((long) Math.min(ms, backoffMax.toMillis()));
    }
}
