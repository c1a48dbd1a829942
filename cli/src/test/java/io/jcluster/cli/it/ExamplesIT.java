package io.jcluster.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcluster.cli.Needs;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.parallel.Isolated;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The framework examples, unmodified servers that know nothing of jcluster and set no SO_REUSEPORT
 * (Vert.x, Jetty, a stock Spring Boot jar, the JDK's HttpServer), start from their own
 * {@code jcluster.toml} in handoff mode: the preload library adopts their bind, so two workers
 * answer on one port. The Spring Boot and JDK examples also reload under load without a failed
 * request, and a {@code kill -9} loses at most the killed worker's connections.
 */
@Timeout(480)
// Alone: its Spring Boot JVMs (two workers, a third during each reload, a spare) beside the other
// classes' load starved every JVM on 2 cores until heartbeats stopped for 14 s (a fresh-clone CI run).
@Isolated
class ExamplesIT {
    private static final Path EXAMPLES = Path.of(System.getProperty("jcluster.examples", "../examples"));
    private static final Duration HTTP = Duration.ofSeconds(10);
    /** The load's connections: a kill -9 can lose at most the requests in flight on these. */
    private static final int CONNECTIONS = 16;

    @ParameterizedTest
    @ValueSource(strings = {"hello-vertx", "hello-jetty", "hello-spring", "hello-jdk"})
    void anUnmodifiedServerServesFromTwoWorkersOnOnePort(String example) throws Exception {
        Path config = config(example);
        try (Sandbox sandbox = new Sandbox()) {
            int port = Sandbox.freePort();
            Sandbox.Result r = sandbox.cli("start", config.toString(), "-i", "2", "-p", Integer.toString(port));
            assertEquals(0, r.code(), () -> r.all() + "\n" + sandbox.explain(example));
            Set<String> pids = new TreeSet<>();
            for (int i = 0; i < 300 && pids.size() < 2; i++) {
                String body = Sandbox.get(port, HTTP);
                assertTrue(body.startsWith("hello from " + example.substring("hello-".length())), body);
                pids.add(Sandbox.fields(body).get("pid"));
            }
            assertEquals(workerPids(sandbox, example), pids, "both workers answer on port " + port);
            String log = sandbox.primaryLog(example);
            assertTrue(log.contains("slot 0: worker pid") && log.contains("binds port " + port), "the bind was adopted: " + log);
            assertEquals(0, sandbox.cli("stop", example).code());
            assertEquals(java.util.List.of(), sandbox.leftovers());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"hello-spring", "hello-jdk"})
    void reloadsUnderLoadFailNoRequestAndAKillLosesOnlyTheKilledWorkersConnections(String example) throws Exception {
        Path config = config(example);
        try (Sandbox sandbox = new Sandbox()) {
            int port = Sandbox.freePort();
            Sandbox.Result r = sandbox.cli("start", config.toString(), "-i", "2", "-p", Integer.toString(port));
            assertEquals(0, r.code(), () -> r.all() + "\n" + sandbox.explain(example));
            try (LoadClient load = new LoadClient(port, CONNECTIONS)) {
                awaitTraffic(load);
                for (int i = 0; i < 2; i++) {
                    Sandbox.Result reload = sandbox.cli("reload", example);
                    assertEquals(0, reload.code(), () -> reload.all() + sandbox.explain(example));
                    awaitTraffic(load);
                }
                assertEquals(0, load.failed(), () -> "failed requests during the reloads: " + load.failures()
                        + "\n" + sandbox.explain(example));
                assertEquals(3, sandbox.worker(example, 0).get("generation").asInt());

                long victim = sandbox.worker(example, 0).get("pid").asLong();
                ProcessHandle.of(victim).orElseThrow().destroyForcibly(); // SIGKILL
                Sandbox.await("slot 0's replacement", Duration.ofSeconds(120), () -> {
                    try {
                        JsonNode w = sandbox.worker(example, 0);
                        return "ready".equals(w.get("state").asText()) && w.get("pid").asLong() != victim;
                    } catch (Exception e) {
                        return false;
                    }
                });
                awaitTraffic(load);
                long failed = load.failed();
                assertTrue(failed <= CONNECTIONS, "a kill -9 loses at most the requests in flight on the killed worker's"
                        + " connections: " + failed + " failed: " + load.failures());
            }
            assertEquals(0, sandbox.cli("stop", example).code());
        }
    }

    /**
     * Spring Boot binds after its context is built: a warm spare waits inside that bind, its start-up
     * done, and takes the slot of a killed worker.
     */
    @Test
    void aWarmSpareOfStockSpringBootTakesTheSlotOfAKilledWorker() throws Exception {
        String example = "hello-spring";
        Path config = config(example);
        try (Sandbox sandbox = new Sandbox()) {
            int port = Sandbox.freePort();
            Sandbox.Result r = sandbox.cli("start", config.toString(), "-i", "1", "--spares", "1", "-p", Integer.toString(port));
            assertEquals(0, r.code(), () -> r.all() + "\n" + sandbox.explain(example));
            long[] spare = {0};
            Sandbox.await("a warm spare", Duration.ofSeconds(120), () -> {
                try {
                    JsonNode s = sandbox.app(example).get("spares");
                    if (s.size() != 1 || !"spare".equals(s.get(0).get("state").asText())) return false;
                    spare[0] = s.get(0).get("pid").asLong();
                    return true;
                } catch (Exception e) {
                    return false;
                }
            });
            String spareLog = Files.readString(sandbox.home.resolve("logs/" + example + "/spare.log"));
            assertTrue(spareLog.contains("Root WebApplicationContext: initialization completed") && !spareLog.contains("Started "),
                    "the spare built its Spring context and waits in Tomcat's bind: " + spareLog);
            long victim = sandbox.worker(example, 0).get("pid").asLong();
            ProcessHandle.of(victim).orElseThrow().destroyForcibly(); // SIGKILL
            Sandbox.await("the spare serves slot 0", Duration.ofSeconds(60), () -> {
                try {
                    JsonNode w = sandbox.worker(example, 0);
                    return "ready".equals(w.get("state").asText()) && w.get("pid").asLong() == spare[0];
                } catch (Exception e) {
                    return false;
                }
            });
            assertTrue(Sandbox.get(port, Duration.ofSeconds(30)).contains("pid=" + spare[0]), "the former spare answers");
            Sandbox.await("the spare's output in slot 0's log once it took the slot", Duration.ofSeconds(30), () -> {
                try {
                    return Files.readString(sandbox.home.resolve("logs/" + example + "/0.log")).contains(spare[0] + " --- [hello-spring]");
                } catch (java.io.IOException e) {
                    return false;
                }
            });
            assertEquals(0, sandbox.cli("stop", example).code());
        }
    }

    private static Path config(String example) {
        Needs.that(Files.isRegularFile(EXAMPLES.resolve(example).resolve("target/" + example + ".jar")), example + " is built");
        return EXAMPLES.resolve(example).resolve("jcluster.toml").toAbsolutePath();
    }

    private static Set<String> workerPids(Sandbox sandbox, String app) throws Exception {
        Set<String> pids = new TreeSet<>();
        for (JsonNode w : sandbox.app(app).get("workers")) pids.add(w.get("pid").asText());
        return pids;
    }

    private static void awaitTraffic(LoadClient load) throws InterruptedException {
        long from = load.ok();
        Sandbox.await("the load to get answers", Duration.ofSeconds(60), () -> load.ok() > from + 200);
    }
}
