package io.jcluster.cli.config;

import java.time.Duration;
import java.time.Instant;
import java.util.random.RandomGenerator;

/** When a recycle is due: plain functions of the start time, the policy and a random source. */
public final class RecycleSchedule {
    private RecycleSchedule() {}

    /**
     * The next recycle of a generation started at {@code startedAt}: {@code every} later, plus a
     * random part of {@code jitter} drawn from {@code random} (uniform, from 0 inclusive to
     * {@code jitter} exclusive, millisecond steps); null when {@code every} is null (no schedule).
     */
    public static Instant next(Instant startedAt, Duration every, Duration jitter, RandomGenerator random) {
        if (every == null) return null;
        long jitterMillis = jitter == null ? 0 : jitter.toMillis();
        long extra = jitterMillis <= 0 ? 0 : random.nextLong(jitterMillis);
        return startedAt.plus(every).plusMillis(extra);
    }

    /** {@link #next(Instant, Duration, Duration, RandomGenerator)} for {@code policy}. */
    public static Instant next(Instant startedAt, RecyclePolicy policy, RandomGenerator random) {
        return next(startedAt, policy.every(), policy.jitter(), random);
    }

    /** Whether a worker that has served {@code requests} requests is due for replacement under {@code maxRequests} (null: never). */
    public static boolean servedEnough(long requests, Long maxRequests) {
        return maxRequests != null && requests >= maxRequests;
    }

    /** What to do about a scheduled recycle at a moment. */
    public enum Decision {
        /** Not due yet. */
        NOT_YET,
        /** Due, but another change runs or the app is degraded: ask again later (it is not dropped). */
        WAIT,
        /** Due: start a rolling reload now, then schedule the next from the new generation's start. */
        RECYCLE
    }

    /**
     * Whether the recycle due at {@code dueAt} (null: none scheduled) runs at {@code now}: never
     * overlapping another change ({@code changeRunning}: a reload, scale or stop), and skipped while
     * the app is degraded (a slot backing off or errored), until it is online again.
     */
    public static Decision decide(Instant now, Instant dueAt, boolean changeRunning, boolean degraded) {
        if (dueAt == null || now.isBefore(dueAt)) return Decision.NOT_YET;
        return changeRunning || degraded ? Decision.WAIT : Decision.RECYCLE;
    }
}
