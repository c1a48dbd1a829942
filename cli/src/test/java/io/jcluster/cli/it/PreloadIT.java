package io.jcluster.cli.it;

import static io.jcluster.cli.it.Sandbox.await;
import static io.jcluster.cli.it.Sandbox.fields;
import static io.jcluster.cli.it.Sandbox.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Apps that link nothing of jcluster and bind the port as stock servers do (no SO_REUSEPORT): the
 * preload library adopts their bind, so every worker serves the primary's slot socket, and the
 * socket's queue outlives a worker's {@code kill -9}. Also what must fail, and how: a child process
 * of a worker binding the port, and a distribution without the library.
 */
@Timeout(240)
class PreloadIT {
    private static final Duration HTTP = Duration.ofSeconds(30);

    @Test
    void aStockHttpServerOnTwoWorkersServesThePrimarysSlotSockets() throws Exception {
        try (Sandbox sandbox = new Sandbox()) {
            int port = Sandbox.freePort();
            // child-bind: a com.sun.net.httpserver.HttpServer, and a child JVM that tries to bind the port too
            Sandbox.Result r = sandbox.cli("start", Sandbox.FAKE_JAR.toAbsolutePath().toString(), "-i", "2", "-p",
                    Integer.toString(port), "--name", "stock", "--", "child-bind");
            assertEquals(0, r.code(), () -> r.all() + "\n" + sandbox.explain("stock"));

            Set<String> pids = new HashSet<>();
            for (int i = 0; i < 300 && pids.size() < 2; i++) {
                java.util.Map<String, String> answer = fields(get(port, HTTP));
                pids.add(answer.get("pid"));
                // HttpServer.getAddress(): the ServerSocketChannel's local address, read (getsockname) from the adopted socket
                assertTrue(answer.get("local").endsWith(":" + port), answer.toString());
            }
            assertEquals(workerPids(sandbox, "stock"), pids, "both workers answer on port " + port);

            long primary = Long.parseLong(Files.readString(sandbox.home.resolve("run/stock/primary.pid")).trim());
            Set<Long> listening = Sandbox.listeningInodes(port);
            Set<Long> primarys = intersect(Sandbox.socketInodes(primary), listening);
            assertEquals(2, primarys.size(), "the primary holds one slot socket per slot: " + primarys);
            assertEquals(primarys, listening, "no process listens on port " + port + " with a socket of its own");
            Set<Long> held = new HashSet<>();
            for (String pid : pids) {
                Set<Long> mine = intersect(Sandbox.socketInodes(Long.parseLong(pid)), listening);
                assertEquals(1, mine.size(), "worker " + pid + " holds one listener: " + mine);
                held.addAll(mine);
            }
            assertEquals(primarys, held, "each worker holds its own slot's socket, the primary's");
            String log = sandbox.primaryLog("stock");
            assertTrue(log.contains("binds port " + port) && log.contains("ready (listening on port " + port), log);

            // The child of a worker is refused, with a line in the worker's log, and the worker serves on.
            await("the children's refusals in the workers' logs", HTTP, () -> {
                for (int slot = 0; slot < 2; slot++) {
                    String out = workerLog(sandbox, "stock", slot);
                    if (!out.contains("fake: child bind failed: java.net.BindException")) return false;
                }
                return true;
            });
            for (int slot = 0; slot < 2; slot++) {
                String out = workerLog(sandbox, "stock", slot);
                assertTrue(out.matches("(?s).*jcluster: cannot bind port " + port
                        + ": the primary refused: pid \\d+ is not a worker of stock.*"), out);
            }

            // kill -9 of a worker: what it had accepted is lost with it, but every connection made from then
            // on is answered (by the other worker, or queued in the slot socket for the replacement), none reset.
            long victim = sandbox.worker("stock", 0).get("pid").asLong();
            ProcessHandle.of(victim).orElseThrow().destroyForcibly();
            ProcessHandle.of(victim).ifPresent(p -> p.onExit().join());
            AtomicBoolean loading = new AtomicBoolean(true);
            ExecutorService clients = Executors.newFixedThreadPool(4);
            try {
                List<Future<List<String>>> load = new ArrayList<>();
                for (int c = 0; c < 4; c++) {
                    load.add(clients.submit(() -> {
                        List<String> got = new ArrayList<>();
                        while (loading.get()) got.add(fields(get(port, HTTP)).get("pid"));
                        return got;
                    }));
                }
                await("a replacement on slot 0", Duration.ofSeconds(60), () -> {
                    JsonNode w = worker(sandbox, "stock", 0);
                    return w != null && "ready".equals(w.get("state").asText()) && w.get("pid").asLong() != victim;
                });
                long replacement = sandbox.worker("stock", 0).get("pid").asLong();
                Set<String> seen = new HashSet<>();
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (!seen.contains(Long.toString(replacement)) && System.nanoTime() < deadline) {
                    seen.add(fields(get(port, HTTP)).get("pid"));
                }
                loading.set(false);
                int answered = 0;
                for (Future<List<String>> f : load) answered += f.get(60, TimeUnit.SECONDS).size(); // throws on any failed request
                assertTrue(answered > 0, "the load ran");
                assertTrue(seen.contains(Long.toString(replacement)), "the replacement " + replacement + " answers: " + seen);
                assertNotEquals(victim, replacement);
                assertEquals(primarys, intersect(Sandbox.socketInodes(primary), Sandbox.listeningInodes(port)), "the slot sockets stayed");
                assertEquals(1, intersect(Sandbox.socketInodes(replacement), primarys).size(), "the replacement holds a slot socket of the primary");
            } finally {
                loading.set(false);
                clients.shutdownNow();
            }
        }
    }

    @Test
    void reloadsOfAStockHttpServerUnderKeepAliveLoadFailNoRequest() throws Exception {
        try (Sandbox sandbox = new Sandbox()) {
            int port = Sandbox.freePort();
            Sandbox.Result r = sandbox.cli("start", Sandbox.FAKE_JAR.toAbsolutePath().toString(), "-i", "2", "-p",
                    Integer.toString(port), "--name", "keepalive", "--", "jdk-http");
            assertEquals(0, r.code(), () -> r.all() + "\n" + sandbox.explain("keepalive"));
            try (LoadClient load = new LoadClient(port, 16)) {
                await("answers", HTTP, () -> load.ok() > 200);
                long reconnectsBefore = load.reconnects();
                for (int i = 0; i < 3; i++) {
                    Sandbox.Result reload = sandbox.cli("reload", "keepalive");
                    assertEquals(0, reload.code(), () -> reload.all() + sandbox.explain("keepalive"));
                    long from = load.ok();
                    await("answers after reload " + (i + 1), HTTP, () -> load.ok() > from + 200);
                }
                await("the library's counts in the workers' figures", HTTP, () -> {
                    for (int slot = 0; slot < 2; slot++) {
                        JsonNode w = worker(sandbox, "keepalive", slot);
                        JsonNode f = w == null ? null : w.get("heartbeat");
                        if (f == null || !f.has("app.connections") || f.path("app.accepts").asLong() == 0) return false;
                    }
                    return true;
                });
                load.close();
                // The HttpServer knows nothing of jcluster and is SIGTERMed with its keep-alive connections
                // open: without the library's drain these fail (reset, or closed before an answer).
                assertEquals(0, load.failed(), () -> "failed requests: " + load.failures() + "\n" + sandbox.explain("keepalive"));
                assertTrue(load.reconnects() > reconnectsBefore, "the draining workers' responses said Connection: close");
            }
            // Every old worker's connections closed before its SIGTERM: moved during the warm-up (the hand-over), or
            // closed by the drain
            String log = sandbox.primaryLog("keepalive");
            assertTrue(log.contains("its last connection closed") || log.contains("drained, no connection open"), log);
            assertFalse(log.contains("drain timeout"), log);
        }
    }

    @Test
    void aBlockingServerSocketKeepsItsQueueAcrossKill9() throws Exception {
        try (Sandbox sandbox = new Sandbox()) {
            int port = Sandbox.freePort();
            // IPv4 only: the app's fd is AF_INET, the slot socket it gets is the primary's dual-stack AF_INET6 one
            Sandbox.Result r = sandbox.cli("start", Sandbox.FAKE_JAR.toAbsolutePath().toString(), "-i", "1", "-p",
                    Integer.toString(port), "--name", "blocking", "--jvm-arg=-Djava.net.preferIPv4Stack=true", "--", "server-socket");
            assertEquals(0, r.code(), () -> r.all() + "\n" + sandbox.explain("blocking"));
            long victim = sandbox.worker("blocking", 0).get("pid").asLong();
            java.util.Map<String, String> first = fields(get(port, HTTP));
            assertEquals(Long.toString(victim), first.get("pid"));
            assertTrue(first.get("local").endsWith(":" + port), "the app's local address: " + first);
            assertTrue(sandbox.primaryLog("blocking").contains("binds port " + port + " (inet)"), sandbox.explain("blocking"));

            // The only worker dies: connections made now wait in the slot socket's queue for the replacement.
            ProcessHandle.of(victim).orElseThrow().destroyForcibly();
            ProcessHandle.of(victim).ifPresent(p -> p.onExit().join());
            ExecutorService clients = Executors.newFixedThreadPool(8);
            try {
                List<Future<String>> waiting = new ArrayList<>();
                for (int c = 0; c < 8; c++) waiting.add(clients.submit(() -> fields(get(port, HTTP)).get("pid")));
                Set<String> answeredBy = new HashSet<>();
                for (Future<String> f : waiting) answeredBy.add(f.get(60, TimeUnit.SECONDS)); // a reset throws here
                long replacement = sandbox.worker("blocking", 0).get("pid").asLong();
                assertNotEquals(victim, replacement);
                assertEquals(Set.of(Long.toString(replacement)), answeredBy, "the replacement answers the queued connections");
            } finally {
                clients.shutdownNow();
            }
        }
    }

    @Test
    void aDistributionWithoutTheLibraryStartsNoWorkerAndSaysWhy() throws Exception {
        try (Sandbox sandbox = new Sandbox()) {
            Path dist = sandbox.dir.resolve("dist");
            copy(Sandbox.DIST, dist);
            Files.delete(dist.resolve("lib/libjcluster-preload.so"));
            int port = Sandbox.freePort();
            Sandbox.Result r = sandbox.cli(dist, "start", Sandbox.FAKE_JAR.toAbsolutePath().toString(), "-i", "1", "-p",
                    Integer.toString(port), "--name", "nolib", "--", "jdk-http");
            assertNotEquals(0, r.code(), r.all());
            String why = "the jcluster distribution lacks " + dist.toRealPath().resolve("lib/libjcluster-preload.so");
            assertTrue(r.all().contains(why), r.all());
            Sandbox.Result ls = sandbox.cli(dist, "ls", "nolib");
            assertTrue(ls.out().contains(why) && ls.out().contains("errored"), ls.all());
            assertEquals(List.of(), workerJvms(sandbox), "no worker runs");
            Sandbox.Result doctor = sandbox.cli(dist, "doctor");
            assertEquals(1, doctor.code(), doctor.all());
            assertTrue(doctor.out().contains("preload library    FAILED: " + why), doctor.out());
        }
    }

    @Test
    void doctorShowsThatTheLibraryAdoptsABindOfAPortHeldElsewhere() throws Exception {
        try (Sandbox sandbox = new Sandbox()) {
            Sandbox.Result doctor = sandbox.cli("doctor");
            assertEquals(0, doctor.code(), doctor.all());
            assertTrue(doctor.out().contains("preload library    ok: a JVM's bind() of a port held elsewhere took the socket"),
                    doctor.out());
        }
    }

    // ---- what the kernel says ----



    private static Set<Long> intersect(Set<Long> a, Set<Long> b) {
        Set<Long> both = new HashSet<>(a);
        both.retainAll(b);
        return both;
    }

    private static Set<String> workerPids(Sandbox sandbox, String app) throws Exception {
        Set<String> pids = new HashSet<>();
        for (JsonNode w : sandbox.app(app).get("workers")) pids.add(w.get("pid").asText());
        return pids;
    }

    private static JsonNode worker(Sandbox sandbox, String app, int slot) {
        try {
            return sandbox.worker(app, slot);
        } catch (Exception | AssertionError e) {
            return null;
        }
    }

    private static String workerLog(Sandbox sandbox, String app, int slot) {
        try {
            return Files.readString(sandbox.home.resolve("logs").resolve(app).resolve(slot + ".log"));
        } catch (IOException e) {
            return "";
        }
    }

    /** Worker JVMs of this sandbox: its processes that run with the agent. */
    private static List<ProcessHandle> workerJvms(Sandbox sandbox) {
        return sandbox.leftovers().stream()
                .filter(p -> p.info().commandLine().orElse("").contains("-javaagent:"))
                .toList();
    }

    private static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(target);
                else Files.copy(p, target, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
            }
        }
    }
}
