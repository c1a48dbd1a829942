package io.jcluster.cli.systemd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcluster.cli.Needs;
import io.netty.channel.epoll.Epoll;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** sd_notify against a real datagram socket standing in for systemd: the exact datagrams, paths and abstract names. */
@Timeout(30)
class SdNotifyTest {
    @TempDir
    Path dir;
    final List<String> warnings = new ArrayList<>();

    @BeforeEach
    void epoll() {
        Needs.that(Epoll.isAvailable(), "netty's native epoll transport");
    }

    private SdNotify notifier(String socket, long nanos) {
        return SdNotify.of(Map.of("NOTIFY_SOCKET", socket), 4242, () -> nanos, warnings::add);
    }

    @Test
    void sendsEachMessageAsOneDatagramToAPath() throws Exception {
        try (NotifySocket systemd = new NotifySocket(dir.resolve("notify").toString());
             SdNotify n = notifier(systemd.name(), 1_234_567_890L)) {
            assertTrue(n.enabled());
            assertTrue(n.ready("2/2 workers ready, generation 1"));
            assertEquals("READY=1\nSTATUS=2/2 workers ready, generation 1", systemd.next());
            assertTrue(n.reloading("reloading: slot 0 of 2"));
            assertEquals("RELOADING=1\nMONOTONIC_USEC=1234567\nSTATUS=reloading: slot 0 of 2", systemd.next());
            assertTrue(n.stopping("stopping"));
            assertEquals("STOPPING=1\nSTATUS=stopping", systemd.next());
            assertTrue(n.watchdog());
            assertEquals("WATCHDOG=1", systemd.next());
            assertTrue(n.mainPid(777));
            assertEquals("MAINPID=777", systemd.next());
            assertTrue(n.extendTimeout(Duration.ofSeconds(90)));
            assertEquals("EXTEND_TIMEOUT_USEC=90000000", systemd.next());
            assertEquals(List.of(), warnings);
        }
    }

    @Test
    void sendsToAnAbstractName() throws Exception {
        String name = "@jcluster-test-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        try (NotifySocket systemd = new NotifySocket(name); SdNotify n = notifier(name, 0)) {
            assertTrue(n.ready("up"));
            assertEquals("READY=1\nSTATUS=up", systemd.next());
        }
    }

    @Test
    void statusIsSentOnlyWhenItChangesAndIsOneLine() throws Exception {
        try (NotifySocket systemd = new NotifySocket(dir.resolve("notify").toString()); SdNotify n = notifier(systemd.name(), 0)) {
            assertTrue(n.status("1/2 workers ready"));
            assertFalse(n.status("1/2 workers ready"));
            assertTrue(n.status("2/2 workers\nready"));
            assertEquals("STATUS=1/2 workers ready", systemd.next());
            assertEquals("STATUS=2/2 workers ready", systemd.next());
            assertFalse(n.status("2/2 workers ready"), "the same text, with the newline gone, was already said");
            n.ready("2/2 workers, generation 2");
            assertEquals("READY=1\nSTATUS=2/2 workers, generation 2", systemd.next());
            assertFalse(n.status("2/2 workers, generation 2"), "READY carried it");
            assertNull(systemd.next(Duration.ofMillis(200)));
        }
    }

    @Test
    void unsetNotifySocketIsANoOp() {
        try (SdNotify n = SdNotify.of(Map.of("WATCHDOG_USEC", "30000000"), 1, System::nanoTime, warnings::add)) {
            assertFalse(n.enabled());
            assertFalse(n.ready("x"));
            assertFalse(n.watchdog());
            assertNull(n.watchdogInterval(), "nobody to ping");
        }
        assertEquals(List.of(), warnings);
    }

    @Test
    void aRelativeSocketIsRefusedWithAWarning() {
        try (SdNotify n = notifier("notify.sock", 0)) {
            assertFalse(n.enabled());
        }
        assertEquals(1, warnings.size());
        assertTrue(warnings.get(0).startsWith("NOTIFY_SOCKET=notify.sock is neither an absolute path nor @abstract"), warnings.toString());
    }

    @Test
    void aGoneSystemdIsSaidOnceAndNeverThrown() throws Exception {
        Path gone = dir.resolve("gone");
        try (SdNotify n = notifier(gone.toString(), 0)) {
            for (int i = 0; i < 5; i++) assertFalse(n.watchdog());
            assertFalse(n.ready("up"));
        }
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).startsWith("cannot tell systemd WATCHDOG: "), warnings.toString());
    }

    @Test
    void watchdogIsHalfOfWatchdogUsecAndOnlyForItsPid() {
        Map<String, String> env = new HashMap<>(Map.of("WATCHDOG_USEC", "30000000"));
        assertEquals(Duration.ofSeconds(15), SdNotify.watchdogInterval(env, 4242));
        env.put("WATCHDOG_PID", "4242");
        assertEquals(Duration.ofSeconds(15), SdNotify.watchdogInterval(env, 4242));
        assertNull(SdNotify.watchdogInterval(env, 4243), "meant for another process");
        assertNull(SdNotify.watchdogInterval(Map.of("WATCHDOG_USEC", "0"), 1));
        assertNull(SdNotify.watchdogInterval(Map.of("WATCHDOG_USEC", "soon"), 1));
        assertNull(SdNotify.watchdogInterval(Map.of(), 1));
        try (SdNotify n = SdNotify.of(Map.of("NOTIFY_SOCKET", dir.resolve("n").toString(), "WATCHDOG_USEC", "3000000"), 1,
                System::nanoTime, warnings::add)) {
            assertEquals(Duration.ofMillis(1500), n.watchdogInterval());
        }
    }

    @Test
    void childrenLoseTheVariables() {
        Map<String, String> env = new HashMap<>(Map.of("NOTIFY_SOCKET", "/run/systemd/notify", "WATCHDOG_USEC", "1",
                "WATCHDOG_PID", "1", "PATH", "/bin"));
        SdNotify.removeFrom(env);
        assertEquals(Map.of("PATH", "/bin"), env);
    }

    /**
     * MONOTONIC_USEC must be CLOCK_MONOTONIC, which systemd compares with the time of its SIGHUP:
     * {@code System.nanoTime} is read on both sides of Python's {@code time.clock_gettime_ns(CLOCK_MONOTONIC)}.
     */
    @Test
    void nanoTimeIsClockMonotonic() throws Exception {
        Path python = Path.of("/usr/bin/python3");
        Needs.that(Files.isExecutable(python), "python3 (apt-get install -y python3), which reads CLOCK_MONOTONIC for the comparison");
        Process p = new ProcessBuilder(python.toString(), "-c",
                "import sys,time\nfor line in sys.stdin:\n    print(time.clock_gettime_ns(time.CLOCK_MONOTONIC), flush=True)\n")
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try (var in = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
             var out = p.getOutputStream()) {
            for (int i = 0; i < 3; i++) {
                long before = System.nanoTime();
                out.write('\n');
                out.flush();
                long theirs = Long.parseLong(in.readLine().trim());
                long after = System.nanoTime();
                assertTrue(before <= theirs && theirs <= after, before + " <= " + theirs + " <= " + after);
            }
        } finally {
            p.destroy();
            if (!p.waitFor(5, TimeUnit.SECONDS)) p.destroyForcibly();
        }
    }
}
