package io.jcluster.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcluster.cli.Needs;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Who may talk to a primary. Its run directory is 0700 and its sockets 0600, so another user cannot
 * even reach them; and when the permissions are opened up by mistake, the primary still refuses
 * the other user's connections by their peer uid (SO_PEERCRED), with the reason in its log. The
 * primary listens on no TCP port but the app's. Needs root to create the other user.
 */
@Timeout(240)
class AccessIT {
    private static final String APP = "guarded";
    /** Connects to a Unix socket, sends one line, and says what happened: run as the other user. */
    private static final String PROBE = """
            import java.net.*;
            import java.nio.*;
            import java.nio.channels.*;
            public class Probe {
                public static void main(String[] a) throws Exception {
                    SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
                    try {
                        ch.connect(UnixDomainSocketAddress.of(a[0]));
                    } catch (Exception e) {
                        System.out.println("connect failed: " + e.getMessage());
                        return;
                    }
                    try {
                        ch.write(ByteBuffer.wrap("{\\"command\\":\\"ls\\"}\\n".getBytes()));
                        int n = ch.read(ByteBuffer.allocate(65536));
                        System.out.println(n < 0 ? "closed without an answer" : "answered " + n + " bytes");
                    } catch (Exception e) {
                        System.out.println("closed without an answer (" + e.getMessage() + ")");
                    }
                }
            }
            """;

    @Test
    void anotherUserCannotReachTheSocketsAndIsRefusedWhenItCan() throws Exception {
        Needs.that("0".equals(run(List.of("id", "-u")).trim()), "root, to create a user");
        String user = "jcluster-it-" + ProcessHandle.current().pid();
        Path probeDir = Files.createTempDirectory("jcluster-probe-");
        try (Sandbox sandbox = new Sandbox()) {
            Needs.that(run(List.of("useradd", "-M", "-r", "-s", "/usr/sbin/nologin", user)).isEmpty(), "useradd " + user);
            Files.setPosixFilePermissions(probeDir, PosixFilePermissions.fromString("rwxr-xr-x"));
            Path probe = Files.writeString(probeDir.resolve("Probe.java"), PROBE);
            Files.setPosixFilePermissions(probe, PosixFilePermissions.fromString("rw-r--r--"));
            int uid = Integer.parseInt(run(List.of("id", "-u", user)).trim());

            int port = Sandbox.freePort();
            Sandbox.Result r = sandbox.cli("start", Sandbox.HELLO_JAR.toAbsolutePath().toString(), "-i", "1", "-p",
                    Integer.toString(port), "--name", APP);
            assertEquals(0, r.code(), () -> "start failed: " + r.all() + "\n" + sandbox.explain(APP));
            JsonNode app = sandbox.app(APP);
            long primary = app.get("primaryPid").asLong();
            long worker = app.get("workers").get(0).get("pid").asLong();
            Path runDir = sandbox.home.resolve("run").resolve(APP);
            Path control = runDir.resolve("control.sock");
            Path workers = runDir.resolve("workers.sock");

            assertEquals("rwx------", perms(runDir));
            assertEquals("rwx------", perms(sandbox.home));
            assertEquals("rw-------", perms(control));
            assertEquals("rw-------", perms(workers));
            assertOnlyTheAppPortListens(primary, port, 1);

            // (a) as set up: the other user cannot get through the directories to the sockets
            for (Path socket : List.of(control, workers)) {
                String said = probe(user, probe, socket);
                assertTrue(said.startsWith("connect failed") && said.contains("Permission denied"), said);
            }

            // (b) with every directory and both sockets opened up by mistake, the primary still refuses by uid
            Map<Path, String> saved = new HashMap<>();
            List<Path> opened = new ArrayList<>(List.of(sandbox.dir, sandbox.home, sandbox.home.resolve("run"), runDir));
            try {
                for (Path dir : opened) open(dir, saved, "--x");
                for (Path socket : List.of(control, workers)) open(socket, saved, "rw-");
                for (Path socket : List.of(control, workers)) {
                    String said = probe(user, probe, socket);
                    assertTrue(said.startsWith("closed without an answer"), socket.getFileName() + ": " + said);
                }
            } finally {
                for (Map.Entry<Path, String> e : saved.entrySet()) {
                    Files.setPosixFilePermissions(e.getKey(), PosixFilePermissions.fromString(e.getValue()));
                }
            }
            for (String socket : List.of("control.sock", "workers.sock")) {
                String expected = socket + ": refused a connection: peer uid " + uid + " (pid ";
                Sandbox.await("'" + expected + "' in primary.log", Duration.ofSeconds(20),
                        () -> sandbox.primaryLog(APP).contains(expected));
            }

            // the app never noticed
            assertTrue(Sandbox.get(port, Duration.ofSeconds(20)).contains("slot=0"));
            JsonNode after = sandbox.app(APP);
            assertEquals(worker, after.get("workers").get(0).get("pid").asLong());
            assertEquals(0, after.get("workers").get(0).get("restarts").asInt());
            assertEquals("rwx------", perms(runDir));
            assertEquals(0, sandbox.cli("stop", APP).code());
        } finally {
            run(List.of("userdel", user));
            try (Stream<Path> files = Files.walk(probeDir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /**
     * Every TCP socket the primary listens on is one of its slot sockets on the app's port: there
     * is no control port. Reads the listeners from /proc/net/tcp{,6} and matches them to the
     * primary's descriptors by inode.
     */
    private static void assertOnlyTheAppPortListens(long pid, int port, int slots) throws IOException {
        Set<String> inodes = new HashSet<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[")) inodes.add(target.substring(8, target.length() - 1));
                } catch (IOException closedMeanwhile) {
                    // not a socket we care about
                }
            }
        }
        List<Integer> ports = new ArrayList<>();
        for (String table : List.of("tcp", "tcp6")) {
            List<String> lines = Files.readAllLines(Path.of("/proc", Long.toString(pid), "net", table));
            for (String line : lines.subList(1, lines.size())) {
                String[] f = line.trim().split("\\s+");
                if (f.length < 10 || !"0A".equals(f[3]) || !inodes.contains(f[9])) continue;
                String local = f[1];
                ports.add(Integer.parseInt(local.substring(local.lastIndexOf(':') + 1), 16));
            }
        }
        assertEquals(java.util.Collections.nCopies(slots, port), ports, "TCP ports the primary listens on");
    }

    private static void open(Path p, Map<Path, String> saved, String others) throws IOException {
        Set<PosixFilePermission> now = Files.getPosixFilePermissions(p);
        String was = PosixFilePermissions.toString(now);
        saved.putIfAbsent(p, was);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(was.substring(0, 6) + others));
    }

    private static String perms(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    private static String probe(String user, Path probe, Path socket) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // -XX:-UsePerfData: no /tmp/hsperfdata_<user> left behind by a user that is deleted afterwards
        return run(List.of("runuser", "-u", user, "--", java, "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData",
                probe.toString(), socket.toString())).trim();
    }

    /** Runs a command, returns its output (stdout and stderr); at most a minute. */
    private static String run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS)) throw new IOException(command + " did not finish within a minute");
            return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        } finally {
            p.destroyForcibly();
        }
    }
}
