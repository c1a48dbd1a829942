package io.jcluster.runtime.netty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcluster.runtime.Needs;
import io.jcluster.runtime.metrics.WorkerMetrics;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.util.concurrent.EventExecutor;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The probe on real epoll event loops: a blocked loop is seen as lagging at once, and recovers. */
@Timeout(60)
class LoopLagProbeTest {

    @Test
    void aBlockedLoopLagsAndRecovers() throws Exception {
        Needs.that(Epoll.isAvailable(), "netty's native epoll transport: " + Epoll.unavailabilityCause());
        WorkerMetrics metrics = new WorkerMetrics();
        LoopLagProbe probe = new LoopLagProbe(metrics);
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, EpollIoHandler.newFactory());
        try {
            probe.watch(group);
            probe.watch(group); // once per loop, however often asked
            EventExecutor loop = group.next();
            Thread.sleep(3 * LoopLagProbe.PERIOD_MILLIS);

            loop.execute(() -> sleep(600));
            Thread.sleep(400);
            assertTrue(probe.lagNanos(loop) >= TimeUnit.MILLISECONDS.toNanos(200),
                    "a loop blocked now lags now, before its probe runs: " + probe.lagNanos(loop));

            // Once unblocked, the loop's lag falls back: wait for it rather than assume a timing.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (probe.lagNanos(loop) >= TimeUnit.MILLISECONDS.toNanos(200) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertTrue(probe.lagNanos(loop) < TimeUnit.MILLISECONDS.toNanos(200), "recovered");

            Map<String, Long> f = metrics.figures();
            assertTrue(f.get(WorkerMetrics.LAG + ".max") >= 200_000, f::toString);
            long samples = f.entrySet().stream().filter(e -> e.getKey().startsWith(WorkerMetrics.LAG + ".b"))
                    .mapToLong(Map.Entry::getValue).sum();
            assertTrue(samples >= 4, "every loop is probed every period: " + f);
        } finally {
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).syncUninterruptibly();
        }
        Thread.sleep(2 * LoopLagProbe.PERIOD_MILLIS);
        assertEquals(0, probe.lagNanos(group.next()), "probes end with their loops");
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
