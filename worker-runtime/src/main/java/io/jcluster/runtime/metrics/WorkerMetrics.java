package io.jcluster.runtime.metrics;

import io.jcluster.runtime.JCluster;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntSupplier;

/**
 * The request figures of one worker process, which the servers of the app record into and the
 * agent reads with every heartbeat: requests, latency, requests in flight, requests shed, open
 * connections and event-loop lag. JDK only; the netty integration
 * ({@code io.jcluster.runtime.netty}) feeds it.
 *
 * <p>Figures, sent in heartbeats as {@code app.<name>} (see {@code docs/worker-protocol.md}):
 * <ul>
 *   <li>{@value #REQUESTS}, {@value #SHED}, {@value #LATENCY_SUM}: cumulative since the process started;</li>
 *   <li>{@value #INFLIGHT}, {@value #CONNECTIONS}: now;</li>
 *   <li>{@value #LATENCY}{@code .b<n>}, {@value #LATENCY}{@code .max}, {@value #LAG}{@code .b<n>},
 *       {@value #LAG}{@code .max}: since the previous heartbeat (microseconds), see {@link Histogram}.</li>
 * </ul>
 *
 * <p>Thread-safe. {@link #figures()} is meant for one reader, the agent's heartbeat: it starts a new
 * interval for the interval figures.
 */
public final class WorkerMetrics {

    public static final String REQUESTS = "http.requests";
    public static final String SHED = "http.shed";
    public static final String INFLIGHT = "http.inflight";
    public static final String LATENCY = "http.latency";
    public static final String LATENCY_SUM = "http.latency.sum";
    public static final String CONNECTIONS = "connections";
    public static final String LAG = "loop.lag";
    /** How long the most stuck event loop has kept its pending probe waiting, in milliseconds, now. */
    public static final String STALL = "loop.stallMillis";

    private static final WorkerMetrics PROCESS = new WorkerMetrics();

    private final Histogram latency = new Histogram();
    private final Histogram lag = new Histogram();
    private volatile java.util.function.LongSupplier stall;
    private final LongAdder shed = new LongAdder();
    private final AtomicLong inflight = new AtomicLong();
    private final List<IntSupplier> connections = new CopyOnWriteArrayList<>();
    private final long[] latencySeen = new long[Histogram.BUCKETS];
    private final long[] lagSeen = new long[Histogram.BUCKETS];
    private final AtomicBoolean published = new AtomicBoolean();
    private volatile boolean http;
    private volatile boolean loops;

    /** A new set of figures, published by nobody yet; servers use {@link #process()}. */
    public WorkerMetrics() {
    }

    /** The figures of this process (of this copy of worker-runtime). */
    public static WorkerMetrics process() {
        return PROCESS;
    }

    /** Sends these figures with every heartbeat, from now on; later calls do nothing. */
    public void publish() {
        if (published.compareAndSet(false, true)) {
            JCluster.figures(this::figures);
        }
    }

    /** An HTTP server records into these figures: report the request figures, even before the first request. */
    public void httpServer() {
        http = true;
    }

    /** A request was admitted: it is in flight until {@link #responded}. */
    public void requestStarted() {
        inflight.incrementAndGet();
    }

    /** An admitted request was answered, {@code micros} after it arrived. */
    public void responded(long micros) {
        inflight.decrementAndGet();
        latency.record(micros);
    }

    /** Admitted requests that will not be answered (their connection closed). */
    public void abandoned(int requests) {
        inflight.addAndGet(-requests);
    }

    /** A request was refused with a fast 503 because the worker is overloaded. */
    public void shed() {
        shed.increment();
    }

    /** Requests admitted and not yet answered. */
    public long inflight() {
        return inflight.get();
    }

    /** One event-loop lag measurement. */
    public void loopLag(long micros) {
        lag.record(micros);
    }

    /** Event loops are probed for lag: report the lag figures. */
    public void probingLoops() {
        loops = true;
    }

    /**
     * Where the current stall of the probed loops comes from. A loop that never runs its probe
     * records no lag at all, so this is how a stuck loop shows: the primary counts a stall past
     * its heartbeat timeout as a hung worker, although the agent's own heartbeats go on.
     */
    public void stall(java.util.function.LongSupplier millis) {
        stall = millis;
    }

    /** Counts the open connections of one more server. */
    public void connections(IntSupplier open) {
        connections.add(open);
    }

    /** The figures now, starting a new interval; see the class comment. */
    public synchronized Map<String, Long> figures() {
        Map<String, Long> f = new LinkedHashMap<>();
        if (!connections.isEmpty()) {
            long open = 0;
            for (IntSupplier c : connections) {
                open += c.getAsInt();
            }
            f.put(CONNECTIONS, open);
        }
        if (http) {
            f.put(REQUESTS, latency.count());
            f.put(SHED, shed.sum());
            f.put(INFLIGHT, Math.max(0, inflight.get()));
            f.put(LATENCY_SUM, latency.sum());
            long max = latency.takeMax();
            if (max >= 0) {
                f.put(LATENCY + ".max", max);
            }
            latency.intervalSince(latencySeen).putFigures(LATENCY, f);
        }
        if (loops) {
            long max = lag.takeMax();
            if (max >= 0) {
                f.put(LAG + ".max", max);
            }
            lag.intervalSince(lagSeen).putFigures(LAG, f);
            java.util.function.LongSupplier s = stall;
            if (s != null) {
                f.put(STALL, s.getAsLong());
            }
        }
        return f;
    }
}
