package io.jcluster.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcluster.cli.Needs;
import com.fasterxml.jackson.databind.JsonNode;
import io.jcluster.runtime.wire.Wire;
import io.jcluster.runtime.wire.WireMessage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Garbage, truncated, oversized and misshapen input, and a flood of 2000 idle, half-written and
 * garbage connections, thrown at a running primary's {@code control.sock} and {@code workers.sock}.
 * Every bad connection is closed by the primary with its reason in {@code primary.log}; the app
 * keeps serving, {@code ls} keeps answering, no worker is touched and no descriptor leaks.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(240)
class HostileInputIT {
    private static final String APP = "hostile";
    private static final Duration CLOSE = Duration.ofSeconds(20);
    /** The primary closes connections that sent no whole request or frame after 10 s; allow for a busy machine. */
    private static final Duration SILENT_CLOSE = Duration.ofSeconds(60);
    private static Sandbox sandbox;
    private static int port;
    private static long primaryPid;
    private static List<Long> workerPids;
    private static long baselineFds;
    private static Path control;
    private static Path workers;

    @BeforeAll
    static void start() throws Exception {
        Needs.that(Files.isRegularFile(Sandbox.HELLO_JAR), "hello-netty.jar is built");
        sandbox = new Sandbox();
        port = Sandbox.freePort();
        sandbox.startHello(APP, port);
        JsonNode app = sandbox.app(APP);
        primaryPid = app.get("primaryPid").asLong();
        workerPids = pids(app);
        control = sandbox.home.resolve("run").resolve(APP).resolve("control.sock");
        workers = sandbox.home.resolve("run").resolve(APP).resolve("workers.sock");
        baselineFds = fds(primaryPid);
    }

    @AfterAll
    static void stop() throws Exception {
        if (sandbox != null) sandbox.close();
    }

    @Test
    @Order(1)
    void badControlRequestsGetAnErrorAndAClosedConnection() throws Exception {
        String[][] cases = {
                {"garbage\u0001\u00ff\n", "not JSON"},
                {"{\"command\": \"ls\"\n", "not JSON"},
                {"{\"command\":\"ls\"}}\n", "not JSON"},
                {"[\"ls\"]\n", "not a control request"},
                {"{\"command\": 42}\n", "not a control request"},
                {"null\n", "not a control request"},
                {"{\"command\":\"self-destruct\"}\n", "unknown command 'self-destruct'"},
                {"[".repeat(3000) + "\n", "not JSON"},
        };
        for (String[] c : cases) {
            String reply = new String(exchange(control, c[0].getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
            assertTrue(reply.startsWith("{\"ok\":false"), () -> "an error reply for " + c[0] + ": " + reply);
            assertLogged("control.sock: closed a connection: " + c[1]);
        }
        // over the 64 KiB line limit, with no newline at all: closed as soon as the limit is passed
        exchange(control, "x".repeat(70 * 1024).getBytes(StandardCharsets.US_ASCII));
        assertLogged("control.sock: closed a connection: request line over 65536 bytes");
        assertStillServing();
    }

    @Test
    @Order(2)
    void badFramesOnTheWorkerSocketCloseTheConnection() throws Exception {
        exchange(workers, ByteBuffer.allocate(8).putInt(Wire.MAX_FRAME + 1).putInt(0).array());
        assertLogged("closed a connection from pid " + ProcessHandle.current().pid() + ": frame over 65536 bytes");

        exchange(workers, ByteBuffer.allocate(8).putInt(-7).putInt(0).array()); // 2^32 - 7 unsigned
        Sandbox.await("a second 'frame over' in primary.log", CLOSE,
                () -> sandbox.primaryLog(APP).split("frame over 65536 bytes", -1).length == 3);

        exchange(workers, ByteBuffer.allocate(7).putInt(3).put(new byte[] {(byte) 0xff, (byte) 0xfe, '\n'}).array());
        assertLogged("bad frame: frame is not UTF-8");

        exchange(workers, frame("bad type\nk=v\n"));
        assertLogged("bad frame: bad message type 'bad type'");

        exchange(workers, frame("hello\nslot=0\nslot=1\n"));
        assertLogged("bad frame: key 'slot' repeated in a hello message");

        exchange(workers, frame("self-destruct\nnow=1\n"));
        assertLogged("workers.sock: self-destruct from pid " + ProcessHandle.current().pid() + ", which is no worker of this app");

        // A process of the same user that pretends to be slot 0, then asks for its listening socket: no fd for it.
        exchange(workers, Wire.encode(WireMessage.of("hello", "slot", 0, "generation", 1, "pid", 1, "version", "0")));
        byte[] answer = exchange(workers, Wire.encode(WireMessage.of("listener", "slot", 0, "generation", 1, "pid", 1)));
        assertTrue(new String(answer, StandardCharsets.UTF_8).contains("is not a worker of " + APP), "an error frame");
        assertLogged("workers.sock: listener from pid " + ProcessHandle.current().pid() + ", which is no worker of this app");

        byte[] garbage = new byte[4096];
        new Random(7).nextBytes(garbage);
        garbage[0] = 0x7f; // a length far over the limit
        exchange(workers, garbage);
        assertStillServing();
    }

    @Test
    @Order(3)
    void aFloodOfIdleHalfWrittenAndGarbageConnectionsIsClosedAndLeaksNothing() throws Exception {
        int n = 2000;
        Random random = new Random(2000);
        List<SocketChannel> open = new ArrayList<>();
        try (Selector selector = Selector.open()) {
            for (int i = 0; i < n; i++) {
                boolean toControl = i % 2 == 0;
                SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
                open.add(ch);
                ch.connect(UnixDomainSocketAddress.of(toControl ? control : workers));
                switch (i % 10) {
                    case 0, 1, 2, 3 -> { } // idle
                    case 4, 5, 6 -> write(ch, toControl ? "{\"command\":\"l".getBytes(StandardCharsets.US_ASCII)
                            : new byte[] {0, 0, 1, 0, 'h', 'e'}); // half-written
                    default -> { // garbage
                        byte[] g = new byte[1 + random.nextInt(512)];
                        random.nextBytes(g);
                        if (toControl) g[g.length - 1] = '\n';
                        write(ch, g);
                    }
                }
                ch.configureBlocking(false);
                ch.register(selector, SelectionKey.OP_READ);
            }
            // While 2000 connections are open, the app and its primary go on serving.
            assertTrue(fds(primaryPid) > baselineFds, "the primary holds the flood's connections");
            assertStillServing();

            int closed = awaitAllClosed(selector, n, SILENT_CLOSE);
            assertEquals(n, closed, () -> "connections the primary closed\n" + tail());
        } finally {
            for (SocketChannel ch : open) ch.close();
        }
        assertLogged("control.sock: closed a connection: no request line within 10000 ms");
        assertLogged("workers.sock: closed a connection from pid " + ProcessHandle.current().pid() + ": no whole frame within 10000 ms");
        Sandbox.await("the primary's descriptors to return to their baseline of " + baselineFds, CLOSE,
                () -> fds(primaryPid) <= baselineFds + 8);
        assertStillServing();
    }

    // ---- helpers ----

    /** The app answers on its port, ls answers, and the primary and its original workers are untouched. */
    private static void assertStillServing() throws Exception {
        assertTrue(Sandbox.get(port, Duration.ofSeconds(20)).contains("slot="), "the app answers HTTP");
        JsonNode app = sandbox.app(APP);
        assertEquals("online", app.get("state").asText(), app::toString);
        assertEquals(primaryPid, app.get("primaryPid").asLong());
        assertEquals(workerPids, pids(app), "no worker was replaced");
        for (JsonNode w : app.get("workers")) assertEquals(0, w.get("restarts").asInt(), app::toString);
        assertTrue(Sandbox.alive(primaryPid));
    }

    private static void assertLogged(String text) throws InterruptedException {
        try {
            Sandbox.await("'" + text + "' in primary.log", CLOSE, () -> sandbox.primaryLog(APP).contains(text));
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\n" + tail(), e);
        }
    }

    private static String tail() {
        List<String> lines = sandbox.primaryLog(APP).lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    }

    private static List<Long> pids(JsonNode app) {
        List<Long> pids = new ArrayList<>();
        for (JsonNode w : app.get("workers")) pids.add(w.get("pid").asLong());
        return pids;
    }

    private static long fds(long pid) {
        try (Stream<Path> s = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            return s.count();
        } catch (IOException e) {
            return -1;
        }
    }

    private static byte[] frame(String payload) {
        byte[] p = payload.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(4 + p.length).putInt(p.length).put(p).array();
    }

    private static void write(SocketChannel ch, byte[] bytes) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) ch.write(b);
    }

    /**
     * Connects, sends {@code bytes} and reads until the primary closes the connection (EOF or
     * reset), failing if it stays open past {@link #CLOSE}. Returns what the primary sent.
     */
    private static byte[] exchange(Path socket, byte[] bytes) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX); Selector selector = Selector.open()) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            try {
                write(ch, bytes);
            } catch (IOException closedWhileWriting) {
                return new byte[0]; // the primary closed it before the end: that is the point
            }
            ch.configureBlocking(false);
            ch.register(selector, SelectionKey.OP_READ);
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            ByteBuffer buf = ByteBuffer.allocate(4096);
            long deadline = System.nanoTime() + CLOSE.toNanos();
            while (System.nanoTime() < deadline) {
                selector.select(200);
                selector.selectedKeys().clear();
                int r;
                try {
                    r = ch.read(buf.clear());
                } catch (IOException reset) {
                    return got.toByteArray();
                }
                if (r < 0) return got.toByteArray();
                got.write(buf.array(), 0, r);
            }
            throw new AssertionError("the primary did not close the connection within " + CLOSE.toSeconds() + "s after "
                    + bytes.length + " bytes; it sent: " + got + "\n" + tail());
        }
    }

    /** Waits until every channel registered with {@code selector} reads EOF or a reset; returns how many did. */
    private static int awaitAllClosed(Selector selector, int n, Duration timeout) throws IOException {
        int closed = 0;
        ByteBuffer buf = ByteBuffer.allocate(4096);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (closed < n && System.nanoTime() < deadline) {
            selector.select(500);
            for (SelectionKey key : selector.selectedKeys()) {
                SocketChannel ch = (SocketChannel) key.channel();
                boolean eof;
                try {
                    eof = ch.read(buf.clear()) < 0;
                } catch (IOException reset) {
                    eof = true;
                }
                if (eof) {
                    key.cancel();
                    closed++;
                }
            }
            selector.selectedKeys().clear();
        }
        assertFalse(closed > n);
        return closed;
    }
}
