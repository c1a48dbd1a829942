package io.jcluster.cli.metrics;

import io.jcluster.runtime.metrics.HistogramCounts;
import io.jcluster.runtime.metrics.WorkerMetrics;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The heartbeats of one worker process turned into figures: cumulative counters become rates over
 * the heartbeats' own clock (the worker's uptime), interval histograms add up until the next
 * snapshot takes them. Confined to the primary's supervisor thread.
 */
final class WorkerFigures {
    static final String APP = "app.";
    private static final String REQUESTS = APP + WorkerMetrics.REQUESTS;
    private static final String SHED = APP + WorkerMetrics.SHED;
    private static final String INFLIGHT = APP + WorkerMetrics.INFLIGHT;
    private static final String LATENCY = APP + WorkerMetrics.LATENCY;
    private static final String LATENCY_SUM = APP + WorkerMetrics.LATENCY_SUM;
    private static final String LAG = APP + WorkerMetrics.LAG;
    private static final String CONNECTIONS = APP + WorkerMetrics.CONNECTIONS;
    private static final String STATUS = APP + "http.status.";
    private static final String ERRORS = STATUS + "5xx";
    private static final String ABORTS = APP + "http.aborts";
    private static final String ACCEPTS = APP + "accepts";

    /** What one snapshot says of the worker's interval. */
    record Interval(Double cpuPercent, Double requestsPerSecond, Double shedPerSecond, Double gcPerSecond,
                    Double gcMillisPerSecond, Long gcPauseMaxMillis, HistogramCounts latency, Long latencyMaxMicros,
                    HistogramCounts lag, Long lagMaxMicros, Double errorsPerSecond) {}

    final long pid;
    private Map<String, String> fields = Map.of();
    private long lastHeartbeatNanos;

    // the previous heartbeat's cumulative values
    private long uptime;
    private long cpu;
    private long requests;
    private long shed;
    private long errors;
    private final Map<String, long[]> gcSeen = new HashMap<>();

    // since the last snapshot
    private long dtMillis;
    private long dCpu;
    private boolean cpuKnown;
    private long dRequests;
    private long dShed;
    private long dErrors;
    private long dGcCount;
    private long dGcMillis;
    private Long pauseMax;
    private HistogramCounts latency = HistogramCounts.EMPTY;
    private Long latencyMax;
    private HistogramCounts lag = HistogramCounts.EMPTY;
    private Long lagMax;

    /** Every latency since the worker started, for the cumulative histogram. */
    private HistogramCounts latencyTotal = HistogramCounts.EMPTY;
    private Interval last;

    WorkerFigures(long pid) {
        this.pid = pid;
    }

    /** The latest heartbeat's fields. */
    Map<String, String> fields() {
        return fields;
    }

    long lastHeartbeatNanos() {
        return lastHeartbeatNanos;
    }

    void heartbeat(Map<String, String> f, long nowNanos) {
        fields = f;
        lastHeartbeatNanos = nowNanos;
        long up = number(f, "uptimeMillis", -1);
        long dt = up - uptime;
        if (up < 0 || dt <= 0) return; // no clock, or a repeat: nothing to add
        uptime = up;
        dtMillis += dt;

        long c = number(f, "cpuNanos", -1);
        if (c >= 0) {
            dCpu += Math.max(0, c - cpu);
            cpu = c;
            cpuKnown = true;
        }
        long r = number(f, REQUESTS, -1);
        if (r >= 0) {
            dRequests += Math.max(0, r - requests);
            requests = r;
        }
        long s = number(f, SHED, -1);
        if (s >= 0) {
            dShed += Math.max(0, s - shed);
            shed = s;
        }
        long e = number(f, ERRORS, -1);
        if (e >= 0) {
            dErrors += Math.max(0, e - errors);
            errors = e;
        }
        for (GcCollector gc : collectors(f)) {
            long[] seen = gcSeen.computeIfAbsent(gc.name(), n -> new long[2]);
            if (gc.pauses()) {
                dGcCount += Math.max(0, gc.count() - seen[0]);
                dGcMillis += Math.max(0, gc.millis() - seen[1]);
            }
            seen[0] = gc.count();
            seen[1] = gc.millis();
        }
        pauseMax = max(pauseMax, f.containsKey("gcPauseMaxMillis") ? number(f, "gcPauseMaxMillis", -1) : -1);
        HistogramCounts beat = HistogramCounts.fromFields(LATENCY, f);
        latency = latency.plus(beat);
        latencyTotal = latencyTotal.plus(beat);
        latencyMax = max(latencyMax, number(f, LATENCY + ".max", -1));
        lag = lag.plus(HistogramCounts.fromFields(LAG, f));
        lagMax = max(lagMax, number(f, LAG + ".max", -1));
    }

    /**
     * The interval since the previous call: what the heartbeats brought, or the previous interval
     * again when none came (heartbeats and snapshots are not in phase). Null before the first.
     */
    Interval takeInterval() {
        if (dtMillis <= 0) return last;
        double seconds = dtMillis / 1000.0;
        boolean http = fields.containsKey(REQUESTS);
        boolean gcReported = !gcSeen.isEmpty();
        last = new Interval(
                cpuKnown ? dCpu / 1e7 / seconds : null,
                http ? dRequests / seconds : null,
                http ? dShed / seconds : null,
                gcReported ? dGcCount / seconds : null,
                gcReported ? dGcMillis / seconds : null,
                pauseMax,
                fields.containsKey(REQUESTS) ? latency : null,
                latencyMax,
                fields.containsKey(LAG + ".max") || !lag.isEmpty() ? lag : null,
                lagMax,
                fields.containsKey(ERRORS) ? dErrors / seconds : null);
        dtMillis = 0;
        dCpu = 0;
        cpuKnown = false;
        dRequests = 0;
        dShed = 0;
        dErrors = 0;
        dGcCount = 0;
        dGcMillis = 0;
        pauseMax = null;
        latency = HistogramCounts.EMPTY;
        latencyMax = null;
        lag = HistogramCounts.EMPTY;
        lagMax = null;
        return last;
    }

    /** The worker's snapshot from its latest heartbeat and {@code interval}. */
    WorkerSnapshot snapshot(SlotSample s, Long rss, Interval i) {
        Map<String, String> f = fields;
        long heapMax = number(f, "heapMax", -1);
        long cpuNow = number(f, "cpuNanos", -1);
        Long latencyMaxMicros = i == null ? null : i.latencyMaxMicros();
        HistogramCounts lat = i == null ? null : i.latency();
        HistogramCounts lg = i == null ? null : i.lag();
        long sum = number(f, LATENCY_SUM, -1);
        return new WorkerSnapshot(s.slot(), s.pid(), s.state(), s.generation(), s.restarts(), s.uptimeMillis(),
                i == null ? null : i.cpuPercent(),
                rss,
                positive(f, "heapUsed"),
                positive(f, "heapCommitted"),
                heapMax >= 0 ? heapMax : null,
                f.containsKey("threads") ? Integer.valueOf((int) number(f, "threads", 0)) : null,
                i == null ? null : i.requestsPerSecond(),
                quantileMillis(lat, 0.5, latencyMaxMicros),
                quantileMillis(lat, 0.99, latencyMaxMicros),
                latencyMaxMicros == null ? null : latencyMaxMicros / 1000.0,
                quantileMillis(lg, 0.99, i == null ? null : i.lagMaxMicros()),
                positive(f, CONNECTIONS),
                positive(f, INFLIGHT),
                i == null ? null : i.shedPerSecond(),
                positive(f, REQUESTS),
                positive(f, SHED),
                sum >= 0 ? sum / 1e6 : null,
                cpuNow >= 0 ? cpuNow / 1e9 : null,
                i == null ? null : i.gcPerSecond(),
                i == null ? null : i.gcMillisPerSecond(),
                i == null ? null : i.gcPauseMaxMillis(),
                f.isEmpty() ? null : collectors(f),
                i == null ? null : i.errorsPerSecond(),
                responses(f),
                positive(f, ABORTS),
                positive(f, ACCEPTS),
                f.get(SocketFigures.SOURCE),
                latencyTotal.isEmpty() ? null : buckets(latencyTotal));
    }

    /** Responses since start by status class, from {@code app.http.status.<class>}; null when none is reported. */
    private static Map<String, Long> responses(Map<String, String> f) {
        Map<String, Long> by = new java.util.TreeMap<>();
        for (Map.Entry<String, String> e : f.entrySet()) {
            if (!e.getKey().startsWith(STATUS)) continue;
            long n = number(f, e.getKey(), -1);
            if (n >= 0) by.put(e.getKey().substring(STATUS.length()), n);
        }
        return by.isEmpty() ? null : by;
    }

    /** The requests at or below each of {@link WorkerSnapshot#LATENCY_BOUNDS_SECONDS}, then all of them. */
    private static List<Long> buckets(HistogramCounts total) {
        List<Long> counts = new ArrayList<>(WorkerSnapshot.LATENCY_BOUNDS_SECONDS.size() + 1);
        for (double bound : WorkerSnapshot.LATENCY_BOUNDS_SECONDS) counts.add(total.countAtMost(Math.round(bound * 1e6)));
        counts.add(total.total());
        return counts;
    }

    /** The collectors a heartbeat reports ({@code gc.<name>.count} and {@code gc.<name>.millis}), by name. */
    static List<GcCollector> collectors(Map<String, String> f) {
        List<GcCollector> list = new ArrayList<>();
        for (Map.Entry<String, String> e : f.entrySet()) {
            String k = e.getKey();
            if (!k.startsWith("gc.") || !k.endsWith(".count")) continue;
            String key = k.substring(3, k.length() - ".count".length());
            String name = key.replace('_', ' ');
            list.add(new GcCollector(name, number(f, k, 0), number(f, "gc." + key + ".millis", 0), !name.endsWith("Cycles")));
        }
        list.sort((a, b) -> a.name().compareTo(b.name()));
        return list;
    }

    /** The value at {@code q} in ms, never above the exact maximum; null without values. */
    static Double quantileMillis(HistogramCounts counts, double q, Long maxMicros) {
        if (counts == null || counts.isEmpty()) return null;
        long micros = counts.quantile(q);
        if (maxMicros != null && maxMicros >= 0) micros = Math.min(micros, maxMicros);
        return micros / 1000.0;
    }

    private static Long max(Long a, long b) {
        if (b < 0) return a;
        return a == null ? b : Math.max(a, b);
    }

    private static Long positive(Map<String, String> f, String key) {
        long v = number(f, key, -1);
        return v >= 0 ? v : null;
    }

    static long number(Map<String, String> f, String key, long dflt) {
        String v = f.get(key);
        if (v == null) return dflt;
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            return dflt;
        }
    }
}
