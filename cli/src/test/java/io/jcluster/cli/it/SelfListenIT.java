package io.jcluster.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code listen = "self"}: an app that links nothing binds the port itself; readiness comes from the port. */
@Timeout(180)
class SelfListenIT {
    @Test
    void appsThatBindThemselvesAreReadyWhenListening() throws Exception {
        try (Sandbox sandbox = new Sandbox()) {
            int port = Sandbox.freePort();
            Sandbox.Result r = sandbox.cli("start", Sandbox.FAKE_JAR.toAbsolutePath().toString(), "--name", "selfish",
                    "-i", "2", "-p", Integer.toString(port), "--listen", "self", "--", "self-http");
            assertEquals(0, r.code(), () -> r.all() + sandbox.explain("selfish"));
            Set<String> slots = new TreeSet<>();
            for (int i = 0; i < 200 && slots.size() < 2; i++) {
                slots.add(Sandbox.fields(Sandbox.get(port, Duration.ofSeconds(10))).get("slot"));
            }
            assertEquals(Set.of("0", "1"), slots);
            assertTrue(sandbox.primaryLog("selfish").contains("listening on port " + port), "ready came from the port");
            assertEquals(0, sandbox.cli("stop", "selfish").code());
        }
    }

    @Test
    void anHttpHealthPathCanDecideReadiness() throws Exception {
        try (Sandbox sandbox = new Sandbox()) {
            int port = Sandbox.freePort();
            sandbox.write("jcluster.toml", """
                    [app]
                    name = "healthy"
                    jar = "%s"
                    instances = 1
                    port = %d
                    listen = "self"
                    args = ["self-http"]
                    [reload]
                    ready = "http:/health"
                    """.formatted(Sandbox.FAKE_JAR.toAbsolutePath(), port));
            Sandbox.Result r = sandbox.cli("start", "jcluster.toml");
            assertEquals(0, r.code(), () -> r.all() + sandbox.explain("healthy"));
            assertTrue(sandbox.primaryLog("healthy").contains("ready (GET /health answered 2xx"), sandbox.explain("healthy"));
        }
    }
}
