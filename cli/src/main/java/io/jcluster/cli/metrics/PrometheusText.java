package io.jcluster.cli.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * An {@link AppSnapshot} in the Prometheus text exposition format (version 0.0.4): base units
 * (seconds, bytes), counters ending in {@code _total}, every worker series labelled {@code app} and
 * {@code slot}. A figure the worker does not report has no sample (never a made-up 0); a family
 * without samples is left out.
 */
public final class PrometheusText {
    /** The content type of the format. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private PrometheusText() {}

    /** One metric family: its name, type, help, and how to read its value from a worker. */
    private record Family(String name, String type, String help, Function<WorkerSnapshot, Object> value) {}

    private static final List<Family> WORKER = List.of(
            new Family("jcluster_worker_up", "gauge", "1 when the slot's worker is ready, else 0.",
                    w -> "ready".equals(w.state()) ? 1 : 0),
            new Family("jcluster_worker_generation", "gauge", "Generation of the slot's worker (1, +1 per reload).",
                    w -> w.pid() > 0 ? w.generation() : null),
            new Family("jcluster_worker_restarts_total", "counter", "Times the slot's worker was restarted after it ended unexpectedly.",
                    WorkerSnapshot::restarts),
            new Family("jcluster_worker_uptime_seconds", "gauge", "Time since the slot's worker was started.",
                    w -> w.pid() > 0 ? w.uptimeMillis() / 1000.0 : null),
            new Family("jcluster_worker_cpu_seconds_total", "counter", "CPU time used by the worker process.",
                    WorkerSnapshot::cpuSecondsTotal),
            new Family("jcluster_worker_resident_memory_bytes", "gauge", "Resident memory of the worker process (RSS).",
                    WorkerSnapshot::rssBytes),
            new Family("jcluster_worker_heap_used_bytes", "gauge", "Java heap in use.", WorkerSnapshot::heapUsedBytes),
            new Family("jcluster_worker_heap_committed_bytes", "gauge", "Java heap committed.", WorkerSnapshot::heapCommittedBytes),
            new Family("jcluster_worker_heap_max_bytes", "gauge", "Maximum Java heap.", WorkerSnapshot::heapMaxBytes),
            new Family("jcluster_worker_threads", "gauge", "Live threads of the worker JVM.", WorkerSnapshot::threads),
            new Family("jcluster_worker_gc_pause_seconds_max", "gauge",
                    "Longest stop-the-world GC pause in the last interval.",
                    w -> w.gcPauseMaxMillis() == null ? null : w.gcPauseMaxMillis() / 1000.0),
            new Family("jcluster_worker_requests_total", "counter", "HTTP requests answered (shed ones not included).",
                    WorkerSnapshot::requestsTotal),
            new Family("jcluster_worker_requests_shed_total", "counter",
                    "HTTP requests refused with a fast 503 because the worker was overloaded.", WorkerSnapshot::shedTotal),
            new Family("jcluster_worker_requests_in_flight", "gauge", "HTTP requests admitted and not answered yet.",
                    WorkerSnapshot::inflightRequests),
            new Family("jcluster_worker_open_connections", "gauge", "Open connections of the worker's servers.",
                    WorkerSnapshot::openConnections),
            new Family("jcluster_worker_connections_accepted_total", "counter",
                    "Connections the worker accepted on the app's port (measured by the preload library).",
                    WorkerSnapshot::acceptsTotal),
            new Family("jcluster_http_requests_aborted_total", "counter",
                    "Connections closed with a request read and not answered (measured at the socket).",
                    WorkerSnapshot::abortsTotal),
            new Family("jcluster_worker_request_duration_seconds_max", "gauge", "Slowest HTTP request of the last interval.",
                    w -> seconds(w.latencyMaxMillis())),
            new Family("jcluster_worker_event_loop_lag_p99_seconds", "gauge",
                    "99th percentile of the event loops' lag in the last interval.", w -> seconds(w.loopLagP99Millis())));

    /** The exposition of {@code snapshot}; empty when it is null (no snapshot taken yet). */
    public static String render(AppSnapshot snapshot) {
        StringBuilder out = new StringBuilder(4096);
        if (snapshot == null) return "";
        String app = snapshot.app();
        AppTotals t = snapshot.totals();
        family(out, "jcluster_app_workers", "gauge", "Worker slots of the app.");
        sample(out, "jcluster_app_workers", labels("app", app), t.workers());
        family(out, "jcluster_app_workers_ready", "gauge", "Slots whose worker is ready.");
        sample(out, "jcluster_app_workers_ready", labels("app", app), t.ready());

        for (Family f : WORKER) {
            List<String[]> rows = new ArrayList<>();
            for (WorkerSnapshot w : snapshot.workers()) {
                if (w.slot() < 0) continue; // a spare serves no slot (and two would share a label)
                Object v = f.value().apply(w);
                if (v != null) rows.add(new String[] {labels("app", app, "slot", Integer.toString(w.slot())), number(v)});
            }
            if (rows.isEmpty()) continue;
            family(out, f.name(), f.type(), f.help());
            for (String[] r : rows) out.append(f.name()).append(r[0]).append(' ').append(r[1]).append('\n');
        }

        summary(out, snapshot);
        byClass(out, snapshot);
        histogram(out, snapshot);
        gc(out, snapshot, "jcluster_worker_gc_collections_total", "Garbage collections, by collector.", false);
        gc(out, snapshot, "jcluster_worker_gc_collection_seconds_total", "Time spent in garbage collections, by collector.", true);
        return out.toString();
    }

    /** Request latency as a summary: the quantiles of the last interval, the count and sum since start. */
    private static void summary(StringBuilder out, AppSnapshot snapshot) {
        String name = "jcluster_worker_request_duration_seconds";
        boolean header = false;
        for (WorkerSnapshot w : snapshot.workers()) {
            if (w.requestsTotal() == null || w.slot() < 0) continue;
            if (!header) {
                family(out, name, "summary", "HTTP request latency: quantiles over the last interval, count and sum since the worker started.");
                header = true;
            }
            String slot = Integer.toString(w.slot());
            if (w.latencyP50Millis() != null) {
                sample(out, name, labels("app", snapshot.app(), "slot", slot, "quantile", "0.5"), seconds(w.latencyP50Millis()));
            }
            if (w.latencyP99Millis() != null) {
                sample(out, name, labels("app", snapshot.app(), "slot", slot, "quantile", "0.99"), seconds(w.latencyP99Millis()));
            }
            if (w.latencySumSeconds() != null) {
                sample(out, name + "_sum", labels("app", snapshot.app(), "slot", slot), w.latencySumSeconds());
            }
            sample(out, name + "_count", labels("app", snapshot.app(), "slot", slot), w.requestsTotal());
        }
    }

    /** HTTP responses by status class, since each worker started. */
    private static void byClass(StringBuilder out, AppSnapshot snapshot) {
        String name = "jcluster_http_requests_total";
        boolean header = false;
        for (WorkerSnapshot w : snapshot.workers()) {
            if (w.responsesTotal() == null || w.slot() < 0) continue;
            if (!header) {
                family(out, name, "counter", "HTTP responses by status class (2xx, 3xx, 4xx, 5xx) since the worker started.");
                header = true;
            }
            for (Map.Entry<String, Long> e : w.responsesTotal().entrySet()) {
                sample(out, name, labels("app", snapshot.app(), "slot", Integer.toString(w.slot()), "class", e.getKey()), e.getValue());
            }
        }
    }

    /** HTTP request latency as a histogram since each worker started, where the distribution is known. */
    private static void histogram(StringBuilder out, AppSnapshot snapshot) {
        String name = "jcluster_http_request_duration_seconds";
        boolean header = false;
        List<Double> bounds = WorkerSnapshot.LATENCY_BOUNDS_SECONDS;
        for (WorkerSnapshot w : snapshot.workers()) {
            List<Long> counts = w.latencyBuckets();
            if (counts == null || counts.size() != bounds.size() + 1 || w.slot() < 0) continue;
            if (!header) {
                family(out, name, "histogram", "HTTP request latency since the worker started: from the first read of a request "
                        + "to the first write of its response where measured at the socket.");
                header = true;
            }
            String slot = Integer.toString(w.slot());
            for (int i = 0; i < bounds.size(); i++) {
                sample(out, name + "_bucket", labels("app", snapshot.app(), "slot", slot, "le", le(bounds.get(i))), counts.get(i));
            }
            long count = counts.get(bounds.size());
            sample(out, name + "_bucket", labels("app", snapshot.app(), "slot", slot, "le", "+Inf"), count);
            if (w.latencySumSeconds() != null) sample(out, name + "_sum", labels("app", snapshot.app(), "slot", slot), w.latencySumSeconds());
            sample(out, name + "_count", labels("app", snapshot.app(), "slot", slot), count);
        }
    }

    /** A bucket's bound as Prometheus clients write it: {@code 0.0001}, {@code 1}, {@code 2.5}. */
    private static String le(double bound) {
        return new java.math.BigDecimal(Double.toString(bound)).stripTrailingZeros().toPlainString();
    }

    private static void gc(StringBuilder out, AppSnapshot snapshot, String name, String help, boolean time) {
        boolean header = false;
        for (WorkerSnapshot w : snapshot.workers()) {
            if (w.collectors() == null || w.slot() < 0) continue;
            for (GcCollector c : w.collectors()) {
                if (!header) {
                    family(out, name, "counter", help);
                    header = true;
                }
                sample(out, name, labels("app", snapshot.app(), "slot", Integer.toString(w.slot()), "collector", c.name()),
                        time ? c.millis() / 1000.0 : c.count());
            }
        }
    }

    private static void family(StringBuilder out, String name, String type, String help) {
        out.append("# HELP ").append(name).append(' ').append(help.replace("\\", "\\\\").replace("\n", "\\n")).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private static void sample(StringBuilder out, String name, String labels, Object value) {
        out.append(name).append(labels).append(' ').append(number(value)).append('\n');
    }

    private static Double seconds(Double millis) {
        return millis == null ? null : millis / 1000.0;
    }

    private static String number(Object v) {
        if (v instanceof Double d) {
            if (d == Math.rint(d) && Math.abs(d) < 1e15) return Long.toString(d.longValue());
            return Double.toString(d); // 0.0042, 1.5E-4: Go's ParseFloat reads both
        }
        return String.valueOf(v);
    }

    /** {@code {k="v",...}} with the values escaped as the format wants. */
    static String labels(String... kv) {
        StringBuilder s = new StringBuilder("{");
        for (int i = 0; i < kv.length; i += 2) {
            if (i > 0) s.append(',');
            s.append(kv[i]).append("=\"")
                    .append(kv[i + 1].replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n"))
                    .append('"');
        }
        return s.append('}').toString();
    }
}
