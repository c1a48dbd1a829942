package io.jcluster.cli.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code /readyz} and {@code /healthz} on the metrics listener, with real HTTP requests, while the app
 * serves, before any worker is ready, once every slot is errored, and when the loop stalls (an injected clock).
 */
@Timeout(30)
class ProbesTest {
    final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    final ProbeState state = new ProbeState(nanos::get, Duration.ofSeconds(10));
    final HttpClient client = HttpClient.newHttpClient();
    PrometheusEndpoint endpoint;
    String base;

    @BeforeEach
    void open() throws Exception {
        endpoint = PrometheusEndpoint.open(InetSocketAddress.createUnresolved("127.0.0.1", 0), new AppMetrics("hello", Duration.ofSeconds(1)), state);
        base = "http://127.0.0.1:" + endpoint.address().getPort();
    }

    @AfterEach
    void close() {
        endpoint.close();
    }

    private HttpResponse<String> get(String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(base + path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String said(HttpResponse<String> r) {
        return r.statusCode() + " " + r.body();
    }

    @Test
    void whileServing() throws Exception {
        state.publish(2, 2, 0);
        assertEquals("200 ready\n", said(get("/readyz")));
        assertEquals("200 ok\n", said(get("/healthz")));
        assertEquals("no-store", get("/readyz").headers().firstValue("cache-control").orElse(""));
        state.publish(2, 1, 1);
        assertEquals("200 ready\n", said(get("/readyz")), "one ready worker serves");
        assertEquals("200 ok\n", said(get("/healthz")), "one errored slot of two is not a reason to restart the primary");
        assertEquals(200, get("/metrics").statusCode());
    }

    @Test
    void beforeAnyWorkerIsReady() throws Exception {
        assertEquals("503 not ready: no worker is ready\n", said(get("/readyz")));
        assertEquals("200 ok\n", said(get("/healthz")), "starting is healthy");
        state.publish(2, 0, 0);
        assertEquals(503, get("/readyz").statusCode());
    }

    @Test
    void onceEverySlotIsErrored() throws Exception {
        state.publish(2, 0, 2);
        assertEquals("503 not ready: no worker is ready\n", said(get("/readyz")));
        assertEquals("503 unhealthy: every slot is errored (2 of 2): the crash-loop guard stopped restarting them\n", said(get("/healthz")));
        state.publish(2, 0, 1);
        assertEquals(200, get("/healthz").statusCode(), "a restart cleared one");
    }

    @Test
    void whenTheLoopStalls() throws Exception {
        state.publish(1, 1, 0);
        nanos.addAndGet(Duration.ofSeconds(10).toNanos());
        assertEquals(200, get("/healthz").statusCode(), "10s is within the bound");
        nanos.addAndGet(Duration.ofMillis(2500).toNanos());
        assertEquals("503 unhealthy: the supervisor loop has not run for 12.5s (the bound is 10.0s)\n", said(get("/healthz")));
        assertEquals(200, get("/readyz").statusCode(), "the workers still serve: readiness is not liveness");
        state.tick();
        assertEquals(200, get("/healthz").statusCode());
    }

    @Test
    void headAndMethods() throws Exception {
        state.publish(1, 0, 1);
        HttpResponse<String> head = client.send(HttpRequest.newBuilder(URI.create(base + "/healthz")).method("HEAD",
                HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(503, head.statusCode());
        assertEquals("", head.body());
        assertEquals(405, client.send(HttpRequest.newBuilder(URI.create(base + "/readyz")).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode());
        assertEquals("404 not found: the metrics are at /metrics, the probes at /readyz and /healthz\n", said(get("/livez")));
    }

    @Test
    void aProbeThatThrowsIsANo() throws Exception {
        endpoint.close();
        Probes broken = new Probes() {
            @Override
            public boolean ready() {
                throw new IllegalStateException("boom");
            }

            @Override
            public String unhealthyReason() {
                throw new IllegalStateException("boom");
            }
        };
        endpoint = PrometheusEndpoint.open(InetSocketAddress.createUnresolved("127.0.0.1", 0), new AppMetrics("hello", Duration.ofSeconds(1)), broken);
        base = "http://127.0.0.1:" + endpoint.address().getPort();
        assertEquals(503, get("/readyz").statusCode());
        assertEquals("503 unhealthy: the health check failed\n", said(get("/healthz")));
    }

    @Test
    void withoutProbesThePathsAreNotServed() throws Exception {
        endpoint.close();
        endpoint = PrometheusEndpoint.open(InetSocketAddress.createUnresolved("127.0.0.1", 0), new AppMetrics("hello", Duration.ofSeconds(1)));
        base = "http://127.0.0.1:" + endpoint.address().getPort();
        assertEquals("404 not found: the metrics are at /metrics\n", said(get("/healthz")));
    }

    @Test
    void theStateAlone() {
        assertFalse(state.ready());
        assertNull(state.unhealthyReason());
        state.publish(0, 0, 0);
        assertNull(state.unhealthyReason(), "no slots (scaled to zero) is not every slot errored");
        assertThrows(IllegalArgumentException.class, () -> new ProbeState(nanos::get, Duration.ZERO));
        state.publish(3, 3, 0);
        assertTrue(state.ready());
    }
}
