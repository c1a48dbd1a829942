package io.jcluster.cli.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The Prometheus exposition, parsed line by line, and the endpoint that serves it. */
class PrometheusTextTest {
    private static final long MB = 1024 * 1024;

    private static WorkerSnapshot served(int slot) {
        return new WorkerSnapshot(slot, 4200 + slot, "ready", 3, 1, 125_000, 45.0, 312 * MB, 120 * MB, 200 * MB, 256 * MB, 31,
                400.0, 1.5, 4.25, 9.0, 0.4, 64L, 2L, 0.5, 100_000L, 7L, 12.5, 42.0, 2.0, 5.5, 3L,
                List.of(new GcCollector("G1 Young Generation", 120, 800, true), new GcCollector("G1 Old Generation", 0, 0, true)), null, null, null, null, null, null);
    }

    private static WorkerSnapshot jvmOnly(int slot) {
        return new WorkerSnapshot(slot, 4300 + slot, "starting", 1, 0, 2_000, 0.5, 80 * MB, 12 * MB, 64 * MB, null, 12,
                null, null, null, null, null, null, null, null, null, null, null, 1.2, 0.0, 0.0, 0L,
                List.of(new GcCollector("ZGC \"Cycles\"\\x", 2, 13, false)), null, null, null, null, null, null);
    }

    private static AppSnapshot snapshot() {
        WorkerSnapshot none = WorkerSnapshot.bare(2, 0, "backoff", 1, 4, 0, null);
        AppTotals totals = new AppTotals(1, 3, 1, 5, 400.0, 1.5, 4.25, 9.0, 0.4, 0.5, 64L, 45.5, 392 * MB, 132 * MB, null);
        return new AppSnapshot("hello", "degraded", 1, 1000, totals, List.of(served(0), jvmOnly(1), none));
    }

    @Test
    void everyLineParsesAndNamesFollowTheConventions() {
        String text = PrometheusText.render(snapshot());
        PrometheusParser.Exposition e = PrometheusParser.parse(text);
        for (String family : e.types().keySet()) {
            assertTrue(family.startsWith("jcluster_app_") || family.startsWith("jcluster_worker_") || family.startsWith("jcluster_http_"), family);
            assertTrue(!family.contains("millis") && !family.contains("_ms") && !family.contains("megabytes"), "base units: " + family);
        }
        for (PrometheusParser.Sample s : e.samples()) {
            assertEquals("hello", s.labels().get("app"), s::toString);
            if (s.name().startsWith("jcluster_worker_")) assertTrue(s.labels().containsKey("slot"), s::toString);
        }
        assertEquals("counter", e.types().get("jcluster_worker_requests_total"));
        assertEquals("gauge", e.types().get("jcluster_worker_gc_pause_seconds_max"));
        assertEquals("gauge", e.types().get("jcluster_worker_heap_used_bytes"));
        assertEquals("summary", e.types().get("jcluster_worker_request_duration_seconds"));
    }

    @Test
    void valuesAreInBaseUnitsPerSlot() {
        PrometheusParser.Exposition e = PrometheusParser.parse(PrometheusText.render(snapshot()));
        assertEquals(3, e.value("jcluster_app_workers", "app", "hello"));
        assertEquals(1, e.value("jcluster_app_workers_ready", "app", "hello"));
        assertEquals(100_000, e.value("jcluster_worker_requests_total", "app", "hello", "slot", "0"));
        assertEquals(7, e.value("jcluster_worker_requests_shed_total", "app", "hello", "slot", "0"));
        assertEquals(120 * MB, e.value("jcluster_worker_heap_used_bytes", "app", "hello", "slot", "0"));
        assertEquals(256 * MB, e.value("jcluster_worker_heap_max_bytes", "app", "hello", "slot", "0"));
        assertEquals(312 * MB, e.value("jcluster_worker_resident_memory_bytes", "app", "hello", "slot", "0"));
        assertEquals(0.003, e.value("jcluster_worker_gc_pause_seconds_max", "app", "hello", "slot", "0"));
        assertEquals(0.00425, e.value("jcluster_worker_request_duration_seconds", "app", "hello", "slot", "0", "quantile", "0.99"));
        assertEquals(0.0015, e.value("jcluster_worker_request_duration_seconds", "app", "hello", "slot", "0", "quantile", "0.5"));
        assertEquals(12.5, e.value("jcluster_worker_request_duration_seconds_sum", "app", "hello", "slot", "0"));
        assertEquals(100_000, e.value("jcluster_worker_request_duration_seconds_count", "app", "hello", "slot", "0"));
        assertEquals(0.009, e.value("jcluster_worker_request_duration_seconds_max", "app", "hello", "slot", "0"));
        assertEquals(0.0004, e.value("jcluster_worker_event_loop_lag_p99_seconds", "app", "hello", "slot", "0"));
        assertEquals(42, e.value("jcluster_worker_cpu_seconds_total", "app", "hello", "slot", "0"));
        assertEquals(120, e.value("jcluster_worker_gc_collections_total", "app", "hello", "slot", "0", "collector", "G1 Young Generation"));
        assertEquals(0.8, e.value("jcluster_worker_gc_collection_seconds_total", "app", "hello", "slot", "0", "collector", "G1 Young Generation"));
        assertEquals(1, e.value("jcluster_worker_up", "app", "hello", "slot", "0"));
        assertEquals(0, e.value("jcluster_worker_up", "app", "hello", "slot", "1"));
        assertEquals(4, e.value("jcluster_worker_restarts_total", "app", "hello", "slot", "2"));
        assertEquals(2, e.value("jcluster_worker_gc_collections_total", "app", "hello", "slot", "1", "collector", "ZGC \"Cycles\"\\x"),
                "label values are escaped and read back");
    }

    @Test
    void figuresNobodyReportsHaveNoSampleRatherThanZero() {
        PrometheusParser.Exposition e = PrometheusParser.parse(PrometheusText.render(snapshot()));
        assertNull(e.value("jcluster_worker_requests_total", "app", "hello", "slot", "1"), "slot 1 links nothing");
        assertNull(e.value("jcluster_worker_heap_max_bytes", "app", "hello", "slot", "1"));
        assertNull(e.value("jcluster_worker_heap_used_bytes", "app", "hello", "slot", "2"), "slot 2 has no worker");
        assertNull(e.value("jcluster_worker_generation", "app", "hello", "slot", "2"));
        assertEquals(0, e.value("jcluster_worker_up", "app", "hello", "slot", "2"));
        AppSnapshot jvm = new AppSnapshot("plain", "online", 1, 1000,
                new AppTotals(1, 1, 0, 0, null, null, null, null, null, null, null, null, null, null, null), List.of(jvmOnly(0)));
        PrometheusParser.Exposition plain = PrometheusParser.parse(PrometheusText.render(jvm));
        assertTrue(plain.all("jcluster_worker_requests_total").isEmpty());
        assertTrue(!plain.types().containsKey("jcluster_worker_request_duration_seconds"), "a family without samples is left out");
        assertEquals("", PrometheusText.render(null), "before the first snapshot: nothing");
    }

    @Test
    void socketFiguresAreCountersByClassAndAHistogram() {
        List<Long> buckets = new java.util.ArrayList<>();
        for (int i = 0; i < WorkerSnapshot.LATENCY_BOUNDS_SECONDS.size(); i++) buckets.add(i < 3 ? 0L : Math.min(90L, 10L * i));
        buckets.add(95L);
        WorkerSnapshot stock = new WorkerSnapshot(0, 4200, "ready", 1, 0, 60_000, 10.0, 300 * MB, 100 * MB, 200 * MB, 256 * MB, 30,
                95.0, 1.0, 3.0, 40.0, null, 4L, null, null, 100L, null, 0.5, 9.0, 1.0, 3.0, 2L, List.of(),
                2.0, java.util.Map.of("2xx", 90L, "5xx", 5L), 3L, 120L, "socket", buckets);
        AppSnapshot snap = new AppSnapshot("stock", "online", 1, 1000,
                new AppTotals(1, 1, 1, 0, 95.0, 1.0, 3.0, 40.0, null, null, 4L, 10.0, 300 * MB, 100 * MB, 2.0), List.of(stock));
        PrometheusParser.Exposition e = PrometheusParser.parse(PrometheusText.render(snap));
        assertEquals("counter", e.types().get("jcluster_http_requests_total"));
        assertEquals(90, e.value("jcluster_http_requests_total", "app", "stock", "slot", "0", "class", "2xx"));
        assertEquals(5, e.value("jcluster_http_requests_total", "app", "stock", "slot", "0", "class", "5xx"));
        assertNull(e.value("jcluster_http_requests_total", "app", "stock", "slot", "0", "class", "4xx"), "no made-up 0");
        assertEquals(3, e.value("jcluster_http_requests_aborted_total", "app", "stock", "slot", "0"));
        assertEquals(120, e.value("jcluster_worker_connections_accepted_total", "app", "stock", "slot", "0"));
        assertEquals("histogram", e.types().get("jcluster_http_request_duration_seconds"));
        assertEquals(0, e.value("jcluster_http_request_duration_seconds_bucket", "app", "stock", "slot", "0", "le", "0.0001"));
        assertEquals(30, e.value("jcluster_http_request_duration_seconds_bucket", "app", "stock", "slot", "0", "le", "0.001"));
        assertEquals(90, e.value("jcluster_http_request_duration_seconds_bucket", "app", "stock", "slot", "0", "le", "10"));
        assertEquals(95, e.value("jcluster_http_request_duration_seconds_bucket", "app", "stock", "slot", "0", "le", "+Inf"));
        assertEquals(95, e.value("jcluster_http_request_duration_seconds_count", "app", "stock", "slot", "0"));
        assertEquals(0.5, e.value("jcluster_http_request_duration_seconds_sum", "app", "stock", "slot", "0"));
        assertTrue(e.all("jcluster_http_request_duration_seconds_bucket").size() == WorkerSnapshot.LATENCY_BOUNDS_SECONDS.size() + 1);
    }

    @Test
    void theParserRejectsWhatPrometheusWould() {
        assertThrows(AssertionError.class, () -> PrometheusParser.parse("x 1\n"));
        assertThrows(AssertionError.class, () -> PrometheusParser.parse("# HELP a_total h\n# TYPE a_total counter\na_total{x=\"1} 1\n"));
        assertThrows(AssertionError.class, () -> PrometheusParser.parse("# HELP a h\n# TYPE a counter\na 1\n"));
        assertThrows(AssertionError.class, () -> PrometheusParser.parse("# HELP a h\n# TYPE a gauge\na one\n"));
    }

    @Test
    void theEndpointServesItOnItsAddressOnly() throws Exception {
        AppMetrics metrics = new AppMetrics("hello", Duration.ofSeconds(1));
        metrics.tick("online", List.of(new SlotSample(0, ProcessHandle.current().pid(), "ready", 1, 0, 1000)));
        try (PrometheusEndpoint endpoint = PrometheusEndpoint.open(InetSocketAddress.createUnresolved("127.0.0.1", 0), metrics)) {
            HttpClient client = HttpClient.newHttpClient();
            String base = "http://127.0.0.1:" + endpoint.address().getPort();
            HttpResponse<String> ok = client.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, ok.statusCode());
            assertEquals(PrometheusText.CONTENT_TYPE, ok.headers().firstValue("content-type").orElse(""));
            PrometheusParser.Exposition e = PrometheusParser.parse(ok.body());
            assertTrue(e.value("jcluster_worker_resident_memory_bytes", "app", "hello", "slot", "0") > 0, ok.body());
            assertEquals(404, client.send(HttpRequest.newBuilder(URI.create(base + "/nope")).build(), HttpResponse.BodyHandlers.ofString()).statusCode());
            assertEquals(405, client.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).POST(HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode());
            IOException taken = assertThrows(IOException.class,
                    () -> PrometheusEndpoint.open(InetSocketAddress.createUnresolved("127.0.0.1", endpoint.address().getPort()), metrics));
            assertTrue(taken.getMessage().startsWith("cannot serve Prometheus metrics on 127.0.0.1:" + endpoint.address().getPort()), taken.getMessage());
        }
    }
}
