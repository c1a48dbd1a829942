package io.jcluster.cli.config;

import com.fasterxml.jackson.annotation.JsonValue;

/**
 * When a draining worker gets SIGTERM, which starts the app's own graceful shutdown
 * ({@code [reload] shutdown}). The drain starts once the slot's next worker is ready (or the app stops),
 * and from then on the old worker accepts nothing: every new connection goes to the next worker.
 */
public enum Shutdown {
    /**
     * Once the worker has no connection left; or once every connection it has left is one that only the
     * app can end (TLS the server was not asked to close, a protocol the preload library does not read,
     * HTTP/2 streams still running after its GOAWAY) and none has closed for a second; at the latest at
     * {@code drain_timeout}.
     */
    AUTO,
    /** As soon as the drain starts: the app's own graceful shutdown ends its connections. */
    EARLY,
    /** Only once every connection has closed, or at {@code drain_timeout}. */
    LATE;

    @JsonValue
    public String id() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
