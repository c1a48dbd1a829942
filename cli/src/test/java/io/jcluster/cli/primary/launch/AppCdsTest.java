package io.jcluster.cli.primary.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcluster.cli.primary.supervisor.ManualLoop;
import io.jcluster.cli.primary.supervisor.PrimaryLog;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The check that a worker's JVM really mapped the archive it was given. */
class AppCdsTest {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
    private final PrimaryLog log = new PrimaryLog(new PrintStream(logBytes, true, StandardCharsets.UTF_8), "unit");

    @Test
    void aWorkerThatDidNotMapItsArchiveIsReportedAndTheArchiveRemoved() throws Exception {
        Path archive = Files.writeString(dir.resolve("abc.jsa"), "not mapped by anyone");
        AppCds cds = new AppCds(dir, dir.resolve("boot"), dir.resolve("agent.jar"), log);
        long self = ProcessHandle.current().pid(); // this JVM maps no such file
        cds.spawned(self, List.of("-XX:SharedArchiveFile=" + archive));
        ManualLoop loop = new ManualLoop();
        cds.ready(self, loop);
        loop.runDue();
        String logged = logBytes.toString(StandardCharsets.UTF_8);
        assertTrue(logged.contains("worker pid " + self + " did not map its class-data archive " + archive), logged);
        assertFalse(Files.exists(archive), "removed: the next worker makes a new one");
    }

    @Test
    void aWorkerWithoutAnArchiveIsNotChecked() {
        AppCds cds = new AppCds(dir, dir.resolve("boot"), dir.resolve("agent.jar"), log);
        ManualLoop loop = new ManualLoop();
        cds.spawned(1, List.of());
        cds.ready(1, loop);
        loop.runDue();
        assertEquals("", logBytes.toString(StandardCharsets.UTF_8));
    }

    @Test
    void mappedReadsTheProcessMaps() throws Exception {
        long self = ProcessHandle.current().pid();
        String maps = Files.readString(Path.of("/proc/self/maps"));
        String mappedFile = maps.lines().map(l -> l.substring(l.lastIndexOf(' ') + 1)).filter(f -> f.endsWith(".so") || f.endsWith(".jsa"))
                .findFirst().orElseThrow();
        assertTrue(AppCds.mapped(self, Path.of(mappedFile)));
        assertFalse(AppCds.mapped(self, dir.resolve("none.jsa")));
        assertNull(AppCds.mapped(Long.MAX_VALUE, dir.resolve("none.jsa")), "no such process");
    }
}
