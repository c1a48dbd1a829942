package io.jcluster.cli.config;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** {@code [logs] format}: lines as the app wrote them (with the prefix), or one JSON object a line. */
public enum LogFormat {
    TEXT, JSON;

    @JsonValue
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The format named {@code id}; IllegalArgumentException with a message fit for a person otherwise. */
    public static LogFormat of(String id) {
        for (LogFormat f : values()) {
            if (f.id().equals(id)) return f;
        }
        throw new IllegalArgumentException("'" + id + "' is not \"text\" or \"json\"");
    }
}
