package io.jcluster.cli.systemd;

import static io.jcluster.cli.systemd.SystemdReport.Phase.RELOADING;
import static io.jcluster.cli.systemd.SystemdReport.Phase.SERVING;
import static io.jcluster.cli.systemd.SystemdReport.Phase.STARTING;
import static io.jcluster.cli.systemd.SystemdReport.Phase.STOPPING;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcluster.cli.Needs;
import io.netty.channel.epoll.Epoll;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The phase the loop reports after every event becomes exactly the datagrams systemd expects, each once. */
@Timeout(30)
class SystemdReportTest {
    @TempDir
    Path dir;

    @BeforeEach
    void epoll() {
        Needs.that(Epoll.isAvailable(), "netty's native epoll transport");
    }

    @Test
    void startReloadStop() throws Exception {
        try (NotifySocket systemd = new NotifySocket(dir.resolve("notify").toString());
             SdNotify n = SdNotify.of(Map.of("NOTIFY_SOCKET", systemd.name()), 1, () -> 5_000_000L, s -> {})) {
            SystemdReport report = new SystemdReport(n);
            report.report(STARTING, "0/2 workers ready");
            assertEquals("STATUS=0/2 workers ready", systemd.next());
            report.report(STARTING, "0/2 workers ready");
            report.report(STARTING, "1/2 workers ready");
            assertEquals("STATUS=1/2 workers ready", systemd.next());
            assertFalse(report.ready());
            report.report(SERVING, "2/2 workers ready, generation 1");
            assertEquals("READY=1\nSTATUS=2/2 workers ready, generation 1", systemd.next());
            assertTrue(report.ready());
            report.report(SERVING, "2/2 workers ready, generation 1");
            report.report(SERVING, "1/2 workers ready, generation 1");
            assertEquals("STATUS=1/2 workers ready, generation 1", systemd.next(), "a crash after READY is only status");

            report.report(RELOADING, "reloading to generation 2");
            assertEquals("RELOADING=1\nMONOTONIC_USEC=5000\nSTATUS=reloading to generation 2", systemd.next());
            assertFalse(report.ready());
            report.report(RELOADING, "reloading to generation 2: slot 1 of 2");
            assertEquals("STATUS=reloading to generation 2: slot 1 of 2", systemd.next(), "RELOADING once per reload");
            report.report(SERVING, "2/2 workers ready, generation 2");
            assertEquals("READY=1\nSTATUS=2/2 workers ready, generation 2", systemd.next());

            report.report(STOPPING, "stopping");
            assertEquals("STOPPING=1\nSTATUS=stopping", systemd.next());
            report.report(SERVING, "draining");
            assertEquals("STATUS=draining", systemd.next(), "nothing but status after STOPPING");
            assertNull(systemd.next(Duration.ofMillis(200)));
        }
    }

    @Test
    void aReloadBeforeTheFirstReadyEndsWithOneReady() throws Exception {
        try (NotifySocket systemd = new NotifySocket(dir.resolve("notify").toString());
             SdNotify n = SdNotify.of(Map.of("NOTIFY_SOCKET", systemd.name()), 1, System::nanoTime, s -> {})) {
            SystemdReport report = new SystemdReport(n);
            report.report(STARTING, "starting");
            report.report(RELOADING, "reloading");
            report.report(SERVING, "serving");
            assertEquals("STATUS=starting", systemd.next());
            assertEquals("STATUS=reloading", systemd.next());
            assertEquals("READY=1\nSTATUS=serving", systemd.next());
            assertNull(systemd.next(Duration.ofMillis(200)));
        }
    }

    @Test
    void aDroppedReadyIsSentAgain() throws Exception {
        Path socket = dir.resolve("notify");
        try (SdNotify n = SdNotify.of(Map.of("NOTIFY_SOCKET", socket.toString()), 1, System::nanoTime, s -> {})) {
            SystemdReport report = new SystemdReport(n);
            report.report(SERVING, "serving"); // nobody listens yet: dropped
            assertFalse(report.ready());
            try (NotifySocket systemd = new NotifySocket(socket.toString())) {
                report.report(SERVING, "serving");
                assertEquals("READY=1\nSTATUS=serving", systemd.next());
                assertTrue(report.ready());
            }
        }
    }

    @Test
    void theStatusLine() {
        assertEquals("2/2 workers ready, generation 7", SystemdReport.status(2, 2, 7, 0));
        assertEquals("1/3 workers ready, generation 1, 2 errored", SystemdReport.status(1, 3, 1, 2));
    }

    @Test
    void withoutSystemdNothingHappens() {
        SystemdReport report = new SystemdReport(SdNotify.of(Map.of(), 1, System::nanoTime, s -> {}));
        report.report(SERVING, "serving");
        report.report(STOPPING, "stopping");
        assertFalse(report.ready());
    }
}
