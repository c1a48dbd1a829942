package io.jcluster.runtime.agent;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

/**
 * The garbage collectors of the worker, for its heartbeats: each collector's count and time, and
 * the longest stop-the-world pause since the previous heartbeat, from the JDK's GC notifications.
 *
 * <p>Collectors whose name ends in {@code Cycles} (ZGC, Shenandoah) report concurrent cycles, not
 * pauses: they are counted but do not make a pause. JDK only; the notifications come from
 * {@code jdk.management}, and without it the pause figure is left out. Thread-safe.
 */
final class GcWatch {

    private final List<GarbageCollectorMXBean> collectors;
    private final List<String> keys = new ArrayList<>();
    private final AtomicLong longestPause = new AtomicLong();
    private volatile boolean listening;

    private GcWatch(List<GarbageCollectorMXBean> collectors) {
        this.collectors = collectors;
        for (GarbageCollectorMXBean gc : collectors) {
            keys.add(key(gc.getName()));
        }
    }

    /** Watches the collectors of this JVM. Never throws. */
    static GcWatch start() {
        List<GarbageCollectorMXBean> beans;
        try {
            beans = ManagementFactory.getGarbageCollectorMXBeans();
        } catch (RuntimeException | LinkageError e) {
            beans = List.of();
        }
        GcWatch watch = new GcWatch(beans);
        try {
            NotificationListener listener = new PauseListener(watch.longestPause);
            for (GarbageCollectorMXBean gc : beans) {
                if (gc instanceof NotificationEmitter emitter) {
                    emitter.addNotificationListener(listener, null, null);
                    watch.listening = true;
                }
            }
        } catch (RuntimeException | LinkageError e) {
            // no pause figure; counts and times still go out
        }
        return watch;
    }

    /**
     * Adds {@code gc.<collector>.count}, {@code gc.<collector>.millis} (cumulative) and
     * {@code gcPauseMaxMillis} (longest pause since the previous call; 0 when there was none).
     */
    void putFields(Map<String, String> fields) {
        for (int i = 0; i < collectors.size(); i++) {
            GarbageCollectorMXBean gc = collectors.get(i);
            try {
                fields.put("gc." + keys.get(i) + ".count", Long.toString(Math.max(0, gc.getCollectionCount())));
                fields.put("gc." + keys.get(i) + ".millis", Long.toString(Math.max(0, gc.getCollectionTime())));
            } catch (RuntimeException e) {
                // leave this collector out
            }
        }
        if (listening) {
            fields.put("gcPauseMaxMillis", Long.toString(longestPause.getAndSet(0)));
        }
    }

    /** A collector name as a wire key: {@code G1 Young Generation} → {@code G1_Young_Generation}. */
    static String key(String name) {
        String k = name.replaceAll("[^a-zA-Z0-9_.-]", "_");
        return k.isEmpty() ? "_" : k;
    }

    /** Whether collections of {@code collector} stop the world (not a concurrent-cycle collector). */
    static boolean pauses(String collector) {
        return !collector.endsWith("Cycles");
    }

    /** Kept apart so that a JDK without {@code com.sun.management} fails only here, at start. */
    private static final class PauseListener implements NotificationListener {
        private final AtomicLong longest;

        PauseListener(AtomicLong longest) {
            this.longest = longest;
            // Load the class now: a missing jdk.management shows at start, not in a notification.
            com.sun.management.GarbageCollectionNotificationInfo.class.getName();
        }

        @Override
        public void handleNotification(Notification n, Object handback) {
            if (!com.sun.management.GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())
                    || !(n.getUserData() instanceof CompositeData data)) {
                return;
            }
            try {
                var info = com.sun.management.GarbageCollectionNotificationInfo.from(data);
                if (!pauses(info.getGcName())) {
                    return;
                }
                long ms = info.getGcInfo().getDuration();
                long seen = longest.get();
                while (ms > seen && !longest.compareAndSet(seen, ms)) {
                    seen = longest.get();
                }
            } catch (RuntimeException e) {
                // a malformed notification: skip it
            }
        }
    }
}
