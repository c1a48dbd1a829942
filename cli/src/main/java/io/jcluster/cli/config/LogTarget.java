package io.jcluster.cli.config;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** Where the workers' output goes. */
public enum LogTarget {
    /** One rotating file per slot and stream under {@code $JCLUSTER_HOME/logs/<app>/}. */
    FILES,
    /** The primary's own stdout and stderr, each line tagged with app and slot (containers: needs --foreground). */
    STDOUT;

    @JsonValue
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The target named {@code id}; throws IllegalArgumentException with a message fit for a person. */
    public static LogTarget of(String id) {
        for (LogTarget t : values()) {
            if (t.id().equals(id)) return t;
        }
        throw new IllegalArgumentException("'" + id + "' is not files or stdout");
    }
}
