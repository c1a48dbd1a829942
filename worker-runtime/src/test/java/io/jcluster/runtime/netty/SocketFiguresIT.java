package io.jcluster.runtime.netty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcluster.runtime.metrics.Histogram;
import io.jcluster.runtime.wire.WireMessage;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.Socket;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The request figures the preload library measures at the socket, through the real library under a
 * server that does exactly what each case needs ({@code src/test/c/scripted_server.c}) and a fake
 * primary that reads its session: responses cut at any byte, pipelined ones, a status line that is not
 * HTTP, a greeting, 100-continue, a peer that never reads, a body sent from a file, aborts. None may
 * block a write or miscount another connection. And the drain's end of a WebSocket, whether the app
 * answers the Close it reads or ends the connection without a word.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SocketFiguresIT {
    private static final Path LIBRARY = Path.of(System.getProperty("jcluster.preload.library", "target/libjcluster-preload.so"));
    private static final String OK = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello";
    private static final String REQUEST = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    private static Path server;

    @TempDir
    Path dir;
    private EventLoopGroup group;
    private Socket slot;
    private int port;
    private PreloadPrimary primary;
    private Process process;
    private BufferedReader said;
    private OutputStream commands;

    @BeforeAll
    static void compileServer() throws Exception {
        server = PreloadPrimary.compile(LIBRARY, "scripted_server.c", "scripted-server");
    }

    @BeforeEach
    void start() throws Exception {
        group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        port = PreloadPrimary.freePort();
        slot = PreloadPrimary.slotSocket(port);
        Path sock = dir.resolve("workers.sock");
        primary = new PreloadPrimary(group, sock, slot.intValue(), null);
        ProcessBuilder pb = new ProcessBuilder(server.toString(), Integer.toString(port)).redirectError(dir.resolve("stderr").toFile());
        pb.environment().put("LD_PRELOAD", LIBRARY.toAbsolutePath().toString());
        pb.environment().put("JCLUSTER_WORKER_SOCKET", sock.toString());
        pb.environment().put("JCLUSTER_PORT", Integer.toString(port));
        process = pb.start();
        said = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.US_ASCII));
        commands = process.getOutputStream();
        assertEquals("ready", said.readLine());
    }

    @AfterEach
    void stop() throws Exception {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        primary.close();
        slot.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    /** Runs one command of the server's; its answer. */
    private String server(String command) throws IOException {
        commands.write((command + "\n").getBytes(StandardCharsets.ISO_8859_1));
        commands.flush();
        String answer = said.readLine();
        assertTrue(answer != null, "the server ended at: " + command);
        return answer;
    }

    /** A client connection the server has accepted, and its id there. */
    private record Client(java.net.Socket socket, int id) implements AutoCloseable {
        void send(String bytes) throws IOException {
            socket.getOutputStream().write(bytes.getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
        }

        String receive(int n) throws IOException {
            socket.setSoTimeout(10_000);
            return new String(socket.getInputStream().readNBytes(n), StandardCharsets.ISO_8859_1);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    /**
     * A WebSocket client gets a Close from the drain whatever its app does with the Close it reads: an app
     * that answers it (its own Close goes out, and no other), one that closes the connection without an
     * answer, and one that shuts it for writing first (the JDK's close of a channel in a selector), as
     * Tomcat does when its 50 ms to answer a code other than 1000 run out.
     */
    @Test
    void aWebSocketsClientGetsACloseWhenItsAppEndsItWithoutAnswering() throws Exception {
        String upgrade = "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
        String switched = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";
        String serverClose = "\u0088\u000c\u0003\u00e9going away";
        try (Client answers = connect(); Client closes = connect(); Client shuts = connect()) {
            for (Client c : new Client[] {answers, closes, shuts}) {
                c.send(upgrade);
                assertEquals("read " + c.id() + " " + upgrade.length(), server("read " + c.id()));
                assertEquals("wrote " + c.id() + " " + switched.length(), write(c, switched));
                assertEquals(switched, c.receive(switched.length()));
                assertEquals("wrote " + c.id() + " 4", server("write " + c.id() + " \\x81\\x02hi")); // a message
                assertEquals("\u0081\u0002hi", c.receive(4));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!primary.drain()) {
                assertTrue(System.nanoTime() < deadline, "the library opened no session");
                Thread.sleep(20);
            }
            for (Client c : new Client[] {answers, closes, shuts}) {
                assertEquals("read " + c.id() + " 18", server("read " + c.id()), "the app reads the client's Close 1001");
            }
            assertEquals("wrote " + answers.id() + " 4", server("write " + answers.id() + " \\x88\\x02\\x03\\xe9"));
            assertEquals("closed " + answers.id() + " 0", server("close " + answers.id()));
            assertEquals("\u0088\u0002\u0003\u00e9", answers.receive(5), "the app's own Close, and nothing after it");
            assertEquals("closed " + closes.id() + " 0", server("close " + closes.id()));
            assertEquals(serverClose, closes.receive(15), "a Close 1001 before the end of the stream");
            assertEquals("shut " + shuts.id() + " 0", server("shutdown " + shuts.id()));
            assertEquals(serverClose, shuts.receive(15), "a Close 1001 before the end of the stream");
            assertEquals("closed " + shuts.id() + " 0", server("close " + shuts.id()));
        }
    }

    private Client connect() throws IOException {
        java.net.Socket s = new java.net.Socket("127.0.0.1", port);
        String accepted = server("accept");
        assertTrue(accepted.startsWith("accepted "), accepted);
        return new Client(s, Integer.parseInt(accepted.substring(9)));
    }

    private static String escaped(String bytes) {
        return bytes.replace("\\", "\\\\").replace("\r", "\\r").replace("\n", "\\n");
    }

    private String write(Client c, String bytes) throws IOException {
        return server("write " + c.id() + " " + escaped(bytes));
    }

    /** The first session report that satisfies {@code until}, within 10 s; it fails with the last one otherwise. */
    private WireMessage report(Predicate<WireMessage> until) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        WireMessage last = null;
        while (System.nanoTime() < deadline) {
            WireMessage m = primary.frames.poll(200, TimeUnit.MILLISECONDS);
            if (m == null || !m.type().equals("conns")) continue;
            last = m;
            if (until.test(m)) return m;
        }
        throw new AssertionError("no session report as expected; the last: " + (last == null ? "none" : last.fields()));
    }

    private static Predicate<WireMessage> count(String field, long n) {
        return m -> m.getLong(field, -1) == n;
    }

    /** One more report after the figures settled: what it says is final. */
    private WireMessage settled(Predicate<WireMessage> until) throws InterruptedException {
        report(until);
        return report(m -> true);
    }

    @Test
    void aResponseCutAtAnyByteCountsOnce() throws Exception {
        int cuts = 0;
        for (int cut = 1; cut < OK.length(); cut++, cuts++) {
            try (Client c = connect()) {
                c.send(REQUEST);
                assertTrue(server("read " + c.id()).startsWith("read "));
                assertEquals("wrote " + c.id() + " " + cut, write(c, OK.substring(0, cut)));
                assertEquals("wrote " + c.id() + " " + (OK.length() - cut), write(c, OK.substring(cut)));
                assertEquals(OK, c.receive(OK.length()), "the bytes go out as the app wrote them");
                server("close " + c.id());
            }
        }
        WireMessage m = settled(count("http.requests", cuts));
        assertEquals(cuts, m.getLong("http.status.2xx", -1), m.fields().toString());
        assertEquals(0, m.getLong("http.aborts", -1), m.fields().toString());
        assertEquals(cuts, m.getLong("accepted", -1));
        long bucketed = m.fields().entrySet().stream().filter(e -> e.getKey().startsWith("http.latency.b"))
                .mapToLong(e -> Long.parseLong(e.getValue())).sum();
        assertEquals(cuts, bucketed, "each response's latency in a bucket: " + m.fields());
    }

    @Test
    void pipelinedRequestsCountOneByOneAndStatusClassesApart() throws Exception {
        try (Client c = connect()) {
            c.send("HEAD / HTTP/1.1\r\nHost: x\r\n\r\n" + REQUEST + REQUEST);
            server("read " + c.id());
            String three = "HTTP/1.1 404 Not Found\r\nContent-Length: 1000\r\n\r\n"
                    + "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
                    + "HTTP/1.1 503 Busy\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nbusy\r\n0\r\n\r\n";
            write(c, three);
            c.receive(three.length());
            c.send(REQUEST);
            server("read " + c.id());
            write(c, "HTTP/1.1 301 Moved\r\nLocation: /x\r\nContent-Length: 0\r\n\r\n");
            WireMessage m = settled(count("http.requests", 4));
            assertEquals(1, m.getLong("http.status.2xx", -1), m.fields().toString());
            assertEquals(1, m.getLong("http.status.3xx", -1), m.fields().toString());
            assertEquals(1, m.getLong("http.status.4xx", -1), "the HEAD's response has no body: " + m.fields());
            assertEquals(1, m.getLong("http.status.5xx", -1), m.fields().toString());
        }
    }

    @Test
    void continueIsNoResponseAndTheLatencyRunsFromTheFirstRead() throws Exception {
        try (Client c = connect()) {
            c.send("POST /upload HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n");
            server("read " + c.id());
            write(c, "HTTP/1.1 100 Continue\r\n\r\n");
            assertEquals("HTTP/1.1 100 Continue\r\n\r\n", c.receive(25));
            Thread.sleep(300);
            c.send("data");
            server("read " + c.id());
            write(c, "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n");
            WireMessage m = settled(count("http.requests", 1));
            assertEquals(1, m.getLong("http.status.2xx", -1), m.fields().toString());
            assertTrue(m.getLong("http.latency.sum", -1) >= 300_000, "from the headers' read, across the 100: " + m.fields());
            assertTrue(m.fields().keySet().stream().anyMatch(k -> k.startsWith("http.latency.b")
                    && Histogram.lowerBound(Integer.parseInt(k.substring("http.latency.b".length()))) >= 280_000), m.fields().toString());
        }
    }

    @Test
    void aRequestIsTimedFromItsArrivalNotFromItsRead() throws Exception {
        // The kernel turns its receive stamps on a moment after the first socket asks (a deferred
        // job): the bytes of a connection that come first after a quiet time may go unstamped, and
        // are then timed from their read. A connection open before the measured one keeps them on.
        try (Client early = connect()) {
            Thread.sleep(300);
            aRequestThatWaitsIsTimedFromItsArrival();
        }
    }

    private void aRequestThatWaitsIsTimedFromItsArrival() throws Exception {
        try (Client c = connect()) {
            c.send(REQUEST);
            Thread.sleep(400); // it waits in the socket: the app is busy
            server("read " + c.id());
            write(c, OK);
            WireMessage m = settled(count("http.requests", 1));
            assertTrue(m.getLong("http.latency.sum", -1) >= 380_000, "the wait in the socket counts: " + m.fields());
        }
    }

    @Test
    void whatIsNoHttpCountsNothingAndLeavesTheOthersRight() throws Exception {
        try (Client greeted = connect(); Client ssh = connect(); Client tls = connect(); Client plain = connect()) {
            write(greeted, "220 ready\r\n"); // a greeting, before any read
            greeted.send(REQUEST);
            server("read " + greeted.id());
            write(greeted, OK);
            ssh.send(REQUEST);
            server("read " + ssh.id());
            write(ssh, "SSH-2.0-OpenSSH_9.2\r\n" + OK);
            tls.send("\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u0001\u00fc\u0003\u0003");
            server("read " + tls.id());
            write(tls, OK);
            plain.send(REQUEST);
            server("read " + plain.id());
            write(plain, OK);
            for (Client c : new Client[] {greeted, ssh, tls}) server("close " + c.id());
            WireMessage m = settled(count("http.requests", 1));
            assertEquals(1, m.getLong("http.status.2xx", -1), m.fields().toString());
            assertEquals(0, m.getLong("http.aborts", -1), "a connection that is not HTTP/1.x is no abort: " + m.fields());
            assertEquals(1, m.getLong("open", -1), m.fields().toString());
        }
    }

    @Test
    void aPeerThatNeverReadsBlocksNoWrite() throws Exception {
        try (Client stuck = connect(); Client plain = connect()) {
            stuck.send(REQUEST);
            server("read " + stuck.id());
            write(stuck, "HTTP/1.1 200 OK\r\nContent-Length: 1000000000\r\n\r\n");
            String full = server("fill " + stuck.id());
            assertTrue(full.startsWith("full " + stuck.id()) && full.endsWith("EAGAIN"), "writes until the socket is full, then EAGAIN: " + full);
            plain.send(REQUEST);
            server("read " + plain.id());
            write(plain, OK);
            assertEquals(OK, plain.receive(OK.length()));
            WireMessage m = settled(count("http.requests", 2));
            assertEquals(2, m.getLong("http.status.2xx", -1), m.fields().toString());
            server("close " + stuck.id());
            assertEquals(0, settled(count("open", 1)).getLong("http.aborts", -1), "its response went out: no abort");
        }
    }

    @Test
    void aBodyFromAFileKeepsTheNextResponseInPlace() throws Exception {
        try (Client c = connect()) {
            c.send(REQUEST);
            server("read " + c.id());
            write(c, "HTTP/1.1 200 OK\r\nContent-Length: 60000\r\n\r\n");
            assertEquals("sent " + c.id() + " 60000", server("sendfile " + c.id() + " 60000"));
            c.receive(39 + 60000);
            c.send(REQUEST);
            server("read " + c.id());
            write(c, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
            WireMessage m = settled(count("http.requests", 2));
            assertEquals(1, m.getLong("http.status.4xx", -1), m.fields().toString());
        }
    }

    @Test
    void aConnectionClosedBeforeItsResponseIsAnAbort() throws Exception {
        try (Client c = connect(); Client idle = connect()) {
            c.send(REQUEST);
            server("read " + c.id());
            server("close " + c.id());
            server("close " + idle.id()); // never sent a request: no abort
            WireMessage m = report(count("http.aborts", 1).and(count("open", 0)));
            assertEquals(0, m.getLong("http.requests", -1), m.fields().toString());
        }
    }
}
