package io.jcluster.cli.metrics;

import io.jcluster.runtime.metrics.Histogram;
import io.jcluster.runtime.metrics.WorkerMetrics;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The request figures the preload library measures at one worker's socket (its session's {@code conns},
 * see {@code docs/worker-protocol.md}), added to the worker's heartbeats as the app's figures
 * ({@code app.http.*}) where the app reports none of its own: the app's own figures (worker-runtime's,
 * or the server's MBeans that the agent reads) win, name by name, and the latency distribution is the
 * socket's only when the app sends none. {@code app.http.source} says where the figures came from:
 * {@value #SOCKET}, the agent's source ({@code app}, {@code tomcat}, {@code jetty}), or that source
 * with {@code +socket} when the socket filled in some (the latency distribution, the status classes).
 *
 * <p>The library's counts are since the worker started; its buckets become the counts of each
 * heartbeat's interval here. Confined to the primary's supervisor thread.
 */
public final class SocketFigures {
    /** {@code app.http.source} of figures measured at the socket alone. */
    public static final String SOCKET = "socket";
    /** The heartbeat field that names where the request figures came from. */
    public static final String SOURCE = WorkerFigures.APP + "http.source";
    private static final String HTTP = "http.";
    private static final String BUCKET = WorkerMetrics.LATENCY + ".b";
    private static final String MAX = WorkerMetrics.LATENCY + ".max";

    private final Map<String, String> totals = new LinkedHashMap<>();
    private final long[] buckets = new long[Histogram.BUCKETS];
    private final long[] merged = new long[Histogram.BUCKETS];
    private long max = -1;
    private boolean appDistribution;

    /** The figures of a {@code conns} frame: none until the library has counted a response. */
    public void conns(Map<String, String> fields) {
        for (Map.Entry<String, String> e : fields.entrySet()) {
            String k = e.getKey();
            if (!k.startsWith(HTTP)) continue;
            long v = WorkerFigures.number(fields, k, -1);
            if (v < 0) continue;
            if (k.startsWith(BUCKET)) {
                int b = bucket(k.substring(BUCKET.length()));
                if (b >= 0) buckets[b] = Math.max(buckets[b], v);
            } else if (k.equals(MAX)) {
                max = Math.max(max, v);
            } else {
                totals.put(k, e.getValue());
            }
        }
    }

    /** Whether the library has sent request figures. */
    public boolean any() {
        return totals.containsKey(WorkerMetrics.REQUESTS);
    }

    /** {@code heartbeat} with these figures added where it has none (a new map), or itself when there are none. */
    public Map<String, String> addTo(Map<String, String> heartbeat) {
        if (!any()) return heartbeat;
        Map<String, String> with = new LinkedHashMap<>(heartbeat);
        String source = heartbeat.get(SOURCE);
        boolean filled = false;
        for (Map.Entry<String, String> e : totals.entrySet()) {
            filled |= with.putIfAbsent(WorkerFigures.APP + e.getKey(), e.getValue()) == null;
        }
        for (String k : heartbeat.keySet()) {
            if (k.startsWith(WorkerFigures.APP + BUCKET) || k.equals(WorkerFigures.APP + MAX)) appDistribution = true;
        }
        if (!appDistribution) {
            for (int b = 0; b < buckets.length; b++) {
                long d = buckets[b] - merged[b];
                if (d > 0) with.put(WorkerFigures.APP + BUCKET + b, Long.toString(d));
                merged[b] = buckets[b];
            }
            if (max >= 0) with.put(WorkerFigures.APP + MAX, Long.toString(max));
            filled = true;
        }
        max = -1;
        with.put(SOURCE, source == null ? SOCKET : filled ? source + "+" + SOCKET : source);
        return with;
    }

    private static int bucket(String n) {
        try {
            int b = Integer.parseInt(n);
            return b >= 0 && b < Histogram.BUCKETS ? b : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
