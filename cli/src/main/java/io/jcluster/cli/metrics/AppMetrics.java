package io.jcluster.cli.metrics;

import io.jcluster.runtime.metrics.HistogramCounts;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongFunction;
import java.util.function.LongSupplier;

/**
 * The figures of one app, kept by its primary: the workers' heartbeats go in, and every
 * {@code [metrics] interval} a {@link #tick} makes an {@link AppSnapshot} of every slot (adding RSS
 * from {@code /proc}), keeps it in a history of at least {@value #HISTORY_MINUTES} minutes, and hands
 * it to the subscribers ({@code top}'s streams).
 *
 * <p>Threading: {@link #heartbeat}, {@link #exited} and {@link #tick} are called by the primary's
 * supervisor thread only. Everything else may be called from any thread; subscribers are called on
 * the supervisor thread and must return at once.
 */
public final class AppMetrics {
    /** Minutes of history kept, at least. */
    public static final int HISTORY_MINUTES = 5;
    /** Exits kept for {@code describe}. */
    public static final int EXITS_KEPT = 50;

    private final String app;
    private final Duration interval;
    private final LongFunction<Long> rss;
    private final LongSupplier nanos;
    private final LongSupplier epochMillis;
    private final long staleNanos;
    private final int capacity;

    private final Map<Long, WorkerFigures> byPid = new HashMap<>();
    private final ArrayDeque<AppSnapshot> history = new ArrayDeque<>();
    private final ArrayDeque<WorkerExit> exits = new ArrayDeque<>();
    private final List<Consumer<AppSnapshot>> subscribers = new CopyOnWriteArrayList<>();
    private volatile AppSnapshot latest;

    /** Figures of {@code app}, snapshot every {@code interval}, with RSS read from {@code /proc}. */
    public AppMetrics(String app, Duration interval) {
        this(app, interval, ProcessMemory::rssBytes, System::nanoTime, System::currentTimeMillis);
    }

    AppMetrics(String app, Duration interval, LongFunction<Long> rss, LongSupplier nanos, LongSupplier epochMillis) {
        this.app = app;
        this.interval = interval;
        this.rss = rss;
        this.nanos = nanos;
        this.epochMillis = epochMillis;
        // Heartbeats come at least once per interval: three missed ones and the figures are unknown.
        this.staleNanos = Math.max(interval.toNanos() * 3, TimeUnit.SECONDS.toNanos(3));
        this.capacity = (int) Math.ceil(Duration.ofMinutes(HISTORY_MINUTES).toMillis() / (double) interval.toMillis()) + 1;
    }

    public String app() {
        return app;
    }

    public Duration interval() {
        return interval;
    }

    /** A heartbeat from the worker {@code pid} of {@code slot}. Supervisor thread. */
    public void heartbeat(int slot, long pid, Map<String, String> fields) {
        byPid.computeIfAbsent(pid, WorkerFigures::new).heartbeat(fields, nanos.getAsLong());
    }

    /** A worker ended. Supervisor thread. */
    public void exited(WorkerExit exit) {
        synchronized (exits) {
            exits.addLast(exit);
            while (exits.size() > EXITS_KEPT) exits.removeFirst();
        }
    }

    /**
     * Takes a snapshot of the app from the supervisor's view of its slots and the workers' latest
     * figures, keeps it and hands it to the subscribers. Supervisor thread.
     */
    public AppSnapshot tick(String appState, List<SlotSample> slots) {
        return tick(appState, slots, rss);
    }

    /** As {@link #tick(String, List)}, with resident memory read beforehand (off the supervisor loop): {@code rssOf} a pid's, or null. */
    public AppSnapshot tick(String appState, List<SlotSample> slots, LongFunction<Long> rssOf) {
        long now = nanos.getAsLong();
        Set<Long> live = new HashSet<>();
        List<WorkerSnapshot> workers = new ArrayList<>(slots.size());
        HistogramCounts latency = HistogramCounts.EMPTY;
        HistogramCounts lag = HistogramCounts.EMPTY;
        boolean anyLatency = false;
        boolean anyLag = false;
        for (SlotSample s : slots) {
            Long memory = s.pid() > 0 ? rssOf.apply(s.pid()) : null;
            WorkerFigures f = s.pid() > 0 ? byPid.get(s.pid()) : null;
            if (s.pid() > 0) live.add(s.pid());
            if (f == null || now - f.lastHeartbeatNanos() > staleNanos) {
                if (f != null) f.takeInterval();
                workers.add(WorkerSnapshot.bare(s.slot(), s.pid(), s.state(), s.generation(), s.restarts(),
                        s.uptimeMillis(), memory));
                continue;
            }
            WorkerFigures.Interval i = f.takeInterval();
            workers.add(f.snapshot(s, memory, i));
            if (i != null && i.latency() != null) {
                latency = latency.plus(i.latency());
                anyLatency = true;
            }
            if (i != null && i.lag() != null) {
                lag = lag.plus(i.lag());
                anyLag = true;
            }
        }
        byPid.keySet().retainAll(live);
        long at = epochMillis.getAsLong();
        AppSnapshot snapshot = new AppSnapshot(app, appState, at, interval.toMillis(),
                totals(at, workers, anyLatency ? latency : null, anyLag ? lag : null), workers);
        synchronized (history) {
            history.addLast(snapshot);
            while (history.size() > capacity) history.removeFirst();
        }
        latest = snapshot;
        for (Consumer<AppSnapshot> s : subscribers) {
            try {
                s.accept(snapshot);
            } catch (RuntimeException e) {
                subscribers.remove(s);
            }
        }
        return snapshot;
    }

    private static AppTotals totals(long at, List<WorkerSnapshot> workers, HistogramCounts latency, HistogramCounts lag) {
        int ready = 0;
        int restarts = 0;
        Double max = null;
        int slots = 0;
        for (WorkerSnapshot w : workers) {
            if (w.slot() >= 0) slots++; // spares (slot < 0) cost, but serve no slot
            if ("ready".equals(w.state()) && w.slot() >= 0) ready++;
            restarts += w.restarts();
            if (w.latencyMaxMillis() != null) max = max == null ? w.latencyMaxMillis() : Math.max(max, w.latencyMaxMillis());
        }
        Long maxMicros = max == null ? null : Math.round(max * 1000);
        return new AppTotals(at, slots, ready, restarts,
                sum(workers, WorkerSnapshot::requestsPerSecond),
                WorkerFigures.quantileMillis(latency, 0.5, maxMicros),
                WorkerFigures.quantileMillis(latency, 0.99, maxMicros),
                max,
                WorkerFigures.quantileMillis(lag, 0.99, null),
                sum(workers, WorkerSnapshot::shedPerSecond),
                sumLong(workers, WorkerSnapshot::openConnections),
                sum(workers, WorkerSnapshot::cpuPercent),
                sumLong(workers, WorkerSnapshot::rssBytes),
                sumLong(workers, WorkerSnapshot::heapUsedBytes),
                sum(workers, WorkerSnapshot::errorsPerSecond));
    }

    private static Double sum(List<WorkerSnapshot> workers, java.util.function.Function<WorkerSnapshot, Double> figure) {
        Double total = null;
        for (WorkerSnapshot w : workers) {
            Double v = figure.apply(w);
            if (v != null) total = total == null ? v : total + v;
        }
        return total;
    }

    private static Long sumLong(List<WorkerSnapshot> workers, java.util.function.Function<WorkerSnapshot, Long> figure) {
        Long total = null;
        for (WorkerSnapshot w : workers) {
            Long v = figure.apply(w);
            if (v != null) total = total == null ? v : total + v;
        }
        return total;
    }

    /** The latest snapshot, or null before the first tick. */
    public AppSnapshot latest() {
        return latest;
    }

    /** The app's totals over the last {@code window}, oldest first. */
    public List<AppTotals> history(Duration window) {
        long from = epochMillis.getAsLong() - window.toMillis();
        List<AppTotals> list = new ArrayList<>();
        synchronized (history) {
            for (AppSnapshot s : history) {
                if (s.atEpochMillis() >= from) list.add(s.totals());
            }
        }
        return list;
    }

    /** Every snapshot kept (at least {@value #HISTORY_MINUTES} minutes' worth), oldest first. */
    public List<AppSnapshot> snapshots() {
        synchronized (history) {
            return List.copyOf(history);
        }
    }

    /** The latest exits, oldest first, at most {@value #EXITS_KEPT}. */
    public List<WorkerExit> recentExits() {
        synchronized (exits) {
            return List.copyOf(exits);
        }
    }

    /**
     * Calls {@code subscriber} with every snapshot from now on, on the supervisor thread, until the
     * returned handle is closed or the subscriber throws.
     */
    public AutoCloseable subscribe(Consumer<AppSnapshot> subscriber) {
        subscribers.add(subscriber);
        return () -> subscribers.remove(subscriber);
    }
}
