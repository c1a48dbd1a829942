package io.jcluster.cli.config;

import java.time.Duration;

/**
 * The {@code [reload]} table: when a new worker is ready, how long it may take, how long the old
 * one of its slot keeps serving beside it while it warms up, how long an old one may take to drain,
 * when it gets SIGTERM, and how long a worker has between SIGTERM and SIGKILL.
 */
public record ReloadPolicy(Readiness ready, Duration readyTimeout, Duration warmup, Duration drainTimeout, Shutdown shutdown,
                           Duration stopTimeout) {
    /** The default {@code warmup}: see docs/config.md for the measurements behind it. */
    public static final Duration DEFAULT_WARMUP = Duration.ofSeconds(3);

    public ReloadPolicy {
        if (ready == null) ready = Readiness.AUTO;
        if (readyTimeout == null) readyTimeout = Duration.ofSeconds(60);
        if (warmup == null) warmup = DEFAULT_WARMUP;
        if (drainTimeout == null) drainTimeout = Duration.ofSeconds(10);
        if (shutdown == null) shutdown = Shutdown.AUTO;
        if (stopTimeout == null) stopTimeout = Duration.ofSeconds(5);
    }

    public static ReloadPolicy defaults() {
        return new ReloadPolicy(null, null, null, null, null, null);
    }
}
