package io.jcluster.cli.it;

import static io.jcluster.cli.it.Sandbox.await;
import static io.jcluster.cli.it.Sandbox.fields;
import static io.jcluster.cli.it.Sandbox.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An app of two ports ({@code ports = [A, B]}, a management port, say) that links nothing of jcluster
 * and binds both with a stock {@code HttpServer}: the primary opens one socket per port per slot, the
 * preload library adopts both binds, and every slot serves both ports, across reloads and scaling.
 */
@Timeout(300)
class MultiPortIT {
    private static final Duration HTTP = Duration.ofSeconds(30);

    @Test
    void twoWorkersServeBothPortsAndAReloadLosesNothingOnEither() throws Exception {
        try (Sandbox sandbox = new Sandbox()) {
            int a = Sandbox.freePort();
            int b = otherFreePort(a);
            sandbox.write("jcluster.toml", "[app]\nname = \"two\"\njar = \"" + Sandbox.FAKE_JAR.toAbsolutePath()
                    + "\"\ninstances = 2\nports = [" + a + ", " + b + "]\nargs = [\"every-port\"]\n");
            Sandbox.Result r = sandbox.cli("start", "jcluster.toml");
            assertEquals(0, r.code(), () -> r.all() + "\n" + sandbox.explain("two"));
            assertTrue(r.out().contains("on ports " + a + ", " + b), r.out());

            Set<String> pids = workerPids(sandbox, "two");
            assertEquals(2, pids.size());
            for (int port : List.of(a, b)) {
                assertEquals(pids, answeringPids(port, 2), "both workers answer on port " + port);
            }
            long primary = Long.parseLong(Files.readString(sandbox.home.resolve("run/two/primary.pid")).trim());
            for (int port : List.of(a, b)) {
                Set<Long> listening = Sandbox.listeningInodes(port);
                assertEquals(2, intersect(Sandbox.socketInodes(primary), listening).size(), "the primary holds 2 slot sockets of port " + port);
                assertEquals(intersect(Sandbox.socketInodes(primary), listening), listening, "nobody else listens on " + port);
                for (String pid : pids) {
                    assertEquals(1, intersect(Sandbox.socketInodes(Long.parseLong(pid)), listening).size(),
                            "worker " + pid + " holds its slot's socket of port " + port);
                }
            }
            String log = sandbox.primaryLog("two");
            assertTrue(log.contains("binds port " + a) && log.contains("binds port " + b), log);
            assertTrue(log.contains("ready (listening on ports " + a + ", " + b), log);

            // ls --json and describe show both ports
            JsonNode app = sandbox.app("two");
            assertEquals(a, app.get("port").asInt());
            assertEquals(List.of(a, b), ints(app.get("ports")));
            Sandbox.Result ls = sandbox.cli("ls", "two");
            assertTrue(ls.out().contains(a + "," + b), ls.out());
            Sandbox.Result describe = sandbox.cli("describe", "two");
            assertEquals(0, describe.code(), describe.all());
            assertTrue(describe.out().contains("on ports " + a + ", " + b + " (listen handoff)"), describe.out());
            assertTrue(describe.out().contains("ports = [" + a + ", " + b + "]"), describe.out());
            Sandbox.Result doctor = sandbox.cli("doctor");
            assertTrue(doctor.out().contains("two: online, listen handoff, ports " + a + " (2 of 2 slot sockets listen), "
                    + b + " (2 of 2 slot sockets listen)"), doctor.out());

            // reloads under keep-alive load on both ports: the library drains each port's connections
            try (LoadClient onA = new LoadClient(a, 8); LoadClient onB = new LoadClient(b, 8)) {
                await("answers on both ports", HTTP, () -> onA.ok() > 100 && onB.ok() > 100);
                for (int i = 0; i < 2; i++) {
                    Sandbox.Result reload = sandbox.cli("reload", "two");
                    assertEquals(0, reload.code(), () -> reload.all() + sandbox.explain("two"));
                    long fromA = onA.ok();
                    long fromB = onB.ok();
                    await("answers on both ports after reload " + (i + 1), HTTP, () -> onA.ok() > fromA + 100 && onB.ok() > fromB + 100);
                }
                onA.close();
                onB.close();
                assertEquals(0, onA.failed(), () -> "failed on port " + a + ": " + onA.failures() + "\n" + sandbox.explain("two"));
                assertEquals(0, onB.failed(), () -> "failed on port " + b + ": " + onB.failures() + "\n" + sandbox.explain("two"));
            }
            Set<String> reloaded = workerPids(sandbox, "two");
            assertTrue(intersect(reloaded, pids).isEmpty(), "every worker was replaced: " + pids + " → " + reloaded);
            for (int port : List.of(a, b)) assertEquals(reloaded, answeringPids(port, 2), "the new workers answer on port " + port);

            // scale up: the new slot gets a socket on each port; scale down: it gives both back
            Sandbox.Result up = sandbox.cli("scale", "two", "3");
            assertEquals(0, up.code(), () -> up.all() + sandbox.explain("two"));
            Set<String> three = workerPids(sandbox, "two");
            assertEquals(3, three.size());
            for (int port : List.of(a, b)) {
                assertEquals(3, intersect(Sandbox.socketInodes(primary), Sandbox.listeningInodes(port)).size(), "3 slot sockets of " + port);
                assertEquals(three, answeringPids(port, 3), "the three workers answer on port " + port);
            }
            Sandbox.Result down = sandbox.cli("scale", "two", "2");
            assertEquals(0, down.code(), () -> down.all() + sandbox.explain("two"));
            for (int port : List.of(a, b)) {
                assertEquals(2, Sandbox.listeningInodes(port).size(), "slot 2's socket of port " + port + " is closed");
            }

            // jcluster upgrade hands over one port's sockets: refused, and the app runs on
            Sandbox.Result upgrade = sandbox.cli("upgrade", "two");
            assertNotEquals(0, upgrade.code(), upgrade.all());
            assertTrue(upgrade.all().contains("of one port only"), upgrade.all());
            assertEquals("online", sandbox.app("two").get("state").asText());
            for (int port : List.of(a, b)) fields(get(port, HTTP));
        }
    }

    @Test
    void aSelfListeningAppIsReadyOnlyOnceItListensOnEveryPort() throws Exception {
        try (Sandbox sandbox = new Sandbox()) {
            int a = Sandbox.freePort();
            int b = otherFreePort(a);
            // the second port is bound 3 s after the first: start returns (every worker ready) only after that
            Sandbox.Result r = sandbox.cli("start", Sandbox.FAKE_JAR.toAbsolutePath().toString(), "-i", "2", "-p", a + "," + b,
                    "--listen", "self", "--name", "selfish", "--", "self-every-port", "3000");
            assertEquals(0, r.code(), () -> r.all() + "\n" + sandbox.explain("selfish"));
            Set<String> pids = workerPids(sandbox, "selfish");
            for (int port : List.of(a, b)) fields(get(port, HTTP)); // refused, if ready had come from the first port alone
            assertTrue(sandbox.primaryLog("selfish").contains("ready (listening on ports " + a + ", " + b), sandbox.explain("selfish"));
            for (int port : List.of(a, b)) assertEquals(pids, answeringPids(port, 2), "both workers answer on port " + port);
            JsonNode worker = sandbox.worker("selfish", 0);
            assertEquals("ready", worker.get("state").asText());
        }
    }

    @Test
    void repeatedPortFlagsWork() throws Exception {
        try (Sandbox sandbox = new Sandbox()) {
            int a = Sandbox.freePort();
            int b = otherFreePort(a);
            Sandbox.Result r = sandbox.cli("start", Sandbox.FAKE_JAR.toAbsolutePath().toString(), "-i", "1", "-p", Integer.toString(a),
                    "--port", Integer.toString(b), "--name", "repeated", "--", "every-port");
            assertEquals(0, r.code(), () -> r.all() + "\n" + sandbox.explain("repeated"));
            for (int port : List.of(a, b)) {
                Map<String, String> answer = fields(get(port, HTTP));
                assertEquals(Integer.toString(port), answer.get("port"), answer.toString());
            }
            // the worker's environment: JCLUSTER_PORT is the first port, JCLUSTER_PORTS has both, PORT the first
            long pid = sandbox.worker("repeated", 0).get("pid").asLong();
            String environ = new String(Files.readAllBytes(java.nio.file.Path.of("/proc/" + pid + "/environ")));
            List<String> vars = List.of(environ.split("\0"));
            assertTrue(vars.contains("JCLUSTER_PORT=" + a), vars.toString());
            assertTrue(vars.contains("JCLUSTER_PORTS=" + a + "," + b), vars.toString());
            assertTrue(vars.contains("PORT=" + a), vars.toString());
        }
    }

    /** The pids that answer on {@code port} until {@code n} have (at most 300 requests). */
    private static Set<String> answeringPids(int port, int n) throws Exception {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 300 && seen.size() < n; i++) {
            Map<String, String> answer = fields(get(port, HTTP));
            if (answer.containsKey("port")) assertEquals(Integer.toString(port), answer.get("port"), answer.toString());
            seen.add(answer.get("pid"));
        }
        return seen;
    }

    private static int otherFreePort(int not) throws Exception {
        int p;
        do {
            p = Sandbox.freePort();
        } while (p == not);
        return p;
    }

    private static Set<String> workerPids(Sandbox sandbox, String app) throws Exception {
        Set<String> pids = new HashSet<>();
        for (JsonNode w : sandbox.app(app).get("workers")) pids.add(w.get("pid").asText());
        return pids;
    }

    private static List<Integer> ints(JsonNode array) {
        List<Integer> list = new ArrayList<>();
        if (array != null) array.forEach(n -> list.add(n.asInt()));
        return list;
    }

    private static <T> Set<T> intersect(Set<T> x, Set<T> y) {
        Set<T> both = new HashSet<>(x);
        both.retainAll(y);
        return both;
    }
}
