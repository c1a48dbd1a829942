package io.jcluster.cli.config;

import java.time.Duration;

/**
 * The {@code [reload]} table: how long a new worker may take to become ready, how long an old one
 * may take to drain, and how long a worker has between SIGTERM and SIGKILL.
 */
public record ReloadPolicy(Duration readyTimeout, Duration drainTimeout, Duration stopTimeout) {
    public ReloadPolicy {
        if (readyTimeout == null) readyTimeout = Duration.ofSeconds(60);
        if (drainTimeout == null) drainTimeout = Duration.ofSeconds(10);
        if (stopTimeout == null) stopTimeout = Duration.ofSeconds(5);
    }

    public static ReloadPolicy defaults() {
        return new ReloadPolicy(null, null, null);
    }
}
