package io.jcluster.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A worker JVM starved of CPU (a reload beside other JVMs on a small machine) can take longer between
 * its connect to {@code workers.sock} and its first frame than the primary gives a silent stranger
 * (HostileInputIT): the primary keeps a live worker's connection open, and what the worker says on it
 * late still counts. When it closed it, the worker's listener request failed and the worker exited
 * with code 1 before it was ready.
 */
@Timeout(120)
class SlowWorkerIT {
    private static final String APP = "slow";

    @Test
    void aWorkerThatSaysNothingForLongerThanTheGuardKeepsItsConnection() throws Exception {
        try (Sandbox sandbox = new Sandbox()) {
            sandbox.write("jcluster.toml", """
                    [app]
                    name = "%s"
                    jar = "%s"
                    instances = 1
                    port = %d
                    args = ["slow-ready", "12"]
                    [reload]
                    ready = "call"
                    """.formatted(APP, Sandbox.FAKE_JAR.toAbsolutePath(), Sandbox.freePort()));
            Sandbox.Result r = sandbox.cli("start", "jcluster.toml");
            assertEquals(0, r.code(), () -> r.all() + sandbox.explain(APP));
            JsonNode w = sandbox.worker(APP, 0);
            assertEquals("ready", w.get("state").asText(), () -> w + sandbox.explain(APP));
            String log = sandbox.primaryLog(APP);
            assertTrue(log.contains("workers.sock: slot 0 pid " + w.get("pid").asLong() + " has sent nothing for 10000 ms"
                    + " on a new connection (starved of CPU?); keeping it open"), log);
            assertTrue(log.contains("ready (JCluster.ready()"), log);
            assertTrue(!log.contains("closed a connection"), log);
        }
    }
}
