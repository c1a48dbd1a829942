package io.jcluster.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Bad input through the real preload library, on a connection held open across a reload: HTTP/2
 * with prior knowledge to an HTTP/1.1 app, a TLS handshake that never completes, garbage frames to
 * an h2c gRPC app. The library neither crashes nor blocks the app: the same worker goes on answering,
 * and the reload moves it out with a clean drain (SIGTERM, no other signal).
 */
@Timeout(300)
class BadProtocolInputIT {
    private static final byte[] H2_PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] H2_SETTINGS = {0, 0, 0, 4, 0, 0, 0, 0, 0};

    @Test
    void http2PriorKnowledgeAndAStalledTlsHandshakeToAnHttp11App() throws Exception {
        try (Sandbox sandbox = new Sandbox()) {
            int port = Sandbox.freePort();
            Sandbox.Result r = sandbox.cli("start", Sandbox.FAKE_JAR.toAbsolutePath().toString(), "--name", "http1", "-i", "1",
                    "-p", Integer.toString(port), "--", "jdk-http");
            assertEquals(0, r.code(), () -> r.all() + sandbox.primaryLog("http1"));
            long pid = sandbox.worker("http1", 0).get("pid").asLong();
            try (Socket h2 = connect(port); Socket tls = connect(port)) {
                send(h2, H2_PREFACE, H2_SETTINGS);
                String answer = readSome(h2);
                assertTrue(answer.isEmpty() || answer.startsWith("HTTP/1.1 4"), "the app answers HTTP/2 as HTTP/1.1 does: " + answer);
                // a ClientHello record header that announces 255 bytes, 10 of them, then nothing
                send(tls, new byte[] {0x16, 0x03, 0x01, 0x00, (byte) 0xff, 0x01, 0x00, 0x00, (byte) 0xfb, 0x03, 0x03, 1, 2, 3, 4});
                for (int i = 0; i < 20; i++) {
                    assertTrue(Sandbox.get(port, Duration.ofSeconds(10)).contains("pid=" + pid), "the same worker answers the rest");
                }
                reloadsCleanly(sandbox, "http1", pid);
            }
            assertEquals(0, sandbox.cli("stop", "http1").code());
        }
    }

    @Test
    void garbageFramesToAnH2cGrpcApp() throws Exception {
        Path jar = LoadTools.example("hello-grpc");
        try (Sandbox sandbox = new Sandbox()) {
            int port = Sandbox.freePort();
            Sandbox.Result r = sandbox.cli("start", jar.toAbsolutePath().toString(), "--name", "grpc", "-i", "1", "-p", Integer.toString(port));
            assertEquals(0, r.code(), () -> r.all() + sandbox.primaryLog("grpc"));
            long pid = sandbox.worker("grpc", 0).get("pid").asLong();
            try (Socket huge = connect(port); Socket noise = connect(port); Socket cut = connect(port)) {
                // a DATA frame that says 16 MiB on stream 1, then a little of it
                send(huge, H2_PREFACE, H2_SETTINGS, new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, 0, 0, 0, 0, 0, 1, 7, 7, 7});
                byte[] garbage = new byte[512];
                new java.util.Random(22).nextBytes(garbage);
                send(noise, H2_PREFACE, garbage);
                send(cut, H2_PREFACE, new byte[] {0, 0, 6}); // a frame header cut short, then nothing
                LoadTools.Running load = LoadTools.grpcLoad(sandbox.dir, "unary", port, "--channels", "2", "--concurrency", "4");
                Thread.sleep(3000);
                Map<String, String> calls = LoadTools.stopGrpcLoad(load);
                assertEquals(calls.get("calls"), calls.get("ok"), "every call beside the garbage is OK: " + calls);
                assertEquals("1", calls.get("pids"), "the same worker answered them: " + calls);
                assertEquals(pid, sandbox.worker("grpc", 0).get("pid").asLong());
                reloadsCleanly(sandbox, "grpc", pid);
            }
            assertEquals(0, sandbox.cli("stop", "grpc").code());
        }
    }

    /** A reload replaces worker {@code pid}: it ends by SIGTERM after its drain, and the new one serves. */
    private static void reloadsCleanly(Sandbox sandbox, String app, long pid) throws Exception {
        Sandbox.Result reload = sandbox.cli("reload", app);
        assertEquals(0, reload.code(), () -> reload.all() + sandbox.primaryLog(app));
        JsonNode w = sandbox.worker(app, 0);
        assertTrue(w.get("pid").asLong() != pid, "a new worker: " + w);
        String log = sandbox.primaryLog(app);
        assertTrue(log.contains("worker pid " + pid + " drains"), log);
        assertTrue(log.contains("worker pid " + pid + " exited (signal TERM)"),
                "the old worker ended by SIGTERM, not by a crash of the library:\n" + log);
    }

    private static Socket connect(int port) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
        s.setSoTimeout(2000);
        return s;
    }

    private static void send(Socket s, byte[]... parts) throws IOException {
        OutputStream out = s.getOutputStream();
        for (byte[] p : parts) out.write(p);
        out.flush();
    }

    /** What the server sends within 2 s (empty when nothing, or when it closed). */
    private static String readSome(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        byte[] buf = new byte[4096];
        try {
            int n = in.read(buf);
            return n <= 0 ? "" : new String(buf, 0, n, StandardCharsets.ISO_8859_1);
        } catch (SocketTimeoutException e) {
            return "";
        }
    }
}
