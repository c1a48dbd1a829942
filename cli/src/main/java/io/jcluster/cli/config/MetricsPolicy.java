package io.jcluster.cli.config;

import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * The {@code [metrics]} table: how often the primary takes a snapshot of the app (workers report at
 * least as often), and where it serves Prometheus text, if anywhere.
 *
 * @param interval the snapshot interval, {@value #MIN_INTERVAL_MILLIS} ms to 1 minute (default 1s)
 * @param listen   {@code "[host:]port"} for the Prometheus endpoint; host 127.0.0.1 when left out;
 *                 null (the default) serves none
 */
public record MetricsPolicy(Duration interval, String listen) {
    public static final long MIN_INTERVAL_MILLIS = 250;
    public static final Duration MAX_INTERVAL = Duration.ofMinutes(1);
    /** The host of the Prometheus endpoint when {@code listen} names only a port. */
    public static final String DEFAULT_HOST = "127.0.0.1";

    public MetricsPolicy {
        if (interval == null) interval = Duration.ofSeconds(1);
        if (listen != null && listen.isBlank()) listen = null;
    }

    public static MetricsPolicy defaults() {
        return new MetricsPolicy(null, null);
    }

    /** Null when these values can be used, else what is wrong with them and the key it is about. */
    String[] problem() {
        if (interval.toMillis() < MIN_INTERVAL_MILLIS || interval.compareTo(MAX_INTERVAL) > 0) {
            return new String[] {"metrics.interval", Durations.format(interval) + " is out of range: "
                    + MIN_INTERVAL_MILLIS + "ms to " + Durations.format(MAX_INTERVAL)};
        }
        if (listen != null) {
            try {
                address(listen);
            } catch (IllegalArgumentException e) {
                return new String[] {"metrics.listen", e.getMessage()};
            }
        }
        return null;
    }

    /** The Prometheus endpoint's address (unresolved), or null when there is none. */
    public InetSocketAddress prometheusAddress() {
        return listen == null ? null : address(listen);
    }

    /**
     * Parses {@code [host:]port}: {@code 9464}, {@code 0.0.0.0:9464}, {@code localhost:9464},
     * {@code [::1]:9464}. Throws IllegalArgumentException with a message fit for a person.
     */
    static InetSocketAddress address(String text) {
        String s = text.trim();
        String host = DEFAULT_HOST;
        String port = s;
        int colon = s.lastIndexOf(':');
        if (colon >= 0) {
            host = s.substring(0, colon);
            port = s.substring(colon + 1);
            if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
            if (host.isEmpty() || host.contains(" ")) {
                throw new IllegalArgumentException("'" + text + "' is not [host:]port (e.g. 9464 or 127.0.0.1:9464)");
            }
        }
        int p;
        try {
            p = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is not [host:]port (e.g. 9464 or 127.0.0.1:9464)");
        }
        if (p < 1 || p > 65535) {
            throw new IllegalArgumentException(p + " is not a TCP port (1 to 65535)");
        }
        return InetSocketAddress.createUnresolved(host, p);
    }
}
