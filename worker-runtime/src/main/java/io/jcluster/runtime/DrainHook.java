package io.jcluster.runtime;

import java.time.Duration;

/**
 * What the app does when its worker is told to drain: stop taking new work, finish what is in
 * flight, and say how much is left.
 *
 * <p>Called once per drain on a jcluster thread (never an event loop), after which the primary
 * stops the process. A hook should return by {@code timeout}; it may block until then.
 */
@FunctionalInterface
public interface DrainHook {

    /**
     * Drains, for at most {@code timeout}.
     *
     * @return the number of requests still in flight when it returned (0 means a clean drain)
     * @throws InterruptedException if the draining thread is interrupted
     */
    long drain(Duration timeout) throws InterruptedException;

    /**
     * The slot's next worker is ready and warms up on the same socket: keep serving, and move open
     * connections over gradually within {@code spread} (for HTTP/1.1: {@code Connection: close} on
     * one connection after another), so the new JVM gets a growing share of the traffic while its
     * JIT warms instead of all of it at once. A {@link #drain} follows. Must not block. The default
     * does nothing: the connections then move at the drain.
     */
    default void handOver(Duration spread) {
    }
}
