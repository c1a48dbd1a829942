package io.jcluster.cli.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RecycleScheduleTest {
    private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");

    @Test
    void everyWithoutJitterIsExact() {
        assertEquals(START.plus(Duration.ofHours(24)), RecycleSchedule.next(START, Duration.ofHours(24), Duration.ZERO, new SplittableRandom(1)));
        assertNull(RecycleSchedule.next(START, null, Duration.ofHours(1), new SplittableRandom(1)), "no every, no schedule");
    }

    @Test
    void jitterStaysWithinItsBoundAndSpreads() {
        SplittableRandom random = new SplittableRandom(42);
        Instant lo = START.plus(Duration.ofHours(24));
        Instant hi = lo.plus(Duration.ofHours(1));
        long distinct = java.util.stream.IntStream.range(0, 200)
                .mapToObj(i -> RecycleSchedule.next(START, Duration.ofHours(24), Duration.ofHours(1), random))
                .peek(t -> assertTrue(!t.isBefore(lo) && t.isBefore(hi), t.toString()))
                .distinct().count();
        assertTrue(distinct > 150, "apps started together do not recycle together: " + distinct);
    }

    @Test
    void maxRequests() {
        assertFalse(RecycleSchedule.servedEnough(9_999, 10_000L));
        assertTrue(RecycleSchedule.servedEnough(10_000, 10_000L));
        assertFalse(RecycleSchedule.servedEnough(Long.MAX_VALUE, null));
    }

    @Test
    void aDueRecycleNeverOverlapsAChangeAndWaitsOutADegradedApp() {
        Instant due = START.plus(Duration.ofHours(24));
        assertEquals(RecycleSchedule.Decision.NOT_YET, RecycleSchedule.decide(due.minusMillis(1), due, false, false));
        assertEquals(RecycleSchedule.Decision.RECYCLE, RecycleSchedule.decide(due, due, false, false));
        assertEquals(RecycleSchedule.Decision.WAIT, RecycleSchedule.decide(due, due, true, false));
        assertEquals(RecycleSchedule.Decision.WAIT, RecycleSchedule.decide(due.plusSeconds(60), due, false, true));
        assertEquals(RecycleSchedule.Decision.NOT_YET, RecycleSchedule.decide(due, null, false, false));
    }
}
