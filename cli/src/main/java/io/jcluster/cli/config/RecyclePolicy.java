package io.jcluster.cli.config;

import java.time.Duration;

/**
 * The {@code [recycle]} table: workers replaced on a schedule, as a rolling reload (one slot at a
 * time). Off unless {@code every} or {@code maxRequests} is set.
 *
 * @param every       recycle the app this long after its generation started (null = never by time)
 * @param jitter      a random extra delay from 0 up to this, so that apps started together do not
 *                    recycle together (default 0)
 * @param maxRequests replace a worker once it has served this many requests (null = no bound);
 *                    needs an app that gives request counts
 */
public record RecyclePolicy(Duration every, Duration jitter, Long maxRequests) {
    /** The shortest {@code every}: shorter is a restart loop, not a recycle. */
    public static final Duration MIN_EVERY = Duration.ofMinutes(1);

    public RecyclePolicy {
        if (jitter == null) jitter = Duration.ZERO;
    }

    public static RecyclePolicy defaults() {
        return new RecyclePolicy(null, null, null);
    }

    /** Whether anything is recycled at all. */
    public boolean enabled() {
        return every != null || maxRequests != null;
    }

    /** Null when these values can be used, else the key and what is wrong with it. */
    String[] problem() {
        if (every != null && every.compareTo(MIN_EVERY) < 0) {
            return new String[] {"recycle.every", Durations.format(every) + " is too short (at least "
                    + Durations.format(MIN_EVERY) + ")"};
        }
        if (!jitter.isZero() && every == null) {
            return new String[] {"recycle.jitter", "jitter needs every (a jitter of a schedule that is not there)"};
        }
        if (every != null && jitter.compareTo(every) >= 0) {
            return new String[] {"recycle.jitter", Durations.format(jitter) + " is not shorter than every ("
                    + Durations.format(every) + ")"};
        }
        if (maxRequests != null && maxRequests < 1) {
            return new String[] {"recycle.max_requests", maxRequests + " is not a count (at least 1; leave it out for none)"};
        }
        return null;
    }
}
