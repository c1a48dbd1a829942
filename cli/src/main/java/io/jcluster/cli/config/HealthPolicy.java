package io.jcluster.cli.config;

import java.time.Duration;

/**
 * The {@code [health]} table: how often workers report; how long a silent worker lives before it
 * is thread-dumped (SIGQUIT), killed and replaced; and the RSS above which a worker is replaced
 * gracefully (0 = no limit).
 */
public record HealthPolicy(Duration heartbeatInterval, Duration heartbeatTimeout, ByteSize maxMemory, Duration memoryGrace) {
    public HealthPolicy {
        if (heartbeatInterval == null) heartbeatInterval = Duration.ofSeconds(1);
        if (heartbeatTimeout == null) heartbeatTimeout = Duration.ofSeconds(10);
        if (maxMemory == null) maxMemory = new ByteSize(0);
        if (memoryGrace == null) memoryGrace = Duration.ofSeconds(3);
    }

    public static HealthPolicy defaults() {
        return new HealthPolicy(null, null, null, null);
    }
}
