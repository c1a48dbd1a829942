package io.jcluster.runtime.netty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.jcluster.runtime.wire.WireMessage;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.Socket;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The preload library ({@code libjcluster-preload.so}) under a C server ({@code src/test/c/preload_probe.c})
 * and a fake primary: what it adopts and what it leaves to libc, the fd it puts in place (number,
 * close-on-exec, the app's blocking view over a shared socket that stays non-blocking), and how each
 * failure is reported: errno and one {@code jcluster:} line.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PreloadLibraryIT {
    private static final Path LIBRARY = Path.of(System.getProperty("jcluster.preload.library", "target/libjcluster-preload.so"));
    private static Path probe;

    @TempDir
    Path dir;
    private EventLoopGroup group;
    private Socket slot;
    private int port;

    /** The probe's output. */
    private record Run(int code, List<String> out, String err) {
        boolean has(String line) {
            return out.contains(line);
        }
    }

    @BeforeAll
    static void compileProbe() throws Exception {
        probe = PreloadPrimary.compile(LIBRARY, "preload_probe.c", "preload-probe");
    }

    @BeforeEach
    void openSlot() throws IOException {
        group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        port = PreloadPrimary.freePort();
        slot = PreloadPrimary.slotSocket(port);
    }

    @AfterEach
    void close() throws Exception {
        slot.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    @Test
    void aBindOfAnAppPortGetsTheSlotSocketOnTheAppsFd() throws Exception {
        Path sock = dir.resolve("workers.sock");
        try (PreloadPrimary primary = new PreloadPrimary(group, sock, slot.intValue(), null)) {
            Run run = run(Map.of("JCLUSTER_WORKER_SOCKET", sock.toString(), "JCLUSTER_PORTS", "1," + port), "adopt", port, true);
            assertEquals(0, run.code(), run.toString());
            assertTrue(run.has("bind=0 errno=0"), run.toString());
            assertTrue(run.has("inode=" + inode(slot.intValue())), "the app's fd is the slot socket: " + run);
            assertTrue(run.has("cloexec=1"), "its close-on-exec flag is kept: " + run);
            assertTrue(run.has("app_nonblock=0"), "the app sees the blocking socket it made: " + run);
            assertTrue(run.has("shared_nonblock=1"), "the shared socket stays non-blocking: " + run);
            assertTrue(run.has("local_port=" + port), run.toString());
            assertTrue(run.has("listen=0"), run.toString());
            assertTrue(run.has("bind2=-1 errno=EINVAL"), run.toString());
            assertTrue(run.err().contains("jcluster: bind of fd "), run.err());
            assertTrue(run.has("accept=ok errno=0"), "a blocking accept waits for the connection: " + run);
            assertTrue(run.has("app_nonblock=1"), run.toString());
            assertTrue(run.has("accept_nonblocking=-1 errno=EAGAIN"), run.toString());
            assertTrue(run.has("app_nonblock=0 shared_nonblock=1"), run.toString());

            WireMessage bind = primary.frames.poll(5, TimeUnit.SECONDS);
            assertEquals("bind", bind.type());
            assertEquals(Integer.toString(port), bind.get("port"));
            assertEquals("inet6", bind.get("family"));
            List<String> rest = new ArrayList<>();
            for (WireMessage m; (m = primary.frames.poll(500, TimeUnit.MILLISECONDS)) != null; ) {
                rest.add(m.type() + (m.type().equals("listening") ? " " + m.get("port") : ""));
            }
            // after the bind: the session opens (conns), and the app listens once; the second bind failed here
            assertEquals(List.of("conns", "listening " + port), rest.stream().sorted().distinct().toList(), rest.toString());
            assertEquals(1, rest.stream().filter(t -> t.startsWith("listening")).count(), rest.toString());
        }
    }

    @Test
    void aDrainPutsConnectionCloseInTheNextResponseStopsAcceptingAndClosesIdleConnections() throws Exception {
        Path sock = dir.resolve("workers.sock");
        try (PreloadPrimary primary = new PreloadPrimary(group, sock, slot.intValue(), null)) {
            ProcessBuilder pb = new ProcessBuilder(probe.toString(), "drain", Integer.toString(port));
            pb.environment().put("LD_PRELOAD", LIBRARY.toAbsolutePath().toString());
            pb.environment().put("JCLUSTER_WORKER_SOCKET", sock.toString());
            pb.environment().put("JCLUSTER_PORTS", Integer.toString(port));
            Process p = pb.start();
            try (java.net.Socket busy = new java.net.Socket(); java.net.Socket idle = new java.net.Socket();
                 java.net.Socket late = new java.net.Socket();
                 BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                 BufferedReader err = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
                assertEquals("ready", out.readLine());
                busy.connect(new InetSocketAddress("127.0.0.1", port));
                idle.connect(new InetSocketAddress("127.0.0.1", port));
                busy.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                assertEquals("request", out.readLine());
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (!primary.drain()) {
                    assertTrue(System.nanoTime() < deadline, "the library opened no session");
                    Thread.sleep(20);
                }
                String said = err.readLine();
                assertTrue(said.startsWith("jcluster: draining: 2 open connection(s)"), said);
                late.connect(new InetSocketAddress("127.0.0.1", port)); // queued: the slot's next worker takes it
                p.getOutputStream().write("go\n".getBytes(StandardCharsets.US_ASCII));
                p.getOutputStream().flush();

                busy.setSoTimeout(10_000);
                byte[] answer = busy.getInputStream().readNBytes(59);
                assertEquals("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nhi",
                        new String(answer, StandardCharsets.US_ASCII));
                assertEquals("wrote=40 of 40", out.readLine(), "the app's own bytes are counted, not the header's");
                assertEquals("accept_draining=-1 errno=EAGAIN", out.readLine());
                String idleRead = out.readLine();
                assertTrue(idleRead.startsWith("idle_read=0 "), idleRead);
                long after = Long.parseLong(idleRead.substring(idleRead.indexOf("after_ms=") + 9));
                assertTrue(after >= 2800 && after < 15000, "the idle connection closed after the grace (3 s): " + idleRead);
                assertTrue(p.waitFor(20, TimeUnit.SECONDS));
                assertEquals(0, p.exitValue());
                int queued = slot.accept(new byte[26]);
                assertTrue(queued >= 0, "the connection made during the drain waits in the slot socket");
                new io.netty.channel.unix.FileDescriptor(queued).close();
            } finally {
                p.destroyForcibly();
            }
            WireMessage last = null;
            for (WireMessage m; (m = primary.frames.poll(200, TimeUnit.MILLISECONDS)) != null; ) {
                if (m.type().equals("conns")) last = m;
            }
            assertEquals("0", last.get("open"), last.fields().toString());
            assertEquals("2", last.get("accepted"), last.fields().toString());
        }
    }

    @Test
    void aSocketRegisteredWithEpollBeforeItsBindGetsItsEventsAsNettyExpects() throws Exception {
        Path sock = dir.resolve("workers.sock");
        try (PreloadPrimary primary = new PreloadPrimary(group, sock, slot.intValue(), null)) {
            Run run = run(Map.of("JCLUSTER_WORKER_SOCKET", sock.toString(), "JCLUSTER_PORTS", Integer.toString(port)), "epoll", port, true);
            assertEquals(0, run.code(), run.toString());
            assertTrue(run.has("bind=0") && run.has("listen=0"), run.toString());
            // the dup3 closed the registered socket, so the kernel dropped its registration: MOD adds the slot socket
            assertTrue(run.has("mod=0 errno=0"), run.toString());
            assertTrue(run.has("events=1") && run.has("accept=ok"), "the slot socket's connection woke the epoll set: " + run);
            assertTrue(run.has("del=0 errno=0"), run.toString());
        }
    }

    @Test
    void otherBindsGoStraightToLibc() throws Exception {
        Path sock = dir.resolve("workers.sock");
        try (PreloadPrimary primary = new PreloadPrimary(group, sock, slot.intValue(), null)) {
            int other;
            try (ServerSocket s = new ServerSocket(0)) {
                other = s.getLocalPort();
            }
            Map<String, String> env = Map.of("JCLUSTER_WORKER_SOCKET", sock.toString(), "JCLUSTER_PORT", Integer.toString(port));
            Run tcp = run(env, "bind", other);
            assertTrue(tcp.has("bind=0 errno=0"), "another port: " + tcp);
            Run udp = run(env, "udp", port);
            assertTrue(udp.has("bind=0 errno=0"), "UDP on the app port: " + udp);
            Run notWorker = run(Map.of("JCLUSTER_PORT", Integer.toString(port)), "bind", port);
            assertTrue(notWorker.has("bind=-1 errno=EADDRINUSE"), "not a worker: libc's bind, beside the slot socket: " + notWorker);
            assertEquals("", tcp.err() + udp.err() + notWorker.err());
            assertEquals(null, primary.frames.poll(200, TimeUnit.MILLISECONDS), "the primary was not asked");
        }
    }

    @Test
    void aRefusalFailsTheBindWithEaddrinuseAndTheReason() throws Exception {
        Path sock = dir.resolve("workers.sock");
        try (PreloadPrimary primary = new PreloadPrimary(group, sock, slot.intValue(), "slot 0 belongs to another app")) {
            Run run = run(Map.of("JCLUSTER_WORKER_SOCKET", sock.toString(), "JCLUSTER_PORTS", Integer.toString(port)), "bind", port);
            assertTrue(run.has("bind=-1 errno=EADDRINUSE"), run.toString());
            assertEquals("jcluster: cannot bind port " + port + ": the primary refused: slot 0 belongs to another app\n", run.err());
        }
    }

    @Test
    void anUnreachablePrimaryFailsTheBindAndNeverBindsForReal() throws Exception {
        slot.close(); // the port is free: a silent fallback to a real bind would succeed
        Path sock = dir.resolve("nobody.sock");
        Run run = run(Map.of("JCLUSTER_WORKER_SOCKET", sock.toString(), "JCLUSTER_PORTS", Integer.toString(port)), "bind", port);
        assertTrue(run.has("bind=-1 errno=EADDRNOTAVAIL"), run.toString());
        assertTrue(run.err().startsWith("jcluster: cannot bind port " + port + ": cannot connect to the primary at " + sock), run.err());
        assertEquals(1, run.err().lines().count(), run.err());
        slot = Socket.newSocketStream(); // for close()
    }

    private Run run(Map<String, String> env, String mode, int port) throws Exception {
        return run(env, mode, port, false);
    }

    /** Runs the probe with the library; with {@code connectWhenReady}, connects once to the slot when it says so. */
    private Run run(Map<String, String> env, String mode, int port, boolean connectWhenReady) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(probe.toString(), mode, Integer.toString(port));
        pb.environment().put("LD_PRELOAD", LIBRARY.toAbsolutePath().toString());
        pb.environment().putAll(env);
        return finish(pb.start(), connectWhenReady);
    }

    /** Reads the probe's output; on "ready", waits a moment (its accept must block) and connects once. */
    private Run finish(Process p, boolean connectWhenReady) throws Exception {
        try {
            CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> {
                try {
                    return new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
                } catch (IOException e) {
                    return e.toString();
                }
            });
            List<String> out = new ArrayList<>();
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    out.add(line);
                    if (connectWhenReady && line.equals("ready")) {
                        Thread.sleep(300);
                        try (java.net.Socket client = new java.net.Socket("127.0.0.1", port)) {
                            client.getOutputStream().write('x');
                        }
                    }
                }
            }
            if (!p.waitFor(20, TimeUnit.SECONDS)) fail("the probe did not finish: " + out);
            return new Run(p.exitValue(), out, err.get(5, TimeUnit.SECONDS));
        } finally {
            p.destroyForcibly();
        }
    }

    private static long inode(int fd) throws IOException {
        String link = Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
        return Long.parseLong(link.substring(link.indexOf('[') + 1, link.indexOf(']')));
    }
}
