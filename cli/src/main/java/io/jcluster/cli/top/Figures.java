package io.jcluster.cli.top;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * How figures are written in {@code top}, {@code ls} and {@code describe}: short, fixed meaning,
 * and {@code -} for a figure nobody reports (never 0).
 */
public final class Figures {
    /** A figure that is not known. */
    public static final String MISSING = "-";

    private Figures() {}

    /** A slot's number, or {@code spare} for a warm spare (slot -1, -2, …). */
    public static String slot(int slot) {
        return slot < 0 ? "spare" : Integer.toString(slot);
    }

    /** Requests per second: {@code 0}, {@code 8.5}, {@code 950}, {@code 12.3k}, {@code 1.2M}. */
    public static String rate(Double v) {
        if (v == null) return MISSING;
        double a = Math.abs(v);
        if (a == 0) return "0";
        if (a < 100) return fixed(v, 1);
        if (a < 10_000) return Long.toString(Math.round(v));
        if (a < 100_000) return fixed(v / 1000, 1) + "k";
        if (a < 10_000_000) return Math.round(v / 1000) + "k";
        return fixed(v / 1e6, 1) + "M";
    }

    /** A duration in milliseconds: {@code 420us}, {@code 4.2ms}, {@code 42ms}, {@code 1.25s}. */
    public static String millis(Double ms) {
        if (ms == null) return MISSING;
        if (ms < 1) return Math.round(ms * 1000) + "us";
        if (ms < 10) return fixed(ms, 1) + "ms";
        if (ms < 1000) return Math.round(ms) + "ms";
        if (ms < 10_000) return fixed(ms / 1000, 2) + "s";
        return fixed(ms / 1000, 1) + "s";
    }

    /** Whole milliseconds: {@code 0}, {@code 3ms}, {@code 1.2s}. */
    public static String millis(Long ms) {
        if (ms == null) return MISSING;
        if (ms == 0) return "0";
        if (ms < 1000) return ms + "ms";
        return fixed(ms / 1000.0, 1) + "s";
    }

    /** Bytes in binary units: {@code 512K}, {@code 120M}, {@code 1.5G}, {@code 12G}. */
    public static String bytes(Long b) {
        if (b == null || b < 0) return MISSING;
        double k = b / 1024.0;
        if (k < 1024) return Math.round(k) + "K";
        double m = k / 1024;
        if (m < 1024) return Math.round(m) + "M";
        double g = m / 1024;
        if (g < 10) return fixed(g, 1) + "G";
        return Math.round(g) + "G";
    }

    /** Used out of max: {@code 120M/256M}; only used when there is no max. */
    public static String usedOf(Long used, Long max) {
        if (used == null) return MISSING;
        return max == null ? bytes(used) : bytes(used) + "/" + bytes(max);
    }

    /** CPU percent, 100 = one core: {@code 0.5}, {@code 45.2}, {@code 187}. */
    public static String percent(Double v) {
        if (v == null) return MISSING;
        if (v < 100) return fixed(v, 1);
        return Long.toString(Math.round(v));
    }

    /** A small rate such as GCs per second: {@code 0}, {@code 2.0}, {@code 15}. */
    public static String perSecond(Double v) {
        if (v == null) return MISSING;
        if (v == 0) return "0";
        if (v < 100) return fixed(v, 1);
        return Long.toString(Math.round(v));
    }

    /** 45s, 12m3s, 3h5m, 2d4h: the two largest units. */
    public static String uptime(long ms) {
        long s = ms / 1000;
        if (s < 60) return s + "s";
        if (s < 3600) return s / 60 + "m" + (s % 60 == 0 ? "" : s % 60 + "s");
        if (s < 86400) return s / 3600 + "h" + (s % 3600 / 60 == 0 ? "" : s % 3600 / 60 + "m");
        return s / 86400 + "d" + (s % 86400 / 3600 == 0 ? "" : s % 86400 / 3600 + "h");
    }

    /**
     * {@code v} with {@code decimals} digits after the point, rounded half up from its shortest
     * decimal form, as {@code %.Nf} does; without {@link String#format}, whose first use costs a
     * {@code jcluster ls} several milliseconds.
     */
    private static String fixed(double v, int decimals) {
        if (!Double.isFinite(v)) return Double.toString(v);
        return BigDecimal.valueOf(v).setScale(decimals, RoundingMode.HALF_UP).toPlainString();
    }

    /** Where a worker's request figures come from ({@code WorkerSnapshot.requestSource}), in words. */
    public static String source(String source) {
        if (source == null) return "none (the app reports none, and no HTTP/1.x response has gone through the preload library)";
        String socket = "measured at the socket by the preload library";
        String[] parts = source.split("\\+", 2);
        String app = switch (parts[0]) {
            case "socket" -> socket + " (HTTP/1.x responses; TLS and HTTP/2 are not counted)";
            case "app" -> "the app's own (worker-runtime)";
            case "tomcat" -> "Tomcat's MBeans";
            case "jetty" -> "Jetty's StatisticsHandler";
            default -> parts[0];
        };
        return parts.length > 1 ? app + "; latency distribution and status classes " + socket : app;
    }
}
