package io.jcluster.cli.config;

import java.time.Duration;

/**
 * The {@code [reload]} table: when a new worker is ready, how long it may take, how long the old
 * one of its slot keeps serving beside it while it warms up, how long an old one may take to drain,
 * when it gets SIGTERM, how long a worker has between SIGTERM and SIGKILL, and the share of the CPU
 * a worker gets while it starts beside serving ones.
 */
public record ReloadPolicy(Readiness ready, Duration readyTimeout, Duration warmup, Duration drainTimeout, Shutdown shutdown,
                           Duration stopTimeout, Integer startShare) {
    /** The default {@code warmup}: see docs/config.md for the measurements behind it. */
    public static final Duration DEFAULT_WARMUP = Duration.ofSeconds(3);
    /**
     * The default {@code start_share}: the percent of a serving worker's CPU share that a worker starting
     * beside serving ones gets until it is ready (see docs/config.md for the measurements behind it).
     */
    public static final int DEFAULT_START_SHARE = 10;

    public ReloadPolicy {
        if (startShare == null) startShare = DEFAULT_START_SHARE;
        if (ready == null) ready = Readiness.AUTO;
        if (readyTimeout == null) readyTimeout = Duration.ofSeconds(60);
        if (warmup == null) warmup = DEFAULT_WARMUP;
        if (drainTimeout == null) drainTimeout = Duration.ofSeconds(10);
        if (shutdown == null) shutdown = Shutdown.AUTO;
        if (stopTimeout == null) stopTimeout = Duration.ofSeconds(5);
    }

    public static ReloadPolicy defaults() {
        return new ReloadPolicy(null, null, null, null, null, null, null);
    }
}
