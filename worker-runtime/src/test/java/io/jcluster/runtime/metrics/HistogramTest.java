package io.jcluster.runtime.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

class HistogramTest {

    @Test
    void bucketsAreContiguousAndCoverEveryLong() {
        assertEquals(0, Histogram.bucketOf(-5));
        long expectedLower = 0;
        for (int b = 0; b < Histogram.BUCKETS; b++) {
            assertEquals(expectedLower, Histogram.lowerBound(b), "bucket " + b);
            assertEquals(b, Histogram.bucketOf(Histogram.lowerBound(b)));
            assertEquals(b, Histogram.bucketOf(Histogram.upperBound(b)));
            if (b < Histogram.BUCKETS - 1) {
                expectedLower = Histogram.upperBound(b) + 1;
            }
        }
        assertEquals(Long.MAX_VALUE, Histogram.upperBound(Histogram.BUCKETS - 1));
        assertEquals(Histogram.BUCKETS - 1, Histogram.bucketOf(Long.MAX_VALUE));
        assertThrows(IllegalArgumentException.class, () -> Histogram.lowerBound(Histogram.BUCKETS));
    }

    @Test
    void smallValuesAreExactAndLargeOnesWithinOneSixteenth() {
        for (long v = 0; v < 16; v++) {
            int b = Histogram.bucketOf(v);
            assertEquals(v, Histogram.lowerBound(b));
            assertEquals(v, Histogram.upperBound(b));
        }
        for (int i = 0; i < 10_000; i++) {
            long v = ThreadLocalRandom.current().nextLong(16, Long.MAX_VALUE / 2);
            int b = Histogram.bucketOf(v);
            long width = Histogram.upperBound(b) - Histogram.lowerBound(b) + 1;
            assertTrue(width * 16 <= Histogram.lowerBound(b) + width, v + " in a bucket of width " + width);
        }
    }

    @Test
    void intervalsCountOnlyWhatCameSinceTheLastOne() {
        Histogram h = new Histogram();
        long[] seen = new long[Histogram.BUCKETS];
        for (int i = 1; i <= 100; i++) h.record(i * 10L); // 10..1000 µs
        HistogramCounts first = h.intervalSince(seen);
        assertEquals(100, first.total());
        assertEquals(100, h.count());
        assertEquals(50_500, h.sum());
        assertEquals(1000, h.takeMax());
        assertEquals(-1, h.takeMax(), "the maximum is per interval");
        // p50 is 500 (bucket 496..511), p99 is 990 (bucket 960..991), p100 is 1000 (bucket 992..1023)
        assertEquals(511, first.quantile(0.5));
        assertEquals(991, first.quantile(0.99));
        assertEquals(1023, first.quantile(1));

        assertEquals(HistogramCounts.EMPTY, h.intervalSince(seen));
        assertEquals(-1, HistogramCounts.EMPTY.quantile(0.99));
        h.record(7);
        HistogramCounts second = h.intervalSince(seen);
        assertEquals(1, second.total());
        assertEquals(7, second.quantile(0.99));
    }

    @Test
    void countsTravelAsFiguresAndMerge() {
        Histogram a = new Histogram();
        Histogram b = new Histogram();
        for (int i = 0; i < 99; i++) a.record(100);
        b.record(100);
        b.record(5000);
        Map<String, Long> figures = new LinkedHashMap<>();
        a.intervalSince(new long[Histogram.BUCKETS]).putFigures("http.latency", figures);
        assertEquals(Map.of("http.latency.b" + Histogram.bucketOf(100), 99L), figures);

        Map<String, String> fields = new HashMap<>();
        fields.put("app.http.latency.b" + Histogram.bucketOf(100), "99");
        fields.put("app.http.latency.max", "100");
        fields.put("app.http.latency.bogus", "1");
        fields.put("app.other.b3", "4");
        HistogramCounts fromA = HistogramCounts.fromFields("app.http.latency", fields);
        assertEquals(a.count(), fromA.total());

        HistogramCounts merged = fromA.plus(b.intervalSince(new long[Histogram.BUCKETS]));
        assertEquals(101, merged.total());
        assertEquals(Histogram.upperBound(Histogram.bucketOf(100)), merged.quantile(0.99));
        assertEquals(Histogram.upperBound(Histogram.bucketOf(5000)), merged.quantile(1));
        assertEquals(merged, merged.plus(HistogramCounts.EMPTY));
    }

    @Test
    void concurrentRecordingLosesNothing() throws InterruptedException {
        Histogram h = new Histogram();
        int threads = 4;
        int each = 50_000;
        CountDownLatch done = new CountDownLatch(threads);
        for (int t = 0; t < threads; t++) {
            new Thread(() -> {
                for (int i = 0; i < each; i++) h.record(i % 2000);
                done.countDown();
            }).start();
        }
        done.await();
        assertEquals((long) threads * each, h.count());
        assertEquals((long) threads * each, h.intervalSince(new long[Histogram.BUCKETS]).total());
        assertEquals(1999, h.takeMax());
    }
}
