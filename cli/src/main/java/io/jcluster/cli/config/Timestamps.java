package io.jcluster.cli.config;

import com.fasterxml.jackson.annotation.JsonValue;

/** {@code [logs] timestamps}: the time a line was read, in UTC, in local time with its offset, or none. */
public enum Timestamps {
    UTC, LOCAL, NONE;

    /** As the file writes it: {@code "utc"}, {@code "local"} or {@code false}. */
    @JsonValue
    public Object toml() {
        return switch (this) {
            case UTC -> "utc";
            case LOCAL -> "local";
            case NONE -> false;
        };
    }

    /** {@code "utc"}, {@code "local"}, {@code true} (= utc) or {@code false}; IllegalArgumentException otherwise. */
    public static Timestamps of(Object value) {
        if (Boolean.TRUE.equals(value) || "utc".equals(value)) return UTC;
        if (Boolean.FALSE.equals(value)) return NONE;
        if ("local".equals(value)) return LOCAL;
        throw new IllegalArgumentException("'" + value + "' is not \"utc\", \"local\" or false");
    }
}
