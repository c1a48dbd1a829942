package io.jcluster.cli.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcluster.runtime.metrics.Histogram;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Heartbeats in, snapshots out: the primary's arithmetic, on a clock the test moves. */
class AppMetricsTest {
    private long nanos = TimeUnit.SECONDS.toNanos(100);
    private long millis = 1_700_000_000_000L;
    private final Map<Long, Long> rss = new HashMap<>();
    private final AppMetrics metrics = new AppMetrics("hello", Duration.ofSeconds(1), rss::get, () -> nanos, () -> millis);

    private void advance(long ms) {
        nanos += TimeUnit.MILLISECONDS.toNanos(ms);
        millis += ms;
    }

    /** A heartbeat of an app that links worker-runtime, {@code uptime} ms after the worker started. */
    private static Map<String, String> beat(long uptime, long cpuNanos, long requests, long shed, long youngCount, long youngMillis,
                                            long pauseMax, Map<Long, Long> latencyMicros, long latencyMax) {
        Map<String, String> f = new HashMap<>();
        f.put("uptimeMillis", Long.toString(uptime));
        f.put("heapUsed", "104857600");
        f.put("heapCommitted", "209715200");
        f.put("heapMax", "268435456");
        f.put("threads", "31");
        f.put("cpuNanos", Long.toString(cpuNanos));
        f.put("gc.G1_Young_Generation.count", Long.toString(youngCount));
        f.put("gc.G1_Young_Generation.millis", Long.toString(youngMillis));
        f.put("gc.G1_Old_Generation.count", "0");
        f.put("gc.G1_Old_Generation.millis", "0");
        f.put("gc.ZGC_Cycles.count", "500");
        f.put("gc.ZGC_Cycles.millis", "90000");
        f.put("gcPauseMaxMillis", Long.toString(pauseMax));
        f.put("app.http.requests", Long.toString(requests));
        f.put("app.http.shed", Long.toString(shed));
        f.put("app.http.inflight", "3");
        f.put("app.http.latency.sum", "1500000");
        f.put("app.connections", "64");
        if (latencyMax >= 0) f.put("app.http.latency.max", Long.toString(latencyMax));
        latencyMicros.forEach((value, count) -> f.put("app.http.latency.b" + Histogram.bucketOf(value), Long.toString(count)));
        f.put("app.loop.lag.max", "900");
        f.put("app.loop.lag.b" + Histogram.bucketOf(150), "39");
        f.put("app.loop.lag.b" + Histogram.bucketOf(900), "1");
        return f;
    }

    private static List<SlotSample> slots(long... pids) {
        List<SlotSample> list = new ArrayList<>();
        for (int i = 0; i < pids.length; i++) list.add(new SlotSample(i, pids[i], pids[i] == 0 ? "backoff" : "ready", 2, 1, 60_000));
        return list;
    }

    @Test
    void ratesComeFromTheWorkersOwnClockAndPercentilesFromItsHistogram() {
        rss.put(42L, 300L * 1024 * 1024);
        metrics.heartbeat(0, 42, beat(10_000, 2_000_000_000L, 1000, 0, 10, 100, 0, Map.of(), -1));
        advance(1000);
        metrics.tick("online", slots(42));
        // 2 s of worker time later: 800 requests, 10 shed, half a core, 4 young GCs of 60 ms, one 20 ms pause
        metrics.heartbeat(0, 42, beat(12_000, 3_000_000_000L, 1800, 10, 14, 160, 20,
                Map.of(1000L, 790L, 50_000L, 10L), 52_000));
        advance(1000);
        AppSnapshot s = metrics.tick("online", slots(42));

        WorkerSnapshot w = s.workers().get(0);
        assertEquals(400.0, w.requestsPerSecond());
        assertEquals(5.0, w.shedPerSecond());
        assertEquals(50.0, w.cpuPercent(), 1e-9);
        assertEquals(2.0, w.gcPerSecond(), "4 collections in 2 s; the concurrent cycles of 'ZGC Cycles' do not count");
        assertEquals(30.0, w.gcMillisPerSecond());
        assertEquals(20L, w.gcPauseMaxMillis());
        assertEquals(Histogram.upperBound(Histogram.bucketOf(1000)) / 1000.0, w.latencyP50Millis());
        assertEquals(Histogram.upperBound(Histogram.bucketOf(50_000)) / 1000.0, w.latencyP99Millis());
        assertEquals(52.0, w.latencyMaxMillis());
        assertEquals(0.9, w.loopLagP99Millis(), "rank 40 of 40 lag samples: the 900 us one (its bucket, clipped to the max)");
        assertEquals(300L * 1024 * 1024, w.rssBytes());
        assertEquals(100L * 1024 * 1024, w.heapUsedBytes());
        assertEquals(256L * 1024 * 1024, w.heapMaxBytes());
        assertEquals(31, w.threads());
        assertEquals(64L, w.openConnections());
        assertEquals(3L, w.inflightRequests());
        assertEquals(1800L, w.requestsTotal());
        assertEquals(1.5, w.latencySumSeconds());
        assertEquals(3.0, w.cpuSecondsTotal());
        assertEquals(3, w.collectors().size());
        assertEquals(new GcCollector("G1 Young Generation", 14, 160, true), w.collectors().get(1));
        assertEquals(new GcCollector("ZGC Cycles", 500, 90000, false), w.collectors().get(2));

        assertEquals(400.0, s.totals().requestsPerSecond());
        assertEquals(1, s.totals().ready());
        assertEquals(millis, s.atEpochMillis());
    }

    @Test
    void aSpareCostsMemoryButIsNoSlot() {
        rss.put(1L, 100L << 20);
        rss.put(9L, 50L << 20);
        List<SlotSample> withSpare = new ArrayList<>(slots(1));
        withSpare.add(new SlotSample(-1, 9, "spare", 2, 0, 5_000));
        AppSnapshot s = metrics.tick("online", withSpare);
        assertEquals(1, s.totals().workers(), "workers counts slots");
        assertEquals(1, s.totals().ready());
        assertEquals(2, s.workers().size(), "the spare has its row");
        assertEquals(50L << 20, s.workers().get(1).rssBytes());
        assertFalse(PrometheusText.render(s).contains("slot=\"-1\""), "no per-worker series for a spare");
    }

    @Test
    void theAppsPercentilesAreOverAllItsRequestsNotAnAverage() {
        // slot 0: 990 fast requests; slot 1: 10 slow ones. Together, the p99 is fast; slot 1's p99 is slow.
        metrics.heartbeat(0, 1, beat(1000, 0, 990, 0, 0, 0, 0, Map.of(100L, 990L), 100));
        metrics.heartbeat(1, 2, beat(1000, 0, 10, 0, 0, 0, 0, Map.of(80_000L, 10L), 80_000));
        AppSnapshot s = metrics.tick("online", slots(1, 2));
        assertEquals(1000.0, s.totals().requestsPerSecond());
        assertEquals(Histogram.upperBound(Histogram.bucketOf(100)) / 1000.0, s.totals().latencyP99Millis(),
                "rank 990 of 1000 is a fast one");
        assertEquals(80.0, s.totals().latencyMaxMillis());
        assertEquals(80.0, s.workers().get(1).latencyP99Millis(), "clipped to the exact maximum");
    }

    @Test
    void anIntervalWithoutAHeartbeatRepeatsThePreviousOneUntilTheWorkerGoesSilent() {
        metrics.heartbeat(0, 7, beat(1000, 0, 100, 0, 0, 0, 0, Map.of(), -1));
        WorkerSnapshot first = metrics.tick("online", slots(7)).workers().get(0);
        assertEquals(100.0, first.requestsPerSecond());
        advance(1000);
        WorkerSnapshot again = metrics.tick("online", slots(7)).workers().get(0);
        assertEquals(100.0, again.requestsPerSecond(), "heartbeats and snapshots are not in phase: no flicker to nothing");
        advance(3000);
        WorkerSnapshot silent = metrics.tick("online", slots(7)).workers().get(0);
        assertNull(silent.requestsPerSecond(), "three intervals without a heartbeat: the figures are unknown, not 0");
        assertNull(silent.heapUsedBytes());
        assertEquals(7, silent.pid());
        assertEquals("ready", silent.state());
    }

    @Test
    void anAppThatLinksNothingHasNoRequestFiguresAndASlotWithoutWorkerNoFiguresAtAll() {
        Map<String, String> jvmOnly = beat(1000, 1_000_000, 0, 0, 1, 5, 5, Map.of(), -1);
        jvmOnly.keySet().removeIf(k -> k.startsWith("app."));
        metrics.heartbeat(0, 9, jvmOnly);
        rss.put(9L, 1024L);
        AppSnapshot s = metrics.tick("degraded", slots(9, 0));
        WorkerSnapshot w = s.workers().get(0);
        assertNull(w.requestsPerSecond());
        assertNull(w.latencyP99Millis());
        assertNull(w.loopLagP99Millis());
        assertNull(w.openConnections());
        assertNull(w.requestsTotal());
        assertNotNull(w.cpuPercent());
        assertEquals(1.0, w.gcPerSecond());
        WorkerSnapshot empty = s.workers().get(1);
        assertEquals(0, empty.pid());
        assertEquals("backoff", empty.state());
        assertNull(empty.rssBytes());
        assertNull(empty.cpuPercent());
        assertNull(s.totals().requestsPerSecond());
        assertNull(s.totals().latencyP99Millis());
        assertEquals(1024L, s.totals().rssBytes());
        assertEquals(2, s.totals().restarts());
    }

    @Test
    void keepsFiveMinutesOfHistoryRecentExitsAndFeedsSubscribers() throws Exception {
        List<AppSnapshot> got = new ArrayList<>();
        AutoCloseable subscription = metrics.subscribe(got::add);
        for (int i = 0; i < 400; i++) {
            advance(1000);
            metrics.tick("online", slots(1));
        }
        assertEquals(301, metrics.snapshots().size(), "5 minutes at 1 s, and the current one");
        assertEquals(61, metrics.history(Duration.ofMinutes(1)).size());
        assertEquals(400, got.size());
        assertSame(got.get(399), metrics.latest());
        subscription.close();
        metrics.tick("online", slots(1));
        assertEquals(400, got.size(), "closed: no more");

        for (int i = 0; i < 60; i++) metrics.exited(new WorkerExit(0, 100 + i, 1, 137, "KILL", millis, "crashed"));
        assertEquals(AppMetrics.EXITS_KEPT, metrics.recentExits().size());
        assertEquals(159, metrics.recentExits().get(AppMetrics.EXITS_KEPT - 1).pid(), "the latest last");
        assertEquals("signal KILL", metrics.recentExits().get(0).describe());
    }

    @Test
    void readsResidentMemoryFromProc() {
        assertEquals(123L, ProcessMemory.residentPages("5000 123 45 6 0 789 0\n"));
        assertNull(ProcessMemory.residentPages("0\n"));
        Long self = ProcessMemory.rssBytes(ProcessHandle.current().pid());
        assertTrue(self != null && self > 1024 * 1024, "this JVM has some resident memory: " + self);
        long vmRss = vmRssKb() * 1024; // what the kernel's status says, read just after
        assertTrue(Math.abs(vmRss - self) < vmRss / 5, "statm's resident pages times the page size agree with VmRSS: " + self + " vs " + vmRss);
        assertNull(ProcessMemory.rssBytes(0));
    }

    private static long vmRssKb() {
        try {
            String status = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/self/status"));
            int at = status.indexOf("VmRSS:");
            return Long.parseLong(status.substring(at + 6, status.indexOf("kB", at)).trim());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
