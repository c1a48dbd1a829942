package io.jcluster.cli.it;

import static io.jcluster.cli.it.Sandbox.await;
import static io.jcluster.cli.it.Sandbox.fields;
import static io.jcluster.cli.it.Sandbox.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.jcluster.cli.Needs;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Warm spares ({@code --spares}): a real JVM that has done its start-up waits in its bind, holding
 * no socket of the port, until a slot needs it. After {@code kill -9} of a slot's worker the spare
 * takes the slot (its pid answers on the port), and a new spare starts, so the count is kept;
 * {@code scale} up takes a spare too.
 */
@Timeout(240)
class SparesIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String APP = "spared";

    @Test
    void aSpareTakesTheSlotOfAKilledWorkerAndAnotherTakesItsPlace() throws Exception {
        try (Sandbox sandbox = new Sandbox()) {
            int port = Sandbox.freePort();
            // the heap set in jvm_args: a new count changes no worker's share, so scale up may take the spare
            Sandbox.Result r = sandbox.cli("start", Sandbox.FAKE_JAR.toAbsolutePath().toString(), "--name", APP, "-i", "2",
                    "--spares", "1", "--jvm-arg=-Xmx64m", "-p", Integer.toString(port), "--", "self-http");
            assertEquals(0, r.code(), () -> r.all() + sandbox.explain(APP));
            long spare = warmSpare(sandbox);
            assertEquals(Set.of(), Sandbox.socketInodes(spare).stream().filter(Sandbox.listeningInodes(port)::contains)
                    .collect(java.util.stream.Collectors.toSet()), "a waiting spare holds no socket of the port");
            Sandbox.Result ls = sandbox.cli("ls", APP);
            assertTrue(ls.out().lines().anyMatch(l -> l.contains(" spare ") && l.contains(Long.toString(spare)) && l.contains("spare")),
                    ls.out());
            assertTrue(sandbox.cli("describe", APP).out().contains("spares: 1 (1 warm"), "describe says what the spare costs");

            killSlotZeroForThe(sandbox, spare);
            Set<String> answering = new HashSet<>();
            for (int i = 0; i < 200 && !answering.contains(Long.toString(spare)); i++) {
                answering.add(fields(get(port, WAIT)).get("pid"));
            }
            assertTrue(answering.contains(Long.toString(spare)), "the former spare answers on the port: " + answering);
            assertTrue(sandbox.primaryLog(APP).contains("slot 0: spare pid " + spare + " takes the slot (warm"),
                    sandbox.explain(APP));
            long next = warmSpare(sandbox);
            assertNotEquals(spare, next, "a new spare keeps the count");
            assertEquals(1, sandbox.worker(APP, 0).get("restarts").asInt());

            Sandbox.Result scaled = sandbox.cli("scale", APP, "3");
            assertEquals(0, scaled.code(), () -> scaled.all() + sandbox.explain(APP));
            assertEquals(next, sandbox.worker(APP, 2).get("pid").asLong(), "scale up took the spare for slot 2");
            warmSpare(sandbox);
            assertEquals(0, sandbox.cli("stop", APP).code());
            assertTrue(!Sandbox.alive(next) && !Sandbox.alive(spare), "stop ends every worker");
        }
    }

    @Test
    void aSpareThatTakesSlotZeroAnswersAsSlotZero() throws Exception {
        Needs.that(java.nio.file.Files.isRegularFile(Sandbox.HELLO_JAR), "hello-netty.jar is built");
        try (Sandbox sandbox = new Sandbox()) {
            int port = Sandbox.freePort();
            Sandbox.Result r = sandbox.cli("start", Sandbox.HELLO_JAR.toAbsolutePath().toString(), "--name", APP, "-i", "2",
                    "--spares", "1", "-p", Integer.toString(port));
            assertEquals(0, r.code(), () -> r.all() + sandbox.explain(APP));
            long spare = warmSpare(sandbox);
            killSlotZeroForThe(sandbox, spare);
            Map<String, String> answer = Map.of();
            for (int i = 0; i < 200 && !Long.toString(spare).equals(answer.get("pid")); i++) answer = fields(get(port, WAIT));
            assertEquals(Long.toString(spare), answer.get("pid"), () -> "the former spare answers on the port" + sandbox.explain(APP));
            assertEquals("0", answer.get("slot"), () -> "JCluster.slot() of the former spare: " + sandbox.explain(APP));
            String environ = java.nio.file.Files.readString(java.nio.file.Path.of("/proc", Long.toString(spare), "environ"));
            assertTrue(environ.contains("JCLUSTER_SPARE=1\0") && !environ.contains("JCLUSTER_SLOT="),
                    "its environment, fixed at exec, still says spare and names no slot");
        }
    }

    @Test
    void sparesNeedHandoff() throws Exception {
        try (Sandbox sandbox = new Sandbox()) {
            Sandbox.Result r = sandbox.cli("start", Sandbox.FAKE_JAR.toAbsolutePath().toString(), "--spares", "1", "--listen", "self");
            assertEquals(2, r.code(), r.all());
            assertTrue(r.err().contains("app.spares") && r.err().contains("warm spares need listen = \"handoff\""), r.err());
            assertEquals("no apps running (start one with: jcluster start app.jar)", sandbox.cli("ls").out().strip());
        }
    }

    /** kill -9 of slot 0's worker, then waits until {@code spare} serves the slot, ready. */
    private static void killSlotZeroForThe(Sandbox sandbox, long spare) throws Exception {
        long victim = sandbox.worker(APP, 0).get("pid").asLong();
        assertTrue(new ProcessBuilder("kill", "-9", Long.toString(victim)).start().waitFor() == 0);
        await("the spare serves slot 0", WAIT, () -> {
            try {
                JsonNode w = sandbox.worker(APP, 0);
                return w.get("pid").asLong() == spare && "ready".equals(w.get("state").asText());
            } catch (Exception e) {
                return false;
            }
        });
    }

    /** Waits for the app's one spare to be warm (waiting in its bind) and returns its pid. */
    private static long warmSpare(Sandbox sandbox) throws Exception {
        long[] pid = {0};
        await("a warm spare", WAIT, () -> {
            try {
                JsonNode spares = sandbox.app(APP).get("spares");
                if (spares == null || spares.size() != 1 || !"spare".equals(spares.get(0).get("state").asText())) return false;
                pid[0] = spares.get(0).get("pid").asLong();
                return true;
            } catch (Exception e) {
                return false;
            }
        });
        return pid[0];
    }
}
