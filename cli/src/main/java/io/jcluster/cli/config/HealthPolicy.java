package io.jcluster.cli.config;

import java.time.Duration;

/** The {@code [health]} table: how often workers report. */
public record HealthPolicy(Duration heartbeatInterval) {
    public HealthPolicy {
        if (heartbeatInterval == null) heartbeatInterval = Duration.ofSeconds(1);
    }

    public static HealthPolicy defaults() {
        return new HealthPolicy(null);
    }
}
