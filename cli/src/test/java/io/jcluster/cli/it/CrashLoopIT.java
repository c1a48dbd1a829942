package io.jcluster.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.BindException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An app that throws at start: restarts back off exponentially, then the slot is errored, the
 * primary stays and the port refuses connections; a reload to a version that starts recovers it.
 */
@Timeout(180)
class CrashLoopIT {
    @Test
    void backsOffThenErrorsWithThePrimaryAliveAndLsSayingWhy() throws Exception {
        try (Sandbox sandbox = new Sandbox()) {
            int port = Sandbox.freePort();
            sandbox.write("jcluster.toml", """
                    [app]
                    name = "crashy"
                    jar = "%s"
                    instances = 1
                    port = %d
                    args = ["crash-on-start"]

                    [restart]
                    backoff_initial = "300ms"
                    backoff_multiplier = 2.0
                    max_failures = 4
                    failure_window = "1m"
                    """.formatted(Sandbox.FAKE_JAR.toAbsolutePath(), port));
            Sandbox.Result r = sandbox.cli("start", "jcluster.toml");
            assertEquals(1, r.code(), r.all());
            assertTrue(r.err().contains("crashy did not start: slot 0 failed to start 4 times within 1m"), r.err());
            assertTrue(r.err().contains("exit code 1"), r.err());
            assertTrue(r.err().contains("fake: boom on start"), "the last log lines are shown: " + r.err());

            // Backoff is visible in the timing of the starts the slot log records (jcluster's notes in it): 300, 600, 1200 ms at least.
            List<Instant> starts = Files.readAllLines(sandbox.home.resolve("logs/crashy/0.log")).stream()
                    .filter(l -> l.contains("[jcluster] worker started"))
                    .map(l -> Instant.parse(l.substring(0, l.indexOf(' ')))) // lines start with their timestamp
                    .toList();
            assertEquals(4, starts.size(), "four starts, then the guard");
            List<Instant> exits = Files.readAllLines(sandbox.home.resolve("logs/crashy/0.log")).stream()
                    .filter(l -> l.contains("[jcluster] worker exited"))
                    .map(l -> Instant.parse(l.substring(0, l.indexOf(' ')))) // lines start with their timestamp
                    .toList();
            long[] minimum = {300, 600, 1200};
            for (int i = 0; i < 3; i++) {
                long gap = Duration.between(exits.get(i), starts.get(i + 1)).toMillis();
                assertTrue(gap >= minimum[i] - 20, "restart " + (i + 1) + " waited " + gap + " ms, backoff says " + minimum[i]);
            }

            JsonNode app = sandbox.app("crashy");
            assertEquals("errored", app.get("state").asText());
            assertTrue(app.get("reason").asText().contains("failed to start 4 times"), app.toString());
            JsonNode w = app.get("workers").get(0);
            assertEquals("errored", w.get("state").asText());
            assertEquals(1, w.get("lastExit").get("code").asInt());
            long primary = app.get("primaryPid").asLong();
            assertTrue(Sandbox.alive(primary), "the primary stays up");

            Sandbox.Result ls = sandbox.cli("ls");
            assertTrue(ls.out().contains("errored") && ls.out().contains("failed to start 4 times"), ls.out());
            assertTrue(ls.out().contains("fake: boom on start"), ls.out());

            // Nobody would ever accept: the port refuses connections at once instead of queueing them.
            assertTrue(app.get("reason").asText().contains("port " + port + " refuses connections"), app.toString());
            try (Socket s = new Socket()) {
                assertThrows(ConnectException.class, () -> s.connect(new InetSocketAddress("127.0.0.1", port), 5_000));
            }
            // ... and keeps the port: nothing else can bind it meanwhile.
            try (ServerSocket other = new ServerSocket()) {
                assertThrows(BindException.class, () -> other.bind(new InetSocketAddress("127.0.0.1", port)));
            }

            // A reload to a version that starts listens again and clears the errored slot.
            sandbox.write("jcluster.toml", """
                    [app]
                    name = "crashy"
                    jar = "%s"
                    instances = 1
                    port = %d
                    """.formatted(Sandbox.HELLO_JAR.toAbsolutePath(), port));
            Sandbox.Result reload = sandbox.cli("reload", "crashy");
            assertEquals(0, reload.code(), () -> reload.all() + sandbox.explain("crashy"));
            assertEquals("online", sandbox.app("crashy").get("state").asText());
            assertTrue(Sandbox.get(port, Duration.ofSeconds(10)).contains("slot=0"), "hello-netty answers on the slot's socket");
        }
    }
}
