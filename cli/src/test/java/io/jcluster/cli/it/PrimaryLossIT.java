package io.jcluster.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code kill -9} of a primary: its workers drain and exit; a new start recovers from the stale run directory. */
@Timeout(180)
class PrimaryLossIT {
    @Test
    void workersDoNotOutliveTheirPrimaryAndTheAppStartsAgain() throws Exception {
        try (Sandbox sandbox = new Sandbox()) {
            int port = Sandbox.freePort();
            sandbox.write("jcluster.toml", """
                    [app]
                    name = "orphans"
                    jar = "%s"
                    instances = 2
                    port = %d
                    [reload]
                    drain_timeout = "2s"
                    """.formatted(Sandbox.HELLO_JAR.toAbsolutePath(), port));
            Sandbox.Result r = sandbox.cli("start", "jcluster.toml");
            assertEquals(0, r.code(), () -> r.all() + sandbox.explain("orphans"));
            JsonNode app = sandbox.app("orphans");
            List<Long> workers = new ArrayList<>();
            for (JsonNode w : app.get("workers")) workers.add(w.get("pid").asLong());
            long primary = app.get("primaryPid").asLong();

            ProcessHandle.of(primary).orElseThrow().destroyForcibly();
            Sandbox.await("the workers to exit after their primary died", Duration.ofSeconds(2 + 15),
                    () -> workers.stream().noneMatch(Sandbox::alive));
            assertTrue(Files.exists(sandbox.home.resolve("run/orphans/primary.pid")), "a stale run directory is left");

            Sandbox.Result again = sandbox.cli("start", "jcluster.toml");
            assertEquals(0, again.code(), () -> again.all() + sandbox.explain("orphans"));
            assertTrue(Sandbox.get(port, Duration.ofSeconds(20)).contains("slot="));
            assertEquals(0, sandbox.cli("stop", "orphans").code());
            assertEquals(List.of(), sandbox.leftovers());
        }
    }
}
