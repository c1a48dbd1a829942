package io.jcluster.cli.it;

import static io.jcluster.cli.it.Sandbox.read;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcluster.cli.Needs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Socket activation as systemd does it, with python playing systemd: two SO_REUSEPORT sockets on one
 * port passed as fds 3 and 4 ({@code LISTEN_FDS}, {@code LISTEN_PID}, {@code LISTEN_FDNAMES}) to
 * {@code jcluster start --foreground}. The primary takes them as its slot sockets (the same sockets:
 * their inodes), binds nothing of its own, and both workers answer on them.
 */
@Timeout(180)
class SocketActivationIT {
    private static final Path PYTHON = Path.of("/usr/bin/python3");

    /** Plays systemd: two SO_REUSEPORT sockets on one free port as fds 3 and 4, then execs its arguments and {@code -p <port>}. */
    private static final String LAUNCHER = String.join("\n",
        "import os, socket, sys",
        "socks, port = [], 0",
        "for i in range(2):",
        "    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)",
        "    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)",
        "    s.bind(('0.0.0.0', port))",
        "    s.listen(128)",
        "    port = s.getsockname()[1]",
        "    socks.append(s)",
        "high = [os.dup2(s.fileno(), 200 + i) for i, s in enumerate(socks)]",
        "for s in socks: s.close()",
        "for i in range(2):",
        "    os.dup2(200 + i, 3 + i, inheritable=True)",
        "    os.close(200 + i)",
        "print('port=%d inodes=%d,%d' % (port, os.fstat(3).st_ino, os.fstat(4).st_ino), flush=True)",
        "env = dict(os.environ, LISTEN_PID=str(os.getpid()), LISTEN_FDS='2', LISTEN_FDNAMES='port-%d:port-%d' % (port, port))",
        "argv = sys.argv[1:] + ['-p', str(port)]",
        "os.execve(argv[0], argv, env)");

    @Test
    void thePrimaryServesTheSocketsSystemdPassed() throws Exception {
        Needs.that(Files.isExecutable(PYTHON), "python3 (apt-get install -y python3), which plays systemd's part");
        try (Sandbox sandbox = new Sandbox()) {
            Path out = sandbox.dir.resolve("out.txt");
            Process p = sandbox.background(out, List.of(PYTHON.toString(), "-c", LAUNCHER,
                    Sandbox.DIST.resolve("bin/jcluster").toAbsolutePath().toString(), "start", "--foreground",
                    Sandbox.HELLO_JAR.toAbsolutePath().toString(), "--name", "activated", "-i", "2"));
            try {
                Sandbox.await("the launcher's line", Duration.ofSeconds(30), () -> read(out).contains("inodes="));
                Matcher m = Pattern.compile("port=(\\d+) inodes=(\\d+),(\\d+)").matcher(read(out));
                assertTrue(m.find(), read(out));
                int port = Integer.parseInt(m.group(1));
                Set<Long> passed = Set.of(Long.parseLong(m.group(2)), Long.parseLong(m.group(3)));
                Sandbox.await("both workers ready", Duration.ofSeconds(90), () -> read(out).contains("slot 1: worker pid")
                        && read(out).lines().filter(l -> l.contains(" ready (")).count() >= 2);
                Set<String> slots = new TreeSet<>();
                for (int i = 0; i < 200 && slots.size() < 2; i++) {
                    slots.add(Sandbox.fields(Sandbox.get(port, Duration.ofSeconds(10))).get("slot"));
                }
                assertEquals(Set.of("0", "1"), slots, "both workers answer on the passed sockets");
                assertEquals(passed, Sandbox.listeningInodes(port), "the only listeners on the port are the two sockets systemd passed");
                assertTrue(Sandbox.socketInodes(p.pid()).containsAll(passed), "the primary holds them as its slot sockets");
                p.destroy(); // SIGTERM
                assertTrue(p.waitFor(60, TimeUnit.SECONDS), read(out));
                assertEquals(0, p.exitValue(), read(out));
                assertEquals(List.of(), sandbox.leftovers());
            } finally {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }



    @Test
    void anAppOfSeveralPortsRefusesTheSocketsOfOne() throws Exception {
        Needs.that(Files.isExecutable(PYTHON), "python3 (apt-get install -y python3), which plays systemd's part");
        try (Sandbox sandbox = new Sandbox()) {
            Path out = sandbox.dir.resolve("out.txt");
            int other = Sandbox.freePort();
            // -p other, then the launcher's -p <the passed sockets' port>: an app of two ports
            Process p = sandbox.background(out, List.of(PYTHON.toString(), "-c", LAUNCHER,
                    Sandbox.DIST.resolve("bin/jcluster").toAbsolutePath().toString(), "start", "--foreground",
                    Sandbox.HELLO_JAR.toAbsolutePath().toString(), "--name", "two", "-i", "2", "-p", Integer.toString(other)));
            try {
                assertTrue(p.waitFor(60, TimeUnit.SECONDS), read(out));
                assertTrue(p.exitValue() != 0, read(out));
                assertTrue(read(out).contains("socket activation hands over the sockets of one port only"), read(out));
                assertEquals(List.of(), sandbox.leftovers());
            } finally {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
