package io.jcluster.cli.primary.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.jcluster.cli.logs.PrimaryLog;
import io.jcluster.cli.primary.supervisor.ManualLoop;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * {@code [reload] start_share} on this host's autogroup: a real process in a session of its own gets the
 * lowered share, and gets its full share back after the bound, which follows the app's starts at full share.
 */
class StartShareTest {
    private static final long SECOND = 1_000_000_000L;
    private final ByteArrayOutputStream logged = new ByteArrayOutputStream();
    private final PrimaryLog log = new PrimaryLog(new PrintStream(logged, true, StandardCharsets.UTF_8), "api");

    @Test
    void theBoundIsTheLongestStartAtFullShareAtLeastTwoSecondsAndAtMostTheFallback() {
        StartShare share = StartShare.detect(false, log); // no session of their own: nothing is ever lowered
        Duration fallback = Duration.ofSeconds(30);
        assertEquals(fallback, share.bound("api", fallback), "before any start at full share");
        share.spawned(1, "api", 0);
        share.spawned(2, "api", SECOND);
        share.ready(2, 6 * SECOND, new ManualLoop());
        share.ready(1, 7 * SECOND, new ManualLoop());
        assertEquals(Duration.ofSeconds(7), share.bound("api", fallback), "the longest of 7 s and 5 s");
        share.spawned(3, "api", 10 * SECOND);
        share.ready(3, 11 * SECOND, new ManualLoop());
        assertEquals(Duration.ofSeconds(7), share.bound("api", fallback), "a shorter start later does not shrink it");
        assertEquals(Duration.ofSeconds(4), share.bound("api", Duration.ofSeconds(4)), "never past half the ready timeout");
        assertEquals(fallback, share.bound("web", fallback), "per app");
        share.spawned(4, "tiny", 0);
        share.ready(4, SECOND / 2, new ManualLoop());
        assertEquals(Duration.ofSeconds(2), share.bound("tiny", fallback), "at least 2 s");
    }

    @Test
    void aStartingWorkerGetsItsFullShareBackAfterTheAppsStartAtFullShare() throws Exception {
        StartShare share = StartShare.detect(true, log);
        assertNull(share.unavailable(), "this test needs the kernel's autogroup (kernel.sched_autogroup_enabled = 1) "
                + "or a writable cgroup-v1 cpu hierarchy: " + share.unavailable());
        ManualLoop loop = new ManualLoop();
        share.spawned(100, "api", 0);
        share.ready(100, 5 * SECOND, loop); // the first start, at full share: 5 s
        Process sleeper = new ProcessBuilder("/usr/bin/setsid", "sleep", "60").start();
        try {
            long pid = sleeper.pid();
            share.spawned(pid, "api", 10 * SECOND);
            share.starting(pid, "api", 10, Duration.ofSeconds(60), loop);
            loop.runDue();
            assertEquals(StartShare.nice(10), niceOrCgroup(pid, share), "lowered at the start");
            loop.advance(Duration.ofMillis(4900));
            assertEquals(StartShare.nice(10), niceOrCgroup(pid, share), "still lowered before 5 s");
            loop.advance(Duration.ofMillis(200));
            assertEquals(0, niceOrCgroup(pid, share), "its full share back after 5 s, not after the 60 s fallback");
            share.ready(pid, 80 * SECOND, loop); // a lowered start does not count as one at full share
            assertEquals(Duration.ofSeconds(5), share.bound("api", Duration.ofSeconds(60)));
        } finally {
            sleeper.destroyForcibly().waitFor();
            share.close("api");
        }
    }

    /** The autogroup nice of {@code pid}, or with a cgroup: the nice its cgroup's weight stands for (0 when in the primary's). */
    private static int niceOrCgroup(long pid, StartShare share) throws IOException {
        if ("autogroup".equals(share.way())) {
            String line = Files.readString(Path.of("/proc/" + pid + "/autogroup")).trim(); // "/autogroup-42 nice 10"
            return Integer.parseInt(line.substring(line.lastIndexOf(' ') + 1));
        }
        return Files.readString(Path.of("/proc/" + pid + "/cgroup")).contains("-starting") ? StartShare.nice(10) : 0;
    }
}
