package io.jcluster.cli.primary.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcluster.cli.Needs;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** What a training run (and a Spring Boot extraction) runs under: a real process, its own view of itself. */
class TrainingRunTest {
    /** Fields of /proc/<pid>/stat after the command name: 6 is the session, 41 the scheduling policy. */
    private static String[] stat(String line) {
        return line.substring(line.lastIndexOf(')') + 2).split(" ");
    }

    @Test
    void itRunsAtIdlePolicyInASessionOfItsOwnAtTheLowestAutogroupWeight() throws Exception {
        Needs.executable("/usr/bin/setsid", "util-linux");
        Needs.executable("/usr/bin/chrt", "util-linux");
        List<String> command = new ArrayList<>(TrainingRun.idle());
        command.addAll(List.of("/bin/sh", "-c", "echo $$; cat /proc/$$/stat; cat /proc/$$/autogroup 2>/dev/null || echo none"));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the command ends");
        List<String> lines = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        assertEquals(3, lines.size(), lines::toString);
        String pid = lines.get(0);
        String[] stat = stat(lines.get(1)); // stat[0] is field 3, the state
        String ownSession = stat(Files.readString(Path.of("/proc/self/stat")))[3];
        assertEquals(pid, stat[3], "a session of its own, which it leads: " + lines);
        assertNotEquals(ownSession, stat[3], "not the primary's session");
        assertEquals("5", stat[38], "SCHED_IDLE: " + lines);
        boolean autogroup = Files.exists(Path.of("/proc/self/autogroup"));
        if (autogroup) {
            assertTrue(lines.get(2).endsWith(" nice 19"), "its autogroup at the lowest weight: " + lines.get(2));
            assertNotEquals(Files.readString(Path.of("/proc/self/autogroup")).split(" ")[0], lines.get(2).split(" ")[0], "another autogroup");
        } else {
            assertEquals("none", lines.get(2), "a kernel without autogroup has no file");
        }
    }
}
