package io.jcluster.cli.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The library's figures added to heartbeats: what it fills in, what the app's own figures keep, and the source named. */
class SocketFiguresTest {
    private static final Map<String, String> JVM = Map.of("seq", "1", "uptimeMillis", "1000");

    @Test
    void nothingUntilTheLibraryCountedAResponse() {
        SocketFigures f = new SocketFigures();
        f.conns(Map.of("open", "3", "accepted", "7"));
        assertFalse(f.any());
        assertSame(JVM, f.addTo(JVM));
    }

    @Test
    void aStockAppGetsEverythingFromTheSocketWithBucketsPerHeartbeat() {
        SocketFigures f = new SocketFigures();
        f.conns(Map.of("open", "1", "accepted", "2", "http.requests", "10", "http.status.2xx", "9", "http.status.5xx", "1",
                "http.aborts", "0", "http.latency.sum", "5000", "http.latency.b100", "6", "http.latency.b120", "4", "http.latency.max", "900"));
        Map<String, String> beat = f.addTo(JVM);
        assertEquals("10", beat.get("app.http.requests"));
        assertEquals("1", beat.get("app.http.status.5xx"));
        assertEquals("6", beat.get("app.http.latency.b100"));
        assertEquals("900", beat.get("app.http.latency.max"));
        assertEquals("socket", beat.get("app.http.source"));
        assertNull(f.addTo(JVM).get("app.http.latency.b100"), "a heartbeat with no new conns gets no bucket twice");
        f.conns(Map.of("http.requests", "13", "http.latency.b100", "9", "http.latency.b120", "4"));
        Map<String, String> next = f.addTo(JVM);
        assertEquals("3", next.get("app.http.latency.b100"), "the interval's counts: cumulative 9 less the 6 already given");
        assertNull(next.get("app.http.latency.b120"));
        assertNull(next.get("app.http.latency.max"), "the maximum is per interval");
        assertEquals("13", next.get("app.http.requests"));
    }

    @Test
    void theAppsOwnFiguresWinNameByName() {
        SocketFigures f = new SocketFigures();
        f.conns(Map.of("http.requests", "10", "http.status.2xx", "10", "http.latency.sum", "5000", "http.latency.b100", "10"));
        Map<String, String> tomcat = Map.of("app.http.requests", "11", "app.http.latency.sum", "7000", "app.http.source", "tomcat");
        Map<String, String> beat = f.addTo(tomcat);
        assertEquals("11", beat.get("app.http.requests"), "Tomcat's count");
        assertEquals("7000", beat.get("app.http.latency.sum"));
        assertEquals("10", beat.get("app.http.status.2xx"), "what Tomcat does not say comes from the socket");
        assertEquals("10", beat.get("app.http.latency.b100"), "Tomcat keeps no distribution: the socket's");
        assertEquals("tomcat+socket", beat.get("app.http.source"));

        SocketFigures g = new SocketFigures();
        g.conns(Map.of("http.requests", "10", "http.status.2xx", "10", "http.latency.b100", "10", "http.latency.max", "50"));
        Map<String, String> app = Map.of("app.http.requests", "10", "app.http.status.2xx", "10", "app.http.latency.b90", "10",
                "app.http.source", "app");
        Map<String, String> own = g.addTo(app);
        assertNull(own.get("app.http.latency.b100"), "the app's own distribution alone");
        assertEquals("10", own.get("app.http.latency.b90"));
        assertEquals("app", own.get("app.http.source"), "the socket added nothing");
        assertNull(g.addTo(Map.of("app.http.requests", "10", "app.http.status.2xx", "10", "app.http.source", "app")).get("app.http.latency.b100"),
                "nor in an interval without requests, once the app has shown its own");
    }
}
