package io.jcluster.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcluster.cli.Needs;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Zero-downtime reload of hello-netty (two workers, handoff) under a keep-alive load of 16
 * connections: three reloads, a rollback, a refused concurrent change, a config error, and a
 * scale down; the load client counts every failed connection and every non-200 answer.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(300)
class ReloadIT {
    private static final String APP = "reloading";
    private static Sandbox sandbox;
    private static int port;
    private static Path config;

    @BeforeAll
    static void start() throws Exception {
        Needs.that(Files.isRegularFile(Sandbox.HELLO_JAR), "hello-netty.jar is built");
        sandbox = new Sandbox();
        port = Sandbox.freePort();
        config = writeConfig("");
        Sandbox.Result r = sandbox.cli("start", "jcluster.toml");
        assertEquals(0, r.code(), () -> r.all() + sandbox.explain(APP));
    }

    @AfterAll
    static void stop() throws Exception {
        if (sandbox != null) sandbox.close();
    }

    private static Path writeConfig(String extra) throws Exception {
        return sandbox.write("jcluster.toml", """
                [app]
                name = "%s"
                jar = "%s"
                instances = 2
                port = %d
                %s
                [reload]
                drain_timeout = "5s"
                """.formatted(APP, Sandbox.HELLO_JAR.toAbsolutePath(), port, extra));
    }

    private static List<Long> pids() throws Exception {
        List<Long> pids = new ArrayList<>();
        for (JsonNode w : sandbox.app(APP).get("workers")) pids.add(w.get("pid").asLong());
        return pids;
    }

    private static void assertGeneration(long gen) throws Exception {
        for (JsonNode w : sandbox.app(APP).get("workers")) {
            assertEquals(gen, w.get("generation").asLong(), w.toString());
            assertEquals("ready", w.get("state").asText(), w.toString());
        }
    }

    private static void awaitTraffic(LoadClient load) throws InterruptedException {
        long from = load.ok();
        Sandbox.await("the load to get answers", Duration.ofSeconds(30), () -> load.ok() > from + 200);
    }

    @Test
    @Order(1)
    void threeReloadsUnderLoadFailNoRequest() throws Exception {
        try (LoadClient load = new LoadClient(port, 16)) {
            awaitTraffic(load);
            for (int i = 0; i < 3; i++) {
                Sandbox.Result r = sandbox.cli("reload", APP);
                assertEquals(0, r.code(), () -> r.all() + sandbox.explain(APP));
                assertTrue(r.out().contains("every slot runs generation " + (i + 2)), r.out());
                // the default warm-up: the old worker serves beside the ready new one, hands its connections over, then drains
                assertTrue(r.out().contains("serves beside it for 3s (warm-up), then drains"), r.out());
                assertTrue(r.out().contains("slot 1: warm-up of pid") && r.out().contains("over; draining pid"), r.out());
                awaitTraffic(load);
            }
            load.close();
            assertEquals(0, load.failed(), () -> "failed requests: " + load.failures());
            assertTrue(load.ok() > 1000, "the load ran: " + load.ok());
        }
        assertGeneration(4);
    }

    @Test
    @Order(2)
    void aConcurrentChangeIsRefusedAndAReadyTimeoutRollsBack() throws Exception {
        // The new generation never passes its readiness check, so this reload stays under way
        // (for ready_timeout) while the other changes are tried, then fails and rolls back.
        sandbox.write("jcluster.toml", Files.readString(config).replace("[reload]", "[reload]\nready = \"http:/never-ready\"\nready_timeout = \"20s\""));
        List<Long> before = pids();
        ProcessBuilder pb = new ProcessBuilder(Sandbox.DIST.resolve("bin/jcluster").toAbsolutePath().toString(), "reload", APP)
                .directory(sandbox.dir.toFile()).redirectErrorStream(true)
                .redirectOutput(sandbox.dir.resolve("first-reload.txt").toFile());
        pb.environment().put("JCLUSTER_HOME", sandbox.home.toString());
        Process first = pb.start();
        try {
            Sandbox.await("the first reload to be under way", Duration.ofSeconds(60), () -> {
                try {
                    JsonNode reason = sandbox.app(APP).get("reason");
                    return reason != null && reason.asText().contains("in progress");
                } catch (Exception e) {
                    return false;
                }
            });
            Sandbox.Result second = sandbox.cli("reload", APP);
            assertEquals(1, second.code(), second.all());
            assertTrue(second.err().contains("cannot reload now: a reload to generation 5 is running"), second.err());
            Sandbox.Result scale = sandbox.cli("scale", APP, "3");
            assertEquals(1, scale.code(), scale.all());
            assertTrue(scale.err().contains("cannot scale now: a reload to generation 5 is running"), scale.err());
            Sandbox.Result stop = sandbox.cli("stop", APP);
            assertEquals(1, stop.code(), stop.all());
            assertTrue(stop.err().contains("jcluster: reloading: cannot stop now: a reload to generation 5 is running"), stop.err());
            assertTrue(first.waitFor(120, TimeUnit.SECONDS));
            String firstOut = Files.readString(sandbox.dir.resolve("first-reload.txt"));
            assertEquals(1, first.exitValue(), firstOut);
            assertTrue(firstOut.contains("failed: pid") && firstOut.contains("not ready within 20s"), firstOut);
        } finally {
            first.destroyForcibly();
            writeConfig("");
        }
        assertEquals(before, pids(), "slot 0 never left generation 4 and slot 1 was not touched");
        assertGeneration(4);
    }

    @Test
    @Order(3)
    void aConfigErrorLeavesEverythingRunning() throws Exception {
        List<Long> before = pids();
        sandbox.write("jcluster.toml", Files.readString(config).replace("[reload]", "[reload]\ndrain_timout = \"5s\""));
        try {
            Sandbox.Result r = sandbox.cli("reload", APP);
            assertEquals(2, r.code(), r.all());
            assertTrue(r.err().contains("the config does not load, nothing was changed: " + sandbox.dir.resolve("jcluster.toml")
                    + ":8: reload.drain_timout: unknown key"), r.err());
        } finally {
            writeConfig("");
        }
        assertEquals(before, pids(), "no worker was replaced");
        assertGeneration(4);
        assertTrue(Sandbox.get(port, Duration.ofSeconds(10)).contains("gen=4"));
    }

    @Test
    @Order(4)
    void aNewGenerationThatFailsIsRolledBackWhileServing() throws Exception {
        writeConfig("[app.env]\nHELLO_FAIL_SLOT = \"1\"\n");
        Sandbox.Result r;
        try (LoadClient load = new LoadClient(port, 16)) {
            awaitTraffic(load);
            r = sandbox.cli("reload", APP);
            awaitTraffic(load);
            load.close();
            assertEquals(0, load.failed(), () -> "failed requests: " + load.failures());
        } finally {
            writeConfig("");
        }
        assertEquals(1, r.code(), () -> r.all() + sandbox.explain(APP));
        assertTrue(r.out().contains("slot 0: pid") && r.out().contains("slot 0: rolling back to generation 4"),
                () -> r.all() + sandbox.explain(APP));
        assertTrue(r.err().contains("reload failed: slot 1: the new worker of generation 5 failed"), () -> r.all() + sandbox.explain(APP));
        assertTrue(r.err().contains("every slot runs generation 4 again"), () -> r.all() + sandbox.explain(APP));
        assertTrue(r.err().contains("HELLO_FAIL_SLOT=1 says slot 1 fails at start"), () -> "the failed worker's last lines: " + r.all()
                + sandbox.explain(APP));
        assertGeneration(4);
    }

    @Test
    @Order(5)
    void scaleUpThenDownUnderLoadFailsNoRequest() throws Exception {
        try (LoadClient load = new LoadClient(port, 16)) {
            awaitTraffic(load);
            Sandbox.Result up = sandbox.cli("scale", APP, "+1");
            assertEquals(0, up.code(), () -> up.all() + sandbox.explain(APP));
            assertEquals(3, sandbox.app(APP).get("workers").size());
            awaitTraffic(load);
            Sandbox.Result down = sandbox.cli("scale", APP, "1");
            assertEquals(0, down.code(), () -> down.all() + sandbox.explain(APP));
            assertTrue(down.out().contains("slot 2: queue empty; draining pid"), down.out());
            awaitTraffic(load);
            load.close();
            assertEquals(0, load.failed(), () -> "failed requests: " + load.failures());
        }
        JsonNode app = sandbox.app(APP);
        assertEquals(1, app.get("workers").size());
        assertEquals("online", app.get("state").asText());
        assertEquals(0, sandbox.cli("scale", APP, "2").code());
        assertEquals(2, sandbox.app(APP).get("workers").size());
    }

    @Test
    @Order(6)
    void restartReplacesOneSlotAtOnce() throws Exception {
        List<Long> before = pids();
        Sandbox.Result r = sandbox.cli("restart", APP, "--slot", "0");
        assertEquals(0, r.code(), () -> r.all() + sandbox.explain(APP));
        List<Long> after = pids();
        assertTrue(after.get(0) != before.get(0).longValue(), "slot 0 has a new worker");
        assertEquals(before.get(1), after.get(1), "slot 1 is untouched");
        Sandbox.Result bad = sandbox.cli("restart", APP, "--slot", "7");
        assertEquals(2, bad.code(), bad.all());
        assertTrue(bad.err().contains("no slot 7 (the app has slots 0 to 1)"), bad.err());
    }
}
