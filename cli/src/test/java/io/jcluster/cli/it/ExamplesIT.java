package io.jcluster.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The framework examples that bind the port themselves ({@code listen = "self"}, SO_REUSEPORT)
 * start under jcluster from their own {@code jcluster.toml} and answer on one port from two
 * workers. They link nothing from jcluster: readiness comes from the port.
 */
@Timeout(240)
class ExamplesIT {
    private static final Path EXAMPLES = Path.of(System.getProperty("jcluster.examples", "../examples"));

    @ParameterizedTest
    @ValueSource(strings = {"hello-vertx", "hello-jetty"})
    void selfBindingExampleServesFromTwoWorkers(String example) throws Exception {
        Path config = EXAMPLES.resolve(example).resolve("jcluster.toml").toAbsolutePath();
        assumeTrue(Files.isRegularFile(EXAMPLES.resolve(example).resolve("target/" + example + ".jar")), example + " is built");
        try (Sandbox sandbox = new Sandbox()) {
            int port = Sandbox.freePort();
            Sandbox.Result r = sandbox.cli("start", config.toString(), "-i", "2", "-p", Integer.toString(port));
            assertEquals(0, r.code(), () -> r.all() + "\n" + sandbox.primaryLog(example));
            Set<String> slots = new TreeSet<>();
            Set<String> pids = new TreeSet<>();
            for (int i = 0; i < 300 && slots.size() < 2; i++) {
                String body = Sandbox.get(port, Duration.ofSeconds(10));
                assertTrue(body.startsWith("hello from " + example.substring("hello-".length())), body);
                Map<String, String> f = Sandbox.fields(body);
                slots.add(f.get("slot"));
                pids.add(f.get("pid"));
            }
            assertEquals(Set.of("0", "1"), slots, "both workers answer on port " + port);
            assertEquals(2, pids.size());
            assertTrue(sandbox.primaryLog(example).contains("listening on port " + port), "ready came from the port");
            Sandbox.Result logs = sandbox.cli("logs", example, "--raw", "--out");
            assertTrue(logs.out().contains(example + ": listening on port " + port), "the app's output is in its log: " + logs.all());
            assertEquals(0, sandbox.cli("stop", example).code());
            assertEquals(java.util.List.of(), sandbox.leftovers());
        }
    }

    /**
     * The same jars in handoff mode: the preload library adopts their bind (netty's for Vert.x, which
     * registers its socket with epoll first; the JDK's for Jetty), so both workers serve the slot sockets.
     */
    @ParameterizedTest
    @ValueSource(strings = {"hello-vertx", "hello-jetty"})
    void theSameExampleServesTheSlotSocketsInHandoffMode(String example) throws Exception {
        Path config = EXAMPLES.resolve(example).resolve("jcluster.toml").toAbsolutePath();
        assumeTrue(Files.isRegularFile(EXAMPLES.resolve(example).resolve("target/" + example + ".jar")), example + " is built");
        try (Sandbox sandbox = new Sandbox()) {
            int port = Sandbox.freePort();
            Sandbox.Result r = sandbox.cli("start", config.toString(), "-i", "2", "-p", Integer.toString(port), "--listen", "handoff");
            assertEquals(0, r.code(), () -> r.all() + "\n" + sandbox.primaryLog(example));
            Set<String> slots = new TreeSet<>();
            for (int i = 0; i < 300 && slots.size() < 2; i++) {
                slots.add(Sandbox.fields(Sandbox.get(port, Duration.ofSeconds(10))).get("slot"));
            }
            assertEquals(Set.of("0", "1"), slots, "both workers answer on port " + port);
            String log = sandbox.primaryLog(example);
            assertTrue(log.contains("slot 0: worker pid") && log.contains("binds port " + port), log);
            assertEquals(0, sandbox.cli("stop", example).code());
        }
    }
}
