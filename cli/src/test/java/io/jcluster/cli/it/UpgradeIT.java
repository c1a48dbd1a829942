package io.jcluster.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcluster.cli.Needs;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * {@code jcluster upgrade} of hello-netty (two workers, handoff) under a keep-alive load of 16
 * connections: an upgrade whose new workers cannot start leaves the running primary serving, and
 * an upgrade that works moves the app to a new primary process on the same slot sockets (the same
 * inodes), with not one failed request either time.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(300)
class UpgradeIT {
    private static final String APP = "upgrading";
    private static final Pattern NEW_PID = Pattern.compile("to pid (\\d+)");
    private static Sandbox sandbox;
    private static int port;
    private static String config;

    @BeforeAll
    static void start() throws Exception {
        Needs.that(Files.isRegularFile(Sandbox.HELLO_JAR), "hello-netty.jar is built");
        sandbox = new Sandbox();
        port = Sandbox.freePort();
        config = """
                [app]
                name = "%s"
                jar = "%s"
                instances = 2
                port = %d
                jvm_args = ["-Xmx64m"]
                [reload]
                drain_timeout = "5s"
                """.formatted(APP, Sandbox.HELLO_JAR.toAbsolutePath(), port);
        sandbox.write("jcluster.toml", config);
        Sandbox.Result r = sandbox.cli("start", "jcluster.toml");
        assertEquals(0, r.code(), () -> r.all() + sandbox.explain(APP));
    }

    @AfterAll
    static void stop() throws Exception {
        if (sandbox != null) sandbox.close();
    }

    @Test
    @Order(0)
    void anUpgradeWhoseConfigRenamesTheAppIsRefusedBeforeAnythingStarts() throws Exception {
        long primary = primaryPid();
        List<Long> workers = workerPids();
        sandbox.write("jcluster.toml", config.replace("name = \"" + APP + "\"", "name = \"renamed\""));
        Sandbox.Result r;
        try {
            r = sandbox.cli("upgrade", APP);
        } finally {
            sandbox.write("jcluster.toml", config);
        }
        assertEquals(2, r.code(), r::all);
        assertTrue(r.err().contains("the config now names the app 'renamed'") && r.err().contains("nothing was changed"), r.all());
        assertFalse(r.out().contains("upgrading primary"), "no new primary was launched: " + r.all());
        assertEquals(primary, primaryPid());
        assertEquals(workers, workerPids());
        assertFalse(Files.exists(sandbox.home.resolve("run").resolve("renamed")), "no run directory for the new name");
    }

    @Test
    @Order(1)
    void anUpgradeWhoseWorkersFailLeavesTheRunningPrimaryServing() throws Exception {
        long primary = primaryPid();
        List<Long> workers = workerPids();
        Set<Long> sockets = slotSocketInodes(primary);
        // the config file breaks between start and upgrade: the new primary's workers cannot start
        sandbox.write("jcluster.toml", config.replace("\"-Xmx64m\"", "\"-XX:+NoSuchOptionForJcluster\""));
        Sandbox.Result r;
        try (LoadClient load = new LoadClient(port, 16)) {
            awaitTraffic(load);
            r = sandbox.cli("upgrade", APP);
            awaitTraffic(load);
            load.close();
            assertEquals(0, load.failed(), () -> "failed requests: " + load.failures() + "\n" + sandbox.explain(APP));
            assertTrue(load.ok() > 400, "the load ran: " + load.ok());
            System.out.printf("UpgradeIT: failed upgrade: %d requests under load, 0 failed, primary %d kept%n", load.ok(), primary);
        } finally {
            sandbox.write("jcluster.toml", config);
        }
        assertEquals(1, r.code(), () -> r.all() + sandbox.explain(APP));
        assertTrue(r.err().contains("upgrade failed") && r.err().contains("carries on"), r.all());
        long failedPrimary = newPid(r);
        assertFalse(Sandbox.alive(failedPrimary), "the new primary gave up and exited");
        assertEquals(primary, primaryPid(), "the running primary stays the app's");
        assertTrue(Sandbox.alive(primary));
        assertEquals(workers, workerPids(), "nothing the running primary runs stopped");
        assertEquals(sockets, slotSocketInodes(primary));
        assertEquals(List.of("config.json", "control.sock", "primary.pid", "start.json", "workers.sock"), runFiles(), "no file of the failed primary is left");
        for (JsonNode w : sandbox.app(APP).get("workers")) assertEquals("ready", w.get("state").asText(), w.toString());
        assertTrue(Sandbox.get(port, Duration.ofSeconds(5)).contains("gen=1"));
        // and it still takes changes: the upgrade's hand-over is over
        Sandbox.Result again = sandbox.cli("restart", APP, "--slot", "0");
        assertEquals(0, again.code(), again::all);
    }

    /** The new primary is SIGKILLed while its workers start: its connection was the lease, so the old primary carries on. */
    @Test
    @Order(2)
    void aNewPrimaryThatDiesMidWayLeavesTheRunningPrimaryInCharge() throws Exception {
        long primary = primaryPid();
        List<Long> workers = workerPids();
        // the new workers never pass this readiness check: the take-over waits for them until killed
        sandbox.write("jcluster.toml", config.replace("[reload]", "[reload]\nready = \"http:/never-ready\"\nready_timeout = \"60s\""));
        Path output = sandbox.dir.resolve("upgrade-killed.txt");
        Process cli = sandbox.background(output, "upgrade", APP);
        long neo;
        try (LoadClient load = new LoadClient(port, 16)) {
            awaitTraffic(load);
            try {
                Sandbox.await("the new primary to start its workers", Duration.ofSeconds(60), () -> {
                    try {
                        return Files.readString(output).contains("slot 1: started pid");
                    } catch (IOException e) {
                        return false;
                    }
                });
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + "; jcluster upgrade said:\n" + Files.readString(output)
                        + sandbox.explain(APP), e);
            }
            Matcher m = NEW_PID.matcher(Files.readString(output));
            assertTrue(m.find(), Files.readString(output));
            neo = Long.parseLong(m.group(1));
            ProcessHandle.of(neo).ifPresent(ProcessHandle::destroyForcibly);
            assertTrue(cli.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "upgrade returns");
            awaitTraffic(load);
            load.close();
            assertEquals(0, load.failed(), () -> "failed requests: " + load.failures() + "\n" + sandbox.explain(APP));
            System.out.printf("UpgradeIT: killed new primary: %d requests under load, 0 failed%n", load.ok());
        } finally {
            sandbox.write("jcluster.toml", config);
            if (cli.isAlive()) cli.destroyForcibly();
        }
        assertEquals(1, cli.exitValue(), Files.readString(output));
        assertEquals(primary, primaryPid());
        assertEquals(workers, workerPids(), "nothing the running primary runs stopped");
        Sandbox.await("the old primary to carry on", Duration.ofSeconds(10), () -> sandbox.primaryLog(APP).contains("gave up the take-over"));
        List<Long> orphans = new ArrayList<>();
        Matcher started = Pattern.compile("slot \\d: started pid (\\d+)").matcher(Files.readString(output));
        while (started.find()) {
            long pid = Long.parseLong(started.group(1));
            if (!orphans.contains(pid)) orphans.add(pid); // the CLI's error repeats the new primary's log
        }
        assertEquals(2, orphans.size(), Files.readString(output));
        Sandbox.await("the dead primary's workers to exit (their channel closed)", Duration.ofSeconds(60),
                () -> orphans.stream().noneMatch(Sandbox::alive));
        Sandbox.await("the dead primary's sockets to be removed", Duration.ofSeconds(30), () -> runFiles().size() == 5);
        assertEquals(List.of("config.json", "control.sock", "primary.pid", "start.json", "workers.sock"), runFiles());
        Sandbox.Result reload = sandbox.cli("reload", APP);
        assertEquals(0, reload.code(), () -> "the app takes changes again: " + reload.all() + sandbox.explain(APP));
    }

    private static List<String> runFiles() {
        try (Stream<Path> files = Files.list(sandbox.home.resolve("run").resolve(APP))) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /** {@code jcluster upgrade}: a run that does not end in time fails with what the primaries logged. */
    private static Sandbox.Result upgrade() throws Exception {
        try {
            return sandbox.cli("upgrade", APP);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + sandbox.explain(APP), e);
        }
    }

    @Test
    @Order(3)
    void anUpgradeUnderLoadMovesTheAppToANewPrimaryOnTheSameSocketsAndFailsNoRequest() throws Exception {
        long old = primaryPid();
        Set<Long> sockets = slotSocketInodes(old);
        assertEquals(2, sockets.size(), "one listening socket per slot: " + sockets);
        long generation = sandbox.app(APP).get("workers").get(0).get("generation").asLong();
        Sandbox.Result r;
        long ok;
        try (LoadClient load = new LoadClient(port, 16)) {
            awaitTraffic(load);
            r = upgrade();
            awaitTraffic(load);
            load.close();
            ok = load.ok();
            assertEquals(0, load.failed(), () -> "failed requests: " + load.failures() + "\n" + sandbox.explain(APP));
            assertTrue(ok > 400, "the load ran: " + ok);
        }
        assertEquals(0, r.code(), () -> r.all() + sandbox.explain(APP));
        System.out.printf("UpgradeIT: %d requests under load, 0 failed, primary %d -> %d%n", ok, old, newPid(r));
        long neo = newPid(r);
        assertTrue(r.out().contains("upgraded: primary pid " + old + " → " + neo), r.out());
        assertNotEquals(old, neo);
        assertEquals(neo, primaryPid(), "primary.pid names the new primary");
        assertFalse(Sandbox.alive(old), "the old primary exited");
        JsonNode app = sandbox.app(APP);
        assertEquals(neo, app.get("primaryPid").asLong(), app.toString());
        for (JsonNode w : app.get("workers")) {
            long pid = w.get("pid").asLong();
            assertEquals(generation + 1, w.get("generation").asLong(), w.toString());
            assertEquals("ready", w.get("state").asText(), w.toString());
            assertEquals(neo, ProcessHandle.of(pid).flatMap(ProcessHandle::parent).map(ProcessHandle::pid).orElse(-1L),
                    "worker " + pid + " is the new primary's");
        }
        assertEquals(sockets, slotSocketInodes(neo), "the same slot sockets, never closed");
        assertEquals(sockets, listeningInodes(port), "no other socket listens on the port");
        assertTrue(Sandbox.get(port, Duration.ofSeconds(5)).contains("gen=" + (generation + 1)));
        Sandbox.Result ls = sandbox.cli("ls");
        assertEquals(0, ls.code(), ls::all);
        assertTrue(ls.out().contains(APP), ls.out());
        // the new primary is a primary like any: it reloads, and stops cleanly
        Sandbox.Result reload = sandbox.cli("reload", APP);
        assertEquals(0, reload.code(), () -> reload.all() + sandbox.explain(APP));
        Sandbox.Result stop = sandbox.cli("stop", APP);
        assertEquals(0, stop.code(), stop::all);
        assertFalse(Files.exists(sandbox.home.resolve("run").resolve(APP)), "the run directory is gone");
        assertTrue(sandbox.leftovers().isEmpty(), () -> "left running: " + sandbox.leftovers());
    }

    @Test
    @Order(4)
    void aForegroundPrimaryRefusesTheHandOver() throws Exception {
        int fgPort = Sandbox.freePort();
        Process fg = sandbox.background(sandbox.dir.resolve("foreground.txt"), "start", Sandbox.HELLO_JAR.toAbsolutePath().toString(),
                "--foreground", "-i", "1", "-p", Integer.toString(fgPort), "--name", "fg");
        try {
            Sandbox.await("the foreground app to serve", Duration.ofSeconds(60), () -> {
                try {
                    return Sandbox.get(fgPort, Duration.ofSeconds(2)).contains("gen=1");
                } catch (IOException e) {
                    return false;
                }
            });
            Sandbox.Result r = sandbox.cli("upgrade", "fg");
            assertEquals(1, r.code(), r::all);
            assertTrue(r.err().contains("runs in the foreground"), r.all());
            assertTrue(fg.isAlive(), "the foreground primary runs on");
            assertTrue(Sandbox.get(fgPort, Duration.ofSeconds(5)).contains("gen=1"));
            assertEquals(0, sandbox.cli("ls", "fg").code());
        } finally {
            fg.destroy(); // SIGTERM: a graceful stop
            if (!fg.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) fg.destroyForcibly();
        }
    }

    /** The upgrade under load: wrk (when installed) against the port while the primary is replaced; no socket error, no non-200. */
    @Test
    @Order(5)
    void anUpgradeUnderWrkFailsNoRequest() throws Exception {
        Path wrk = Path.of("/usr/bin/wrk");
        Needs.that(Files.isExecutable(wrk), "wrk (apt-get install -y wrk)");
        int wrkPort = Sandbox.freePort();
        sandbox.startHello("wrk-app", wrkPort);
        long old = Long.parseLong(Files.readString(sandbox.home.resolve("run/wrk-app/primary.pid")).trim());
        Path report = sandbox.dir.resolve("wrk.txt");
        Process load = sandbox.background(report, List.of(wrk.toString(), "-t1", "-c16", "-d12s", "--timeout", "10s",
                "http://127.0.0.1:" + wrkPort + "/"));
        try {
            Thread.sleep(2000);
            Sandbox.Result r = sandbox.cli("upgrade", "wrk-app");
            assertEquals(0, r.code(), () -> r.all() + sandbox.explain("wrk-app"));
            assertTrue(load.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "wrk ends after its 12 s");
        } finally {
            if (load.isAlive()) load.destroyForcibly();
        }
        String out = Files.readString(report);
        System.out.println("UpgradeIT: wrk during the upgrade:\n" + out);
        Matcher requests = Pattern.compile("(\\d+) requests in").matcher(out);
        assertTrue(requests.find(), out);
        assertTrue(Long.parseLong(requests.group(1)) > 1000, out);
        assertFalse(out.contains("Socket errors"), "no connect, read, write or timeout error: " + out);
        assertFalse(out.contains("Non-2xx"), "every answer a 200: " + out);
        assertFalse(Sandbox.alive(old), "the old primary exited");
        assertNotEquals(old, Long.parseLong(Files.readString(sandbox.home.resolve("run/wrk-app/primary.pid")).trim()));
    }

    private static void awaitTraffic(LoadClient load) throws InterruptedException {
        long from = load.ok();
        Sandbox.await("the load to get answers", Duration.ofSeconds(30), () -> load.ok() > from + 200);
    }

    private static long newPid(Sandbox.Result r) {
        Matcher m = NEW_PID.matcher(r.out());
        assertTrue(m.find(), "the new primary's pid in: " + r.all());
        return Long.parseLong(m.group(1));
    }

    private static long primaryPid() throws IOException {
        return Long.parseLong(Files.readString(sandbox.home.resolve("run").resolve(APP).resolve("primary.pid")).trim());
    }

    private static List<Long> workerPids() throws Exception {
        List<Long> pids = new ArrayList<>();
        for (JsonNode w : sandbox.app(APP).get("workers")) pids.add(w.get("pid").asLong());
        return pids;
    }

    /** The inodes of the sockets listening on the app's port that {@code pid} holds: its slot sockets. */
    private static Set<Long> slotSocketInodes(long pid) throws IOException {
        Set<Long> listening = listeningInodes(port);
        Set<Long> held = new TreeSet<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    String link = Files.readSymbolicLink(fd).toString();
                    if (link.startsWith("socket:[")) {
                        long inode = Long.parseLong(link.substring(8, link.length() - 1));
                        if (listening.contains(inode)) held.add(inode);
                    }
                } catch (IOException e) {
                    // closed meanwhile
                }
            }
        }
        return held;
    }

    /** Inodes of the TCP sockets listening on {@code port}, from /proc/net/tcp and tcp6. */
    private static Set<Long> listeningInodes(int port) throws IOException {
        Set<Long> inodes = new TreeSet<>();
        String hexPort = String.format(":%04X", port);
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            Path p = Path.of(table);
            if (!Files.exists(p)) continue;
            for (String line : Files.readAllLines(p)) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 9 && f[1].endsWith(hexPort) && "0A".equals(f[3])) inodes.add(Long.parseLong(f[9]));
            }
        }
        return inodes;
    }
}
