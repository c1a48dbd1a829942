package io.jcluster.cli.config;

import com.fasterxml.jackson.annotation.JsonValue;

/**
 * {@code [app] aot_cache} (also spelled {@code cds}): whether workers start from a cache of the app's
 * classes. {@code "auto"} (the default) and {@code true} make one where the worker JDK can (the AOT
 * cache from JDK 25, a dynamic CDS archive on JDK 17 to 24); {@code false} never does.
 */
public enum CacheMode {
    AUTO,
    ON,
    OFF;

    /** Whether workers may use a cache. */
    public boolean wanted() {
        return this != OFF;
    }

    /** How a config file writes it: {@code "auto"}, {@code true} or {@code false}. */
    @JsonValue
    public Object json() {
        return this == AUTO ? "auto" : this == ON;
    }

    /** From a config file's value: {@code "auto"}, {@code true} or {@code false}. */
    public static CacheMode of(Object value) {
        if (Boolean.TRUE.equals(value)) return ON;
        if (Boolean.FALSE.equals(value)) return OFF;
        if ("auto".equals(value)) return AUTO;
        throw new IllegalArgumentException("expected \"auto\", true or false, got "
                + (value instanceof String ? "\"" + value + "\"" : String.valueOf(value)));
    }
}
