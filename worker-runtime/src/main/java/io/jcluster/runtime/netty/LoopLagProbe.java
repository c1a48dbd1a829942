package io.jcluster.runtime.netty;

import io.jcluster.runtime.metrics.WorkerMetrics;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.EventExecutorGroup;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Measures how late each event loop runs a task: a probe scheduled every {@link #PERIOD_MILLIS} ms
 * on every loop records how long after its due time it ran. A loop that is busy (a slow handler,
 * blocking code, a starved CPU) runs it late, and every connection on that loop waits as long.
 *
 * <p>{@link #lagNanos} is what the load shedder reads on each request: the last measured lag of the
 * loop, or how overdue its pending probe is, whichever is larger, so a loop stuck right now is seen
 * before its probe runs. One probe per loop, however many servers share it. Thread-safe.
 */
public final class LoopLagProbe {

    /** How often each loop is probed. */
    public static final long PERIOD_MILLIS = 100;
    private static final long PERIOD_NANOS = TimeUnit.MILLISECONDS.toNanos(PERIOD_MILLIS);
    private static final LoopLagProbe PROCESS = new LoopLagProbe(WorkerMetrics.process());

    private final WorkerMetrics metrics;
    private final Map<EventExecutor, Loop> loops = new ConcurrentHashMap<>();

    LoopLagProbe(WorkerMetrics metrics) {
        this.metrics = metrics;
    }

    /** The probe of this process, which records into {@link WorkerMetrics#process()}. */
    public static LoopLagProbe process() {
        return PROCESS;
    }

    /** Starts probing every loop of {@code group} not probed yet. The probes end with their loop. */
    public void watch(EventExecutorGroup group) {
        metrics.probingLoops();
        for (EventExecutor executor : group) {
            Loop loop = new Loop(executor);
            if (loops.putIfAbsent(executor, loop) == null) {
                try {
                    executor.terminationFuture().addListener(done -> loops.remove(executor, loop));
                } catch (UnsupportedOperationException e) {
                    // a loop that never terminates (netty's embedded loop, in tests)
                }
                loop.schedule();
            }
        }
    }

    /** The lag of {@code executor}'s loop in nanoseconds, 0 when it is not probed. */
    public long lagNanos(EventExecutor executor) {
        Loop loop = loops.get(executor);
        return loop == null ? 0 : loop.lagNanos();
    }

    /** The probe state of one loop, for handlers that keep it per channel. Null when not probed. */
    Loop loop(EventExecutor executor) {
        return loops.get(executor);
    }

    /** One loop's probe. */
    final class Loop implements Runnable {
        private final EventExecutor executor;
        /** When the pending probe should run (System.nanoTime), 0 while none is pending. */
        private volatile long due;
        private volatile long last;

        Loop(EventExecutor executor) {
            this.executor = executor;
        }

        long lagNanos() {
            if (executor.isShuttingDown()) {
                return 0; // its pending probe was cancelled: it is not late, it is ending
            }
            long d = due;
            long overdue = d == 0 ? 0 : System.nanoTime() - d;
            return Math.max(last, overdue);
        }

        void schedule() {
            if (executor.isShuttingDown()) {
                loops.remove(executor, this);
                return;
            }
            due = System.nanoTime() + PERIOD_NANOS;
            try {
                executor.schedule(this, PERIOD_NANOS, TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException e) {
                due = 0;
                loops.remove(executor, this);
            }
        }

        @Override
        public void run() {
            long lag = Math.max(0, System.nanoTime() - due);
            last = lag;
            due = 0;
            metrics.loopLag(TimeUnit.NANOSECONDS.toMicros(lag));
            schedule();
        }
    }
}
