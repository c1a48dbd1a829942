package io.jcluster.runtime.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class WorkerMetricsTest {

    @Test
    void reportsNothingItDoesNotMeasure() {
        assertEquals(Map.of(), new WorkerMetrics().figures(), "an app that serves nothing through jcluster has no figures");
    }

    @Test
    void requestFiguresAreCumulativeAndLatencyPerInterval() {
        WorkerMetrics m = new WorkerMetrics();
        m.httpServer();
        m.connections(() -> 3);
        m.connections(() -> 2);
        Map<String, Long> idle = m.figures();
        assertEquals(0L, idle.get(WorkerMetrics.REQUESTS), "an idle HTTP server reports 0 requests, not nothing");
        assertEquals(5L, idle.get(WorkerMetrics.CONNECTIONS));
        assertFalse(idle.containsKey(WorkerMetrics.LATENCY + ".max"));

        m.requestStarted();
        m.requestStarted();
        m.requestStarted();
        m.responded(1200);
        m.responded(300);
        m.shed();
        Map<String, Long> f = m.figures();
        assertEquals(2L, f.get(WorkerMetrics.REQUESTS));
        assertEquals(1L, f.get(WorkerMetrics.INFLIGHT));
        assertEquals(1L, f.get(WorkerMetrics.SHED));
        assertEquals(1500L, f.get(WorkerMetrics.LATENCY_SUM));
        assertEquals(1200L, f.get(WorkerMetrics.LATENCY + ".max"));
        assertEquals(1L, f.get(WorkerMetrics.LATENCY + ".b" + Histogram.bucketOf(1200)));
        assertEquals(1L, f.get(WorkerMetrics.LATENCY + ".b" + Histogram.bucketOf(300)));

        m.abandoned(1);
        Map<String, Long> next = m.figures();
        assertEquals(2L, next.get(WorkerMetrics.REQUESTS), "cumulative");
        assertEquals(0L, next.get(WorkerMetrics.INFLIGHT));
        assertTrue(next.keySet().stream().noneMatch(k -> k.startsWith(WorkerMetrics.LATENCY + ".b")), "a new interval: " + next);
    }

    @Test
    void lagFiguresOnceLoopsAreProbed() {
        WorkerMetrics m = new WorkerMetrics();
        m.probingLoops();
        m.loopLag(150);
        m.loopLag(40_000);
        Map<String, Long> f = m.figures();
        assertEquals(40_000L, f.get(WorkerMetrics.LAG + ".max"));
        assertEquals(1L, f.get(WorkerMetrics.LAG + ".b" + Histogram.bucketOf(150)));
        assertFalse(f.containsKey(WorkerMetrics.REQUESTS));
    }
}
