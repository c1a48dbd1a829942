package io.jcluster.cli.it;

import static io.jcluster.cli.it.Sandbox.await;
import static io.jcluster.cli.it.Sandbox.fields;
import static io.jcluster.cli.it.Sandbox.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcluster.cli.Needs;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * hello-netty under jcluster with two workers on one port: the slot-owned listeners, the shape of
 * {@code ls --json}, a worker's {@code kill -9} and its replacement on the same slot, and a stop
 * that leaves nothing behind. One app is shared by the ordered tests, to spend JVM start-ups once.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(180)
class CoreIT {
    private static final Duration HTTP = Duration.ofSeconds(20);
    private static Sandbox sandbox;
    private static int port;

    @BeforeAll
    static void start() throws Exception {
        Needs.that(Files.isRegularFile(Sandbox.HELLO_JAR), "hello-netty.jar is built");
        sandbox = new Sandbox();
        port = Sandbox.freePort();
        sandbox.startHello("hello", port);
    }

    @AfterAll
    static void stop() throws Exception {
        if (sandbox != null) sandbox.close();
    }

    @Test
    @Order(1)
    void bothSlotsAnswerOnOnePort() throws Exception {
        Set<String> slots = new TreeSet<>();
        for (int i = 0; i < 200 && slots.size() < 2; i++) {
            slots.add(fields(get(port, HTTP)).get("slot"));
        }
        assertEquals(Set.of("0", "1"), slots, "the kernel spreads new connections over both slot sockets");
    }

    @Test
    @Order(2)
    void lsJsonHasTheDocumentedShape() throws Exception {
        Sandbox.Result r = sandbox.cli("ls", "--json");
        assertEquals(0, r.code(), r.all());
        JsonNode apps = Sandbox.JSON.readTree(r.out());
        assertTrue(apps.isArray());
        assertEquals(1, apps.size());
        JsonNode app = apps.get(0);
        assertEquals("hello", app.get("name").asText());
        assertEquals("online", app.get("state").asText());
        assertEquals(port, app.get("port").asInt());
        JsonNode workers = app.get("workers");
        assertEquals(2, workers.size());
        Set<Long> pids = new HashSet<>();
        for (int i = 0; i < 2; i++) {
            JsonNode w = workers.get(i);
            assertEquals(i, w.get("slot").asInt());
            assertTrue(w.get("pid").asLong() > 0);
            pids.add(w.get("pid").asLong());
            assertEquals("ready", w.get("state").asText());
            assertEquals(1, w.get("generation").asLong());
            assertEquals(0, w.get("restarts").asInt());
            assertTrue(w.get("uptimeMillis").isIntegralNumber());
        }
        assertEquals(2, pids.size(), "two distinct worker processes");

        Sandbox.Result table = sandbox.cli("ls");
        assertEquals(0, table.code(), table.all());
        assertTrue(table.out().lines().findFirst().orElse("").startsWith("APP"), table.out());
        assertTrue(table.out().contains("hello") && table.out().contains("ready"), table.out());
    }

    @Test
    @Order(3)
    void aKilledWorkerIsReplacedOnItsSlotWhileThePortKeepsAnswering() throws Exception {
        JsonNode before = sandbox.worker("hello", 0);
        long victim = before.get("pid").asLong();
        ProcessHandle.of(victim).orElseThrow().destroyForcibly(); // SIGKILL
        // Every request from now on must be answered: connections for slot 0 wait in the
        // primary's socket until the replacement takes the same fd.
        List<String> answers = new java.util.ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        boolean replaced = false;
        while (!replaced && System.nanoTime() < deadline) {
            answers.add(get(port, HTTP));
            JsonNode w = sandbox.worker("hello", 0);
            replaced = "ready".equals(w.get("state").asText()) && w.get("pid").asLong() != victim;
        }
        assertTrue(replaced, () -> "slot 0 was not replaced:\n" + sandbox.explain("hello"));
        for (int i = 0; i < 40; i++) answers.add(get(port, HTTP));
        JsonNode w = sandbox.worker("hello", 0);
        assertNotEquals(victim, w.get("pid").asLong());
        assertEquals(1, w.get("restarts").asInt());
        assertTrue(w.get("lastExit").get("signal").asText().equals("KILL"), w.toString());
        long newPid = w.get("pid").asLong();
        assertTrue(answers.stream().map(a -> fields(a).get("pid")).anyMatch(p -> p.equals(Long.toString(newPid))),
                "the replacement serves slot 0");
        assertFalse(Sandbox.alive(victim));
    }

    @Test
    @Order(4)
    void signalReachesTheSlotsWorkerThroughThePrimary() throws Exception {
        long pid = sandbox.worker("hello", 1).get("pid").asLong();
        Sandbox.Result r = sandbox.cli("signal", "hello", "--slot", "1", "SIGQUIT");
        assertEquals(0, r.code(), r.all());
        assertTrue(r.out().contains("hello: sent SIGQUIT to the worker of slot 1"), r.out());
        Sandbox.await("the thread dump of slot 1's worker in its log", Duration.ofSeconds(30), () -> {
            try {
                return java.nio.file.Files.readString(sandbox.home.resolve("logs/hello/1.log")).contains("Full thread dump");
            } catch (java.io.IOException e) {
                return false;
            }
        });
        assertEquals(pid, sandbox.worker("hello", 1).get("pid").asLong(), "SIGQUIT dumps threads; the worker lives on");
        Sandbox.Result bad = sandbox.cli("signal", "hello", "SIGNOPE");
        assertEquals(2, bad.code(), bad.all());
        assertTrue(bad.err().contains("'SIGNOPE' is not a signal"), bad.err());
        Sandbox.Result noSlot = sandbox.cli("signal", "hello", "--slot", "7", "USR1");
        assertEquals(2, noSlot.code(), noSlot.all());
        assertTrue(noSlot.err().contains("no slot 7"), noSlot.err());
    }

    @Test
    @Order(5)
    void stopLeavesNoProcessAndNoRunFiles() throws Exception {
        List<Long> pids = new java.util.ArrayList<>();
        for (JsonNode w : sandbox.app("hello").get("workers")) pids.add(w.get("pid").asLong());
        long primary = Long.parseLong(Files.readString(sandbox.home.resolve("run/hello/primary.pid")).trim());
        Sandbox.Result r = sandbox.cli("stop", "hello");
        assertEquals(0, r.code(), r.all());
        assertTrue(r.out().contains("stopped hello"), r.out());
        for (long pid : pids) assertFalse(Sandbox.alive(pid), "worker " + pid + " is gone");
        assertFalse(Sandbox.alive(primary), "the primary is gone");
        assertFalse(Files.exists(sandbox.home.resolve("run/hello")), "the run directory is removed");
        assertEquals(List.of(), sandbox.leftovers());
        assertTrue(Files.exists(sandbox.home.resolve("logs/hello/0.log")), "logs stay");
        Sandbox.Result ls = sandbox.cli("ls");
        assertEquals(0, ls.code());
        assertTrue(ls.out().contains("no apps running"), ls.out());
        await("port " + port + " to be free", Duration.ofSeconds(5), () -> {
            try (java.net.ServerSocket s = new java.net.ServerSocket(port)) {
                return true;
            } catch (java.io.IOException e) {
                return false;
            }
        });
    }
}
