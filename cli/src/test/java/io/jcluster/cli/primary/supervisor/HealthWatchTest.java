package io.jcluster.cli.primary.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcluster.cli.primary.changes.HealthWatch;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Workers the health watch replaces: a silent one (hung) and one over its memory limit for the grace. */
class HealthWatchTest extends SupervisorFixture {
    @Test
    void aSilentWorkerIsHungDumpedKilledAndReplacedAtOnce() throws Exception {
        start(config(""));
        allReady();
        Worker w = workerOf(0);
        w.channel(new io.netty.channel.embedded.EmbeddedChannel()); // an agent connection that then says nothing
        HealthWatch health = new HealthWatch(app);
        loop.advance(Duration.ofSeconds(10));
        health.judge(Map.of());
        assertEquals(2, launcher.launches.size(), "10 s is the timeout, not past it");
        loop.advance(Duration.ofMillis(1));
        health.judge(Map.of());
        loop.runDue();
        assertEquals(3, launcher.launches.size(), "a replacement starts at once");
        FakeLauncher.FakeProcess hung = launcher.launches.get(0).process();
        assertTrue(hung.alive(), "the dump gets its grace");
        loop.advance(HealthWatch.DUMP_GRACE);
        assertEquals(List.of("KILL"), hung.signals);
        assertTrue(status().workers().get(0).lastExit().reason().startsWith("hung: no heartbeat for 10001 ms"),
                status().workers().get(0).lastExit().reason());
        assertEquals(1, status().workers().get(0).restarts());
    }

    @Test
    void aWorkerOverItsMemoryLimitForTheGraceIsReplacedGracefully() throws Exception {
        start(config("max_memory = \"100MB\"\nmemory_grace = \"3s\"\n"));
        allReady();
        HealthWatch health = new HealthWatch(app);
        long pid = workerOf(0).pid();
        Map<Long, Long> rss = Map.of(pid, 200L << 20);
        health.judge(rss);
        loop.advance(Duration.ofSeconds(2));
        health.judge(rss);
        assertEquals(2, launcher.launches.size(), "within the grace");
        loop.advance(Duration.ofSeconds(1));
        health.judge(rss);
        loop.runDue();
        assertEquals(3, launcher.launches.size(), "a replacement starts beside it");
        FakeLauncher.FakeProcess old = launcher.launches.get(0).process();
        assertTrue(old.alive(), "the old one serves until the new one is ready");
        allReady();
        assertFalse(old.alive());
        assertTrue(status().workers().get(0).lastExit().reason().startsWith("replaced: rss 200 MiB over max_memory 100 MiB"),
                status().workers().get(0).lastExit().reason());
        assertNull(app.change());
    }

    @Test
    void aWorkerBackUnderItsLimitStartsTheGraceAgain() throws Exception {
        start(config("max_memory = \"100MB\"\nmemory_grace = \"3s\"\n"));
        allReady();
        HealthWatch health = new HealthWatch(app);
        long pid = workerOf(0).pid();
        health.judge(Map.of(pid, 200L << 20));
        loop.advance(Duration.ofSeconds(2));
        health.judge(Map.of(pid, 50L << 20));
        loop.advance(Duration.ofSeconds(2));
        health.judge(Map.of(pid, 200L << 20));
        assertEquals(2, launcher.launches.size(), "the grace counts from the last time it went over");
    }
}
