package io.jcluster.cli.primary.supervisor;

import io.jcluster.cli.config.RestartPolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * A slot's restart bookkeeping: exponential backoff between restarts, and the crash-loop guard that
 * gives up after {@code maxFailures} failed starts within {@code failureWindow}. A plain function
 * of what happened and when: no clock of its own, no processes.
 */
final class CrashGuard {
    private int consecutiveFailures;
    private final Deque<Instant> failedStarts = new ArrayDeque<>();

    /**
     * Counts an unplanned exit at {@code now} of a worker that was ready at {@code readyAt} (null when
     * it never was, or could not even be spawned), and says how long to wait before the next start;
     * null when the crash-loop guard trips.
     */
    Duration afterExit(Instant readyAt, Instant now, RestartPolicy policy) {
        Duration up = readyAt == null ? null : Duration.between(readyAt, now);
        if (up != null && up.compareTo(policy.stableAfter()) >= 0) {
            consecutiveFailures = 0;
            return Duration.ZERO;
        }
        consecutiveFailures++;
        if (up == null || up.compareTo(policy.minUptime()) < 0) {
            failedStarts.addLast(now);
            while (!failedStarts.isEmpty() && failedStarts.peekFirst().isBefore(now.minus(policy.failureWindow()))) {
                failedStarts.removeFirst();
            }
            if (failedStarts.size() >= policy.maxFailures()) return null;
        }
        return policy.backoff(consecutiveFailures);
    }

    /** Forgets every failure (on {@code restart}, or once a new worker of the slot is ready after a reload). */
    void clear() {
        failedStarts.clear();
        consecutiveFailures = 0;
    }
}
