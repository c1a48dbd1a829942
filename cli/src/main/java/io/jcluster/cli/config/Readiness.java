package io.jcluster.cli.config;

import com.fasterxml.jackson.annotation.JsonValue;

/**
 * When a new worker counts as ready ({@code [reload] ready}):
 * {@code auto} (its {@code JCluster.ready()} call or, for apps that link nothing, its process
 * listening on the port), {@code call} (only the call), {@code port} (only the port), or
 * {@code http:/path} (listening, and {@code GET /path} on the port answers 2xx).
 */
public record Readiness(String kind, String path) {
    public static final Readiness AUTO = new Readiness("auto", null);

    public static Readiness parse(String text) {
        String t = text.trim();
        if (t.equals("auto") || t.equals("call") || t.equals("port")) return new Readiness(t, null);
        if (t.startsWith("http:/")) t = t.substring("http:".length());
        if (t.startsWith("/") && !t.contains(" ")) return new Readiness("http", t);
        throw new IllegalArgumentException("'" + text + "' is not a readiness check (write auto, call, port or http:/health)");
    }

    public boolean byCall() { return kind.equals("auto") || kind.equals("call"); }
    public boolean byPort() { return kind.equals("auto") || kind.equals("port"); }
    public boolean byHttp() { return kind.equals("http"); }
    /** Whether only the app's call counts: then the primary does not watch the port. */
    public boolean onlyByCall() { return kind.equals("call"); }

    @JsonValue
    @Override
    public String toString() {
        return byHttp() ? "http:" + path : kind;
    }
}
