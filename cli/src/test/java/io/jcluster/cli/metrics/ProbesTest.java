package io.jcluster.cli.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
 * {@code /startupz}, {@code /readyz} and {@code /healthz} on the metrics listener, with real HTTP requests,
 * with Kubernetes' meanings: while the app starts (started with the first ready worker, ready with the
 * last), serves, is cordoned, stops, once every slot is errored, and when the loop stalls (an injected clock).
 * The same paths against a real primary in a pod: {@code PodIT}.
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
        assertEquals("200 started\n", said(get("/startupz")));
        assertEquals("200 ready\n", said(get("/readyz")));
        assertEquals("200 ok\n", said(get("/healthz")));
        assertEquals("no-store", get("/readyz").headers().firstValue("cache-control").orElse(""));
        state.publish(2, 1, 1);
        assertEquals("200 ready\n", said(get("/readyz")), "one ready worker serves");
        assertEquals("200 ok\n", said(get("/healthz")), "one errored slot of two is not a reason to restart the primary");
        state.publish(4, 2, 0);
        assertEquals("200 ready\n", said(get("/readyz")), "new slots of a scale up starting: the others serve");
        state.publish(2, 0, 0);
        assertEquals("503 not ready: no worker is ready\n", said(get("/readyz")), "every worker crashed at once");
        assertEquals("200 started\n", said(get("/startupz")), "started stays started");
        assertEquals(200, get("/metrics").statusCode());
    }

    @Test
    void whileStarting() throws Exception {
        assertEquals("503 not started: no worker has been ready yet\n", said(get("/startupz")));
        assertEquals("503 not ready: no worker is ready\n", said(get("/readyz")));
        assertEquals("200 ok\n", said(get("/healthz")), "starting is healthy");
        state.publish(2, 1, 0);
        assertEquals("200 started\n", said(get("/startupz")), "the first ready worker");
        assertEquals("503 not ready: starting: 1 of 2 slots have a ready worker\n", said(get("/readyz")), "until the last");
        state.publish(2, 2, 0);
        assertEquals(200, get("/readyz").statusCode());
    }

    @Test
    void cordonedAndStopping() throws Exception {
        state.publish(2, 2, 0);
        state.cordon(true);
        assertEquals("503 not ready: cordoned (jcluster uncordon puts it back)\n", said(get("/readyz")));
        assertEquals("200 ok\n", said(get("/healthz")), "cordoned is alive");
        state.cordon(false);
        assertEquals(200, get("/readyz").statusCode());
        state.publish(2, 2, 0, true);
        assertEquals("503 not ready: the app is stopping\n", said(get("/readyz")), "out of the balancer while it drains");
        assertEquals("200 ok\n", said(get("/healthz")), "a stop is not a reason to kill the primary");
    }

    @Test
    void onceEverySlotIsErrored() throws Exception {
        state.publish(2, 0, 2);
        assertEquals("503 not started: every slot is errored before any worker was ready\n", said(get("/startupz")));
        assertEquals("503 not ready: every slot is errored\n", said(get("/readyz")));
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
        assertEquals("404 not found: the metrics are at /metrics, the probes at /startupz, /readyz and /healthz\n", said(get("/livez")));
    }

    @Test
    void aProbeThatThrowsIsANo() throws Exception {
        endpoint.close();
        Probes broken = new Probes() {
            @Override
            public String notStarted() {
                throw new IllegalStateException("boom");
            }

            @Override
            public String notReady() {
                throw new IllegalStateException("boom");
            }

            @Override
            public String unhealthyReason() {
                throw new IllegalStateException("boom");
            }
        };
        endpoint = PrometheusEndpoint.open(InetSocketAddress.createUnresolved("127.0.0.1", 0), new AppMetrics("hello", Duration.ofSeconds(1)), broken);
        base = "http://127.0.0.1:" + endpoint.address().getPort();
        assertEquals("503 not started: the startup check failed\n", said(get("/startupz")));
        assertEquals("503 not ready: the readiness check failed\n", said(get("/readyz")));
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
        assertEquals("no worker is ready", state.notReady());
        assertNull(state.unhealthyReason());
        state.publish(0, 0, 0);
        assertNull(state.unhealthyReason(), "no slots (scaled to zero) is not every slot errored");
        assertThrows(IllegalArgumentException.class, () -> new ProbeState(nanos::get, Duration.ZERO));
        state.publish(3, 3, 0);
        assertNull(state.notReady());
        assertNull(state.notStarted());
    }
}
