package io.jcluster.runtime.netty;

import io.jcluster.runtime.metrics.WorkerMetrics;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.EventExecutorGroup;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Measures how long each event loop takes to get to a task: every {@link #PERIOD_MILLIS} ms a timer
 * thread hands every loop a probe and the probe records how long it waited. A loop that is busy (a
 * slow handler, blocking code, a starved CPU) runs it late, and every connection on that loop waits
 * as long.
 *
 * <p>The probe is handed over with {@code execute}, not scheduled on the loop itself: the wait then
 * measures the loop, not the precision of its timer. {@link #lagNanos} is what the load shedder reads
 * on each request: the last measured lag of the loop, or how long its pending probe has been waiting,
 * whichever is larger, so a loop stuck right now is seen before its probe runs. One probe per loop,
 * however many servers share it. Thread-safe.
 */
public final class LoopLagProbe {

    /** How often each loop is probed. */
    public static final long PERIOD_MILLIS = 100;
    private static final LoopLagProbe PROCESS = new LoopLagProbe(WorkerMetrics.process());

    private final WorkerMetrics metrics;
    private final Map<EventExecutor, Loop> loops = new ConcurrentHashMap<>();
    private ScheduledExecutorService timer;

    LoopLagProbe(WorkerMetrics metrics) {
        this.metrics = metrics;
    }

    /** The probe of this process, which records into {@link WorkerMetrics#process()}. */
    public static LoopLagProbe process() {
        return PROCESS;
    }

    /** Starts probing every loop of {@code group} not probed yet. The probes end with their loop. */
    public void watch(EventExecutorGroup group) {
        add(group);
        synchronized (this) {
            if (timer == null) {
                timer = Executors.newSingleThreadScheduledExecutor(r -> {
                    Thread t = new Thread(r, "jcluster-loop-lag");
                    t.setDaemon(true);
                    return t;
                });
                timer.scheduleAtFixedRate(this::probeAll, PERIOD_MILLIS, PERIOD_MILLIS, TimeUnit.MILLISECONDS);
            }
        }
    }

    /** Registers the loops of {@code group} without starting the timer: tests call {@link #probeAll()}. */
    void add(EventExecutorGroup group) {
        metrics.probingLoops();
        metrics.stall(this::stallMillis);
        for (EventExecutor executor : group) {
            loops.computeIfAbsent(executor, Loop::new);
        }
    }

    /** The lag of {@code executor}'s loop in nanoseconds, 0 when it is not probed. */
    public long lagNanos(EventExecutor executor) {
        Loop loop = loops.get(executor);
        return loop == null ? 0 : loop.lagNanos();
    }

    /** How long the most stuck loop has kept its pending probe waiting, in milliseconds (0 when none waits). */
    long stallMillis() {
        long most = 0;
        for (Loop loop : loops.values()) {
            most = Math.max(most, loop.waitingNanos());
        }
        return TimeUnit.NANOSECONDS.toMillis(most);
    }

    /** The probe state of one loop, for handlers that keep it per channel. Null when not probed. */
    Loop loop(EventExecutor executor) {
        return loops.get(executor);
    }

    /** Hands every loop a probe; the timer's task. */
    void probeAll() {
        for (Loop loop : loops.values()) {
            loop.probe();
        }
    }

    /** One loop's probe. */
    final class Loop implements Runnable {
        private final EventExecutor executor;
        /** When the pending probe was handed over (System.nanoTime), 0 while none is pending. */
        private volatile long sent;
        private volatile long last;

        Loop(EventExecutor executor) {
            this.executor = executor;
        }

        /** How long the pending probe has waited, 0 when none is pending or the loop is ending. */
        long waitingNanos() {
            long s = sent;
            return s == 0 || executor.isShuttingDown() ? 0 : System.nanoTime() - s;
        }

        long lagNanos() {
            if (executor.isShuttingDown()) {
                return 0; // its pending probe will not run: it is not late, it is ending
            }
            long s = sent;
            long waiting = s == 0 ? 0 : System.nanoTime() - s;
            return Math.max(last, waiting);
        }

        /** Hands the loop a probe, unless the previous one is still waiting. Timer thread. */
        void probe() {
            if (executor.isShuttingDown()) {
                loops.remove(executor, this);
                return;
            }
            if (sent != 0) {
                return;
            }
            sent = System.nanoTime();
            try {
                executor.execute(this);
            } catch (RejectedExecutionException e) {
                sent = 0;
                loops.remove(executor, this);
            }
        }

        @Override
        public void run() {
            long lag = Math.max(0, System.nanoTime() - sent);
            last = lag;
            sent = 0;
            metrics.loopLag(TimeUnit.NANOSECONDS.toMicros(lag));
        }
    }
}
