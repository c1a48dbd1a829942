package io.jcluster.runtime.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GcWatchTest {

    @Test
    void reportsEveryCollectorAndThePauseOfTheInterval() throws InterruptedException {
        GcWatch watch = GcWatch.start();
        System.gc();
        Map<String, String> fields = new HashMap<>();
        // Notifications are delivered on another thread: wait for the pause to be seen.
        for (int i = 0; i < 100 && Long.parseLong(fields.getOrDefault("gcPauseMaxMillis", "0")) == 0; i++) {
            Map<String, String> next = new HashMap<>();
            watch.putFields(next);
            if (Long.parseLong(next.get("gcPauseMaxMillis")) > 0 || fields.isEmpty()) fields = next;
            Thread.sleep(20);
            if (i == 50) System.gc();
        }
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            String key = GcWatch.key(gc.getName());
            assertTrue(fields.containsKey("gc." + key + ".count"), fields::toString);
            assertTrue(fields.containsKey("gc." + key + ".millis"), fields::toString);
        }
        long total = ManagementFactory.getGarbageCollectorMXBeans().stream().mapToLong(GarbageCollectorMXBean::getCollectionCount).sum();
        assertTrue(total > 0, "System.gc() collected");
        assertTrue(fields.containsKey("gcPauseMaxMillis"));

        Map<String, String> after = new HashMap<>();
        watch.putFields(after);
        assertEquals("0", after.get("gcPauseMaxMillis"), "the pause figure is per interval");
    }

    @Test
    void namesBecomeWireKeysAndCyclesAreNotPauses() {
        assertEquals("G1_Young_Generation", GcWatch.key("G1 Young Generation"));
        assertEquals("PS_MarkSweep", GcWatch.key("PS MarkSweep"));
        assertTrue(GcWatch.pauses("G1 Old Generation"));
        assertTrue(GcWatch.pauses("ZGC Pauses"));
        assertFalse(GcWatch.pauses("ZGC Cycles"));
        assertFalse(GcWatch.pauses("Shenandoah Cycles"));
    }
}
