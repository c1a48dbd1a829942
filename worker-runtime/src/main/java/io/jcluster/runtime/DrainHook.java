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
}
