package io.jcluster.cli.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcluster.cli.cgroup.Cgroup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Telling an out-of-memory from another death: the JVM's own line for its heap, the group's OOM-kill
 * count for a SIGKILL (each kill owned to one exit only), and a real child made the OOM killer's pick.
 */
class OomKillerTest {
    @TempDir
    Path root;

    @Test
    void theHeapByTheJvmsLineTheLimitByTheGroupsCount() throws Exception {
        Path fs = root.resolve("fs");
        Files.createDirectories(fs.resolve("pod"));
        Files.writeString(fs.resolve("cgroup.controllers"), "cpu memory\n");
        Files.writeString(fs.resolve("pod/memory.max"), Long.toString(1536L << 20));
        Path events = fs.resolve("pod/memory.events");
        Files.writeString(events, "oom 0\noom_kill 2\n");
        Path mounts = Files.writeString(root.resolve("mountinfo"), "30 24 0:26 / " + fs + " rw - cgroup2 cgroup2 rw\n");
        Path self = Files.writeString(root.resolve("self"), "0::/pod\n");
        OomKiller oom = new OomKiller(Cgroup.read(self, mounts, 16L << 30));

        assertEquals("out of memory: java.lang.OutOfMemoryError: Java heap space",
                oom.reason(3, List.of("pod: filling the heap", "Terminating due to java.lang.OutOfMemoryError: Java heap space")));
        assertNull(oom.reason(137, List.of()), "a SIGKILL with no new OOM kill in the group: someone's kill -9");
        Files.writeString(events, "oom 1\noom_kill 3\n");
        assertNull(oom.reason(1, List.of("boom")), "an exit code is not the OOM killer's");
        assertEquals("killed by the kernel's OOM killer: the memory limit of its cgroup (1536 MiB) was reached", oom.reason(137, List.of()));
        assertNull(oom.reason(137, List.of()), "one kill owns to one exit");
    }

    @Test
    void aWorkerIsPickedBeforeThePrimary() throws Exception {
        Process child = new ProcessBuilder("sleep", "30").start();
        try {
            assertTrue(OomKiller.preferWorker(child.pid()));
            int own = Integer.parseInt(Files.readString(Path.of("/proc/self/oom_score_adj")).trim());
            int adj = Integer.parseInt(Files.readString(Path.of("/proc", Long.toString(child.pid()), "oom_score_adj")).trim());
            assertEquals(Math.min(1000, own + OomKiller.WORKER_BIAS), adj);
        } finally {
            child.destroyForcibly();
            child.waitFor(10, TimeUnit.SECONDS);
        }
        assertTrue(!OomKiller.preferWorker(Long.MAX_VALUE), "no such process");
    }
}
