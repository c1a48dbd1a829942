package io.jcluster.cli.primary.sockets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcluster.cli.Needs;
import io.netty.channel.epoll.Epoll;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Listening sockets handed to a real child JVM the way systemd hands them ({@code LISTEN_PID},
 * {@code LISTEN_FDS}, {@code LISTEN_FDNAMES}, fds from 3): by a Python launcher that opens two
 * SO_REUSEPORT sockets on one port (what a {@code .socket} unit with two {@code ListenStream=} lines
 * and {@code ReusePort=yes} passes), and by systemd's own {@code systemd-socket-activate}. The child
 * adopts each as a {@link SlotSocket}: the same sockets (inodes), and a connection made before it
 * ran waits in their queue for it.
 */
@Timeout(60)
class SocketActivationTest {
    private static final Path PYTHON = Path.of("/usr/bin/python3");
    private static final Path ACTIVATE = Path.of("/usr/bin/systemd-socket-activate");
    @TempDir
    Path dir;
    private final List<Process> started = new ArrayList<>();
    private final List<java.net.Socket> clients = new ArrayList<>();

    @BeforeEach
    void epoll() {
        Needs.that(Epoll.isAvailable(), "netty's native epoll transport");
    }

    @AfterEach
    void stop() throws Exception {
        for (java.net.Socket c : clients) c.close();
        for (Process p : started) {
            p.getOutputStream().close(); // the child exits at the end of stdin
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    private static List<String> javaChild() {
        // the tests' class path has SLF4J (ArchUnit's): netty in the child finds it; no warning that it has no logger
        return List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Dslf4j.internal.verbosity=ERROR",
                "-cp", System.getProperty("java.class.path"), ListenFdsChild.class.getName());
    }

    /** The child's command with the app's port as its last argument. */
    private static List<String> javaChild(String port) {
        List<String> c = new ArrayList<>(javaChild());
        c.add(port);
        return c;
    }

    /** Starts {@code command}, its stderr (systemd-socket-activate's progress lines, a child's stack) into a file for {@link #stderr}. */
    private Process start(List<String> command) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectError(dir.resolve("stderr-" + started.size()).toFile());
        Process p = pb.start();
        started.add(p);
        return p;
    }

    /** What the started processes wrote to stderr, for a failure's message. */
    private String stderr() {
        StringBuilder all = new StringBuilder();
        for (int i = 0; i < started.size(); i++) {
            try {
                all.append(Files.readString(dir.resolve("stderr-" + i)));
            } catch (IOException e) {
                all.append(e).append('\n');
            }
        }
        return "\nstderr:\n" + all;
    }

    @Test
    void twoReusePortSocketsOnOnePortReachTheChildAsSlotSockets() throws Exception {
        Needs.that(Files.isExecutable(PYTHON), "python3 (apt-get install -y python3), which plays systemd's part");
        String launcher = String.join("\n",
                "import os, socket, sys",
                "socks, port = [], 0",
                "for i in range(2):",
                "    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)",
                "    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)",
                "    s.bind(('127.0.0.1', port))",
                "    s.listen(64)",
                "    port = s.getsockname()[1]",
                "    socks.append(s)",
                // through fds far above 3 first: dup2 of an fd onto itself would keep its close-on-exec flag
                "high = [os.dup(s.fileno()) for s in socks]",
                "moved = [os.dup2(h, 200 + i) for i, h in enumerate(high)]",
                "for s in socks: s.close()",
                "for h in high: os.close(h)",
                "for i in range(2):",
                "    os.dup2(200 + i, 3 + i, inheritable=True)",
                "    os.close(200 + i)",
                // the second as a previous primary left it when every slot was errored: shut down, port kept
                "socket.socket(fileno=os.dup(4)).shutdown(socket.SHUT_RD)",
                "print('port=%d inodes=%d,%d' % (port, os.fstat(3).st_ino, os.fstat(4).st_ino), flush=True)",
                "env = dict(os.environ, LISTEN_PID=str(os.getpid()), LISTEN_FDS='2', LISTEN_FDNAMES='port-%d:port-%d' % (port, port))",
                "os.execve(sys.argv[1], sys.argv[1:] + [str(port)], env)");
        List<String> command = new ArrayList<>(List.of(PYTHON.toString(), "-c", launcher));
        command.addAll(javaChild());
        Process p = start(command);
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String first = out.readLine();
        assertTrue(first != null, this::stderr);
        Matcher m = Pattern.compile("port=(\\d+) inodes=(\\d+),(\\d+)").matcher(first);
        assertTrue(m.matches(), () -> first + stderr());
        int port = Integer.parseInt(m.group(1));
        assertEquals("fd=3 name=port-" + port + " port=" + port + " inode=" + m.group(2) + " listened=true listens=true", out.readLine());
        assertEquals("fd=4 name=port-" + port + " port=" + port + " inode=" + m.group(3) + " listened=false listens=true",
                out.readLine(), "a socket a previous primary stopped listens again");
        assertEquals("otherPort=systemd passed sockets 3 (port-" + port + "), 4 (port-" + port + "), none on port 1: the .socket unit"
                + " and the config disagree (write it again: jcluster startup systemd --socket)", out.readLine());
        assertEquals("childSeesListenVars=false", out.readLine());
        assertEquals("ready", out.readLine());

        connect(port);
        connect(port);
        connect(port);
        connect(port);
        assertEquals("queued=4", queued(p, out, 4), "the connections wait in the two adopted sockets");
    }

    @Test
    void systemdSocketActivateHandsItsSocketOver() throws Exception {
        Needs.that(Files.isExecutable(ACTIVATE), "systemd-socket-activate (apt-get install -y systemd)");
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        List<String> command = new ArrayList<>(List.of(ACTIVATE.toString(), "-l", "127.0.0.1:" + port, "--fdname=port-" + port));
        command.addAll(javaChild(Integer.toString(port)));
        Process p = start(command);
        // without --accept it execs the child when the first connection comes, in the same process
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            try {
                connect(port);
                break;
            } catch (IOException e) {
                if (System.nanoTime() > deadline || !p.isAlive()) throw e;
                Thread.sleep(50);
            }
        }
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String first = out.readLine();
        assertTrue(first != null && first.matches("fd=3 name=port-" + port + " port=" + port + " inode=\\d+ listened=true listens=true"), () -> first + stderr());
        assertTrue(out.readLine().startsWith("otherPort=systemd passed sockets 3 (port-" + port + "), none on port 1"));
        assertEquals("childSeesListenVars=false", out.readLine());
        assertEquals("ready", out.readLine());
        assertEquals("queued=1", queued(p, out, 1), "the connection that started it waits for it");
    }

    private void connect(int port) throws IOException {
        java.net.Socket c = new java.net.Socket();
        c.connect(new InetSocketAddress("127.0.0.1", port), 2000);
        clients.add(c);
    }

    /** Asks the child for its queued connections until it sees one (the kernel finishes the handshake on its own time). */
    private static String queued(Process p, BufferedReader out, int expected) throws Exception {
        OutputStream in = p.getOutputStream();
        String answer = null;
        for (int i = 0; i < 50; i++) {
            in.write("queued\n".getBytes(StandardCharsets.UTF_8));
            in.flush();
            answer = out.readLine();
            if (("queued=" + expected).equals(answer)) return answer;
            Thread.sleep(100);
        }
        return answer;
    }
}
