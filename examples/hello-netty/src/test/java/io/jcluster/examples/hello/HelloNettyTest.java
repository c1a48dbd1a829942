package io.jcluster.examples.hello;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.jcluster.runtime.JCluster;
import io.netty.channel.epoll.Epoll;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HelloNettyTest {

    private static HelloNetty server;

    @BeforeAll
    static void start() throws InterruptedException {
        assertTrue(Epoll.isAvailable(), () -> "the example serves on netty's native epoll transport, unavailable here: " + Epoll.unavailabilityCause());
        assertFalse(JCluster.isManaged(), "these tests run the example on its own: run them outside jcluster (JCLUSTER_* unset)");
        server = HelloNetty.start(0);
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void greetsOnTheRootAndKeepsTheConnectionAlive() throws IOException {
        try (Socket socket = connect()) {
            for (int i = 0; i < 3; i++) {
                send(socket, "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
                Response response = Response.read(socket.getInputStream());
                assertEquals(200, response.status);
                assertTrue(response.header("content-type").startsWith("text/plain"), response.headers::toString);
                assertEquals("hello from jcluster slot=-1 pid=" + ProcessHandle.current().pid() + " gen=0\n", response.body);
                assertEquals("", response.header("connection"), "HTTP/1.1 keeps alive by default");
            }
        }
    }

    @Test
    void otherPathsAre404AndOtherMethods405() throws IOException {
        try (Socket socket = connect()) {
            send(socket, "GET /crash HTTP/1.1\r\nHost: localhost\r\n\r\n");
            assertEquals(404, Response.read(socket.getInputStream()).status);
            send(socket, "GET /?name=x HTTP/1.1\r\nHost: localhost\r\n\r\n");
            assertEquals(200, Response.read(socket.getInputStream()).status, "a query string is still /");
            send(socket, "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\n\r\nhi");
            Response post = Response.read(socket.getInputStream());
            assertEquals(405, post.status);
            assertEquals("GET", post.header("allow"));
        }
    }

    @Test
    void workHoldsTheLoopForTheGivenTimeAndChecksItsArgument() throws IOException {
        try (Socket socket = connect()) {
            send(socket, "GET /work?ms=30 HTTP/1.1\r\nHost: localhost\r\n\r\n");
            Response ok = Response.read(socket.getInputStream());
            assertEquals(200, ok.status);
            assertEquals("worked 30 ms\n", ok.body);
            send(socket, "GET /work HTTP/1.1\r\nHost: localhost\r\n\r\n");
            assertEquals("worked 10 ms\n", Response.read(socket.getInputStream()).body, "10 ms by default");
            send(socket, "GET /work?ms=abc HTTP/1.1\r\nHost: localhost\r\n\r\n");
            assertEquals(400, Response.read(socket.getInputStream()).status);
            send(socket, "GET /work?ms=10001 HTTP/1.1\r\nHost: localhost\r\n\r\n");
            assertEquals(400, Response.read(socket.getInputStream()).status);
            send(socket, "POST /work HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n");
            assertEquals(405, Response.read(socket.getInputStream()).status);
        }
    }

    @Test
    void connectionCloseIsHonoured() throws IOException {
        try (Socket socket = connect()) {
            send(socket, "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
            Response response = Response.read(socket.getInputStream());
            assertEquals(200, response.status);
            assertEquals("close", response.header("connection"));
            assertEquals(-1, socket.getInputStream().read(), "the server closed the connection");
        }
    }

    @Test
    void http10ClosesUnlessAskedToKeepAlive() throws IOException {
        try (Socket socket = connect()) {
            send(socket, "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
            Response kept = Response.read(socket.getInputStream());
            assertEquals("keep-alive", kept.header("connection").toLowerCase(Locale.ROOT));
            send(socket, "GET / HTTP/1.0\r\n\r\n");
            assertEquals(200, Response.read(socket.getInputStream()).status);
            assertEquals(-1, socket.getInputStream().read());
        }
    }

    @Test
    void portComesFromJclusterThenArgumentThenPortThenDefault() {
        assertEquals(9001, HelloNetty.port(new String[] {"9002"}, Map.of("JCLUSTER_PORT", "9001", "PORT", "9003")));
        assertEquals(9002, HelloNetty.port(new String[] {"9002"}, Map.of("PORT", "9003")));
        assertEquals(9003, HelloNetty.port(new String[0], Map.of("PORT", "9003")));
        assertEquals(8080, HelloNetty.port(new String[0], Map.of()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> HelloNetty.port(new String[] {"eighty"}, Map.of()));
        assertEquals("bad port 'eighty' from the first argument: expected 0..65535", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> HelloNetty.port(new String[0], Map.of("PORT", "65536")));
    }

    private static Socket connect() throws IOException {
        Socket socket = new Socket("127.0.0.1", server.port());
        socket.setSoTimeout(10_000);
        return socket;
    }

    private static void send(Socket socket, String request) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(request.getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    /** Just enough of an HTTP/1.x response reader for these tests: status, headers, sized body. */
    private record Response(int status, Map<String, String> headers, String body) {

        String header(String name) {
            return headers.getOrDefault(name, "");
        }

        static Response read(InputStream in) throws IOException {
            String statusLine = line(in);
            int status = Integer.parseInt(statusLine.split(" ")[1]);
            Map<String, String> headers = new TreeMap<>();
            for (String line = line(in); !line.isEmpty(); line = line(in)) {
                int colon = line.indexOf(':');
                headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
            }
            int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
            return new Response(status, headers, new String(in.readNBytes(length), StandardCharsets.UTF_8));
        }

        private static String line(InputStream in) throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            for (int b = in.read(); b != '\n'; b = in.read()) {
                if (b < 0) {
                    throw new IOException("connection closed mid-response");
                }
                if (b != '\r') {
                    line.write(b);
                }
            }
            return line.toString(StandardCharsets.US_ASCII);
        }
    }
}
