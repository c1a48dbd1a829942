package io.jcluster.cli.it;

import static io.jcluster.cli.it.Sandbox.await;
import static io.jcluster.cli.it.Sandbox.read;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcluster.cli.Needs;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code jcluster start --foreground} as a container's PID 1: worker output on stdout tagged with
 * app/slot ({@code --logs stdout}), and SIGTERM stops every worker gracefully, exits 0 and leaves
 * no process. The primary really is PID 1 of a new PID namespace ({@code unshare}).
 */
@Timeout(180)
class ForegroundIT {
    @Test
    void sigtermStopsAPid1PrimaryCleanly() throws Exception {
        Needs.that(Sandbox.canUnshare(), "unshare --pid works here (root or user namespaces)");
        try (Sandbox sandbox = new Sandbox()) {
            int port = Sandbox.freePort();
            Path out = sandbox.dir.resolve("pid1.txt");
            List<String> command = new ArrayList<>(List.of("unshare", "--pid", "--fork", "--mount-proc",
                    Sandbox.DIST.resolve("bin/jcluster").toAbsolutePath().toString(), "start", "--foreground", "--logs", "stdout",
                    Sandbox.FAKE_JAR.toAbsolutePath().toString(), "--name", "pid1", "-i", "2", "-p", Integer.toString(port),
                    "--listen", "self", "--", "self-http"));
            Process unshare = sandbox.background(out, command);
            try {
                // Each worker binds its own SO_REUSEPORT socket (--listen self): both must have said so
                // before the kernel can spread connections over both.
                await("both workers listening, their output on stdout", Duration.ofSeconds(90), () -> {
                    String s = read(out);
                    return s.contains("pid1/0 | fake: listening on " + port) && s.contains("pid1/1 | fake: listening on " + port);
                });
                Set<String> slots = new TreeSet<>();
                for (int i = 0; i < 200 && slots.size() < 2; i++) {
                    slots.add(Sandbox.fields(Sandbox.get(port, Duration.ofSeconds(10))).get("slot"));
                }
                assertEquals(Set.of("0", "1"), slots, "two workers answer on one port");

                ProcessHandle primary = unshare.toHandle().children().findFirst().orElseThrow();
                assertEquals("1", Sandbox.nsPid(primary.pid()), "the primary is PID 1 of its namespace");
                primary.destroy(); // SIGTERM
                assertTrue(unshare.waitFor(60, TimeUnit.SECONDS), "the primary exits after SIGTERM:\n" + read(out));
                assertEquals(0, unshare.exitValue(), "a graceful stop exits 0:\n" + read(out));
                String text = read(out);
                assertTrue(text.contains("SIGTERM: stopping gracefully"), text);
                assertTrue(text.contains("stopped"), text);
                assertTrue(text.lines().filter(l -> l.contains("worker exited")).count() >= 2, text);
                assertEquals(List.of(), sandbox.leftovers(), "no process is left");
            } finally {
                unshare.destroyForcibly();
                unshare.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void stdoutLogsNeedTheForeground() throws Exception {
        try (Sandbox sandbox = new Sandbox()) {
            Sandbox.Result r = sandbox.cli("start", Sandbox.FAKE_JAR.toAbsolutePath().toString(), "--logs", "stdout");
            assertEquals(2, r.code(), r.all());
            assertTrue(r.err().contains("logs to stdout need --foreground"), r.err());
        }
    }
}
