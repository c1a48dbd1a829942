package io.jcluster.cli.config;

import com.fasterxml.jackson.annotation.JsonValue;

/** How workers get the app's port. */
public enum Listen {
    /** The primary owns one SO_REUSEPORT listener per slot and hands its fd to the slot's worker. */
    HANDOFF,
    /** Each worker binds the port itself with SO_REUSEPORT (Vert.x, Jetty, plain JDK servers). */
    SELF;

    @JsonValue
    public String id() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
