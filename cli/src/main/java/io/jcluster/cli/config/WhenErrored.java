package io.jcluster.cli.config;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * {@code [restart] when_errored}: what the primary does once every slot is {@code errored} (the
 * crash-loop guard stopped restarting all of them).
 */
public enum WhenErrored {
    /** The primary stays up, the port refuses, {@code ls} shows why; {@code jcluster restart} or {@code reload} clears it. */
    STAY,
    /** The primary stops and exits 1, so that what supervises it (systemd, Kubernetes, Docker) restarts it. */
    EXIT;

    @JsonValue
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The choice when the config makes none: {@link #EXIT} for a foreground primary, which is what a
     * systemd unit, a container entrypoint or another supervisor runs, and which restarts it;
     * {@link #STAY} for a detached one, which nothing would restart, so that the app and its last
     * output stay visible to {@code ls}, {@code describe} and {@code logs}.
     */
    public static WhenErrored defaultFor(boolean foreground) {
        return foreground ? EXIT : STAY;
    }
}
