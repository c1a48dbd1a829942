package io.jcluster.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Hung workers (SIGSTOP) are thread-dumped, killed and replaced; a worker over its memory limit is replaced gracefully. */
@Timeout(240)
class HealthIT {
    @Test
    void aStoppedWorkerIsDumpedKilledAndReplaced() throws Exception {
        try (Sandbox sandbox = new Sandbox()) {
            int port = Sandbox.freePort();
            sandbox.write("jcluster.toml", """
                    [app]
                    name = "hangs"
                    jar = "%s"
                    instances = 2
                    port = %d
                    listen = "self"
                    args = ["self-http"]
                    [health]
                    heartbeat_interval = "250ms"
                    heartbeat_timeout = "2s"
                    """.formatted(Sandbox.FAKE_JAR.toAbsolutePath(), port));
            Sandbox.Result r = sandbox.cli("start", "jcluster.toml");
            assertEquals(0, r.code(), () -> r.all() + sandbox.explain("hangs"));
            long victim = sandbox.worker("hangs", 1).get("pid").asLong();
            assertTrue(Signal.send(victim, "STOP"));
            Sandbox.await("slot 1 to get a new ready worker", Duration.ofSeconds(60), () -> {
                try {
                    JsonNode w = sandbox.worker("hangs", 1);
                    return w.get("pid").asLong() != victim && "ready".equals(w.get("state").asText());
                } catch (Exception e) {
                    return false;
                }
            });
            Sandbox.await("the stopped worker to be gone", Duration.ofSeconds(10), () -> !Sandbox.alive(victim));
            JsonNode w = sandbox.worker("hangs", 1);
            assertEquals(1, w.get("restarts").asInt());
            assertTrue(w.get("lastExit").get("reason").asText().startsWith("hung: no heartbeat for"), w.toString());
            String log = Files.readString(sandbox.home.resolve("logs/hangs/1.log"));
            assertTrue(log.contains("Full thread dump"), "the thread dump is in the worker's log");
            assertTrue(sandbox.primaryLog("hangs").contains("worker pid " + victim + " is hung"));
            assertEquals(victim, sandbox.worker("hangs", 1).get("lastExit").get("pid").asLong());
        }
    }

    @Test
    void aWorkerOverItsMemoryLimitIsReplacedGracefully() throws Exception {
        try (Sandbox sandbox = new Sandbox()) {
            int port = Sandbox.freePort();
            sandbox.write("jcluster.toml", """
                    [app]
                    name = "grows"
                    jar = "%s"
                    instances = 1
                    port = %d
                    listen = "self"
                    args = ["grow"]
                    jvm_args = ["-Xmx1g", "-XX:+UseSerialGC"]
                    [health]
                    max_memory = "200m"
                    memory_grace = "500ms"
                    """.formatted(Sandbox.FAKE_JAR.toAbsolutePath(), port));
            Sandbox.Result r = sandbox.cli("start", "jcluster.toml");
            assertEquals(0, r.code(), () -> r.all() + sandbox.explain("grows"));
            long first = sandbox.worker("grows", 0).get("pid").asLong();
            Sandbox.await("the growing worker to be replaced", Duration.ofSeconds(90), () -> !Sandbox.alive(first));
            String log = sandbox.primaryLog("grows");
            assertTrue(log.contains("worker pid " + first + " rss ") && log.contains("over max_memory 200 MiB"), log);
            Sandbox.await("the replacement's exit record", Duration.ofSeconds(30), () -> {
                try {
                    JsonNode exit = sandbox.worker("grows", 0).get("lastExit");
                    return exit != null && exit.get("pid").asLong() == first;
                } catch (Exception e) {
                    return false;
                }
            });
            JsonNode w = sandbox.worker("grows", 0);
            assertTrue(w.get("lastExit").get("reason").asText().startsWith("replaced: rss"), w.toString());
            assertTrue(w.get("restarts").asInt() >= 1);
        }
    }

    @Test
    void aStuckEventLoopCountsAsHungAlthoughTheAgentStillBeats() throws Exception {
        try (Sandbox sandbox = new Sandbox()) {
            int port = Sandbox.freePort();
            sandbox.write("jcluster.toml", """
                    [app]
                    name = "stuck"
                    jar = "%s"
                    instances = 1
                    port = %d
                    [health]
                    heartbeat_interval = "250ms"
                    heartbeat_timeout = "2s"
                    """.formatted(Sandbox.HELLO_JAR.toAbsolutePath(), port));
            Sandbox.Result r = sandbox.cli("start", "jcluster.toml");
            assertEquals(0, r.code(), () -> r.all() + sandbox.explain("stuck"));
            long victim = sandbox.worker("stuck", 0).get("pid").asLong();
            Thread holder = new Thread(() -> {
                try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
                    s.getOutputStream().write("GET /work?ms=10000 HTTP/1.1\r\nHost: x\r\n\r\n".getBytes());
                    s.getInputStream().read(); // ends when the stuck worker is killed
                } catch (java.io.IOException expected) {
                    // reset by the kill
                }
            });
            holder.setDaemon(true);
            holder.start();
            Sandbox.await("the stuck worker to be replaced, and gone (its exit is the slot's last)", Duration.ofSeconds(60), () -> {
                try {
                    JsonNode w = sandbox.worker("stuck", 0);
                    return w.get("pid").asLong() != victim && "ready".equals(w.get("state").asText()) && w.hasNonNull("lastExit");
                } catch (Exception e) {
                    return false;
                }
            });
            JsonNode w = sandbox.worker("stuck", 0);
            assertTrue(w.get("lastExit").get("reason").asText().startsWith("hung: an event loop stuck for"), w.toString());
            assertTrue(Files.readString(sandbox.home.resolve("logs/stuck/0.log")).contains("Full thread dump"));
        }
    }

    /** kill(1) with a named signal. */
    static final class Signal {
        static boolean send(long pid, String name) throws Exception {
            Process p = new ProcessBuilder("kill", "-" + name, Long.toString(pid)).start();
            return p.waitFor() == 0;
        }
    }
}
