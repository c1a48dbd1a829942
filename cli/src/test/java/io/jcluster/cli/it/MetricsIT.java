package io.jcluster.cli.it;

import static io.jcluster.cli.it.Sandbox.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcluster.cli.Needs;
import com.fasterxml.jackson.databind.JsonNode;
import io.jcluster.cli.metrics.PrometheusParser;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Live figures end to end, on one hello-netty app with two small-heap workers, {@code [metrics]
 * listen} and {@code [overload] max_loop_lag}: {@code jcluster top} in a real terminal (tmux) under
 * load, {@code ls}, {@code top --once}, load shedding past capacity and its recovery, the
 * Prometheus endpoint, and {@code describe} after a {@code kill -9}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(240)
class MetricsIT {
    private static final String APP = "metrics";
    private static final long MAX_LAG_MS = 50;
    private static Sandbox sandbox;
    private static int port;
    private static int metricsPort;

    @BeforeAll
    static void start() throws Exception {
        Needs.that(Files.isRegularFile(Sandbox.HELLO_JAR), "hello-netty.jar is built");
        sandbox = new Sandbox();
        port = Sandbox.freePort();
        metricsPort = Sandbox.freePort();
        Path config = sandbox.write("jcluster.toml", """
                [app]
                name = "%s"
                jar = "%s"
                instances = 2
                port = %d
                jvm_args = ["-Xmx48m", "-XX:+UseSerialGC"]
                [metrics]
                listen = "127.0.0.1:%d"
                [overload]
                max_loop_lag = "%dms"
                """.formatted(APP, Sandbox.HELLO_JAR.toAbsolutePath(), port, metricsPort, MAX_LAG_MS));
        Sandbox.Result r = sandbox.cli("start", config.toString());
        assertEquals(0, r.code(), () -> "start failed: " + r.all() + "\n" + sandbox.explain(APP));
    }

    @AfterAll
    static void stop() throws Exception {
        if (sandbox != null) sandbox.close();
    }

    @Test
    @Order(1)
    void topShowsLiveRequestAndGcFiguresAndGivesTheTerminalBack() throws Exception {
        Needs.that(Tmux.available(), "tmux (apt-get install -y tmux)");
        Path before = sandbox.dir.resolve("stty-before");
        Path after = sandbox.dir.resolve("stty-after");
        try (Load load = new Load(port, 16); Tmux tmux = new Tmux(sandbox, 200, 50)) {
            tmux.type("stty -g > " + before + "; " + Sandbox.DIST.resolve("bin/jcluster").toAbsolutePath() + " top " + APP
                    + "; echo TOP-EXIT=$?; stty -g > " + after);
            await("top's first rows", Duration.ofSeconds(30), () -> rows(tmux.capture()).size() == 2);
            assertEquals("1", tmux.display("#{alternate_on}"), "top draws on the alternate screen");
            List<Map<String, String>> frames = new ArrayList<>();
            List<String> headers = new ArrayList<>();
            // At least 8 frames; more, up to a minute, while no collection has shown: on a machine busy with other
            // tests the load gets few answers (some shed), and a young generation of the 48 MB heap then takes
            // longer than 8 s to fill.
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            for (int i = 0; i < 8 || (!collected(frames) && System.nanoTime() < until); i++) {
                Thread.sleep(1000);
                String screen = tmux.capture();
                for (Map<String, String> row : rows(screen)) frames.add(row);
                headers.add(screen.lines().skip(1).findFirst().orElse(""));
            }
            String colors = tmux.captureWithEscapes();
            assertFalse(colors.matches("(?s).*\033\\[[0-9;]*3[0-7]m.*") || colors.contains("38;5;"),
                    "NO_COLOR: no colors on the screen");
            assertTrue(load.responses() > 0, "the load got answers");

            Set<String> rps = new HashSet<>();
            Set<String> gc = new HashSet<>();
            for (Map<String, String> row : frames) {
                rps.add(row.get("RPS"));
                gc.add(row.get("GC/S") + " " + row.get("GCMS/S"));
                assertEquals("ready", row.get("STATE"), row::toString);
            }
            assertTrue(frames.stream().anyMatch(r -> number(r.get("RPS")) > 0), "requests per second under load: " + frames);
            assertTrue(rps.size() > 1, "RPS changes from frame to frame: " + rps);
            assertTrue(collected(frames), "collections under load, with a 48 MB heap: " + frames);
            assertTrue(gc.size() > 1, "GC figures change: " + gc);
            assertTrue(headers.stream().anyMatch(h -> h.startsWith("RPS ") && !h.startsWith("RPS -") && !h.startsWith("RPS 0 ")),
                    "the app's total RPS in the header: " + headers);

            tmux.send("q");
            await("top to exit", Duration.ofSeconds(20), () -> tmux.capture().contains("TOP-EXIT=0"));
            await("the shell to write the settings", Duration.ofSeconds(10), () -> Files.exists(after) && size(after) > 0);
            assertEquals("0", tmux.display("#{alternate_on}"), "back on the main screen");
            assertEquals("1", tmux.display("#{cursor_flag}"), "the cursor is visible again");
            assertEquals(Files.readString(before), Files.readString(after), "the terminal's settings are as they were");
        }
    }

    @Test
    @Order(2)
    void lsAndTopOnceShowTheFigures() throws Exception {
        await("figures in ls --json", Duration.ofSeconds(20), () -> {
            try {
                JsonNode w = sandbox.app(APP).get("metrics").get("workers").get(0);
                return w.has("cpuPercent") && w.has("rssBytes") && w.has("heapUsedBytes") && w.has("requestsPerSecond");
            } catch (Exception e) {
                return false;
            }
        });
        JsonNode app = sandbox.app(APP);
        JsonNode metrics = app.get("metrics");
        assertEquals(APP, metrics.get("app").asText());
        assertEquals(2, metrics.get("workers").size());
        assertEquals(2, metrics.get("totals").get("ready").asInt());
        JsonNode w0 = metrics.get("workers").get(0);
        assertEquals(app.get("workers").get(0).get("pid").asLong(), w0.get("pid").asLong());
        assertTrue(w0.get("rssBytes").asLong() > 1_000_000, w0::toString);
        assertTrue(w0.get("heapMaxBytes").asLong() <= 48L * 1024 * 1024, w0::toString);
        assertTrue(w0.get("requestsTotal").asLong() > 0, "the load of the previous test: " + w0);
        assertTrue(w0.get("collectors").size() >= 1, w0::toString);

        Sandbox.Result ls = sandbox.cli("ls");
        assertEquals(0, ls.code(), ls.all());
        String header = ls.out().lines().findFirst().orElse("");
        assertTrue(header.matches("APP\\s+STATE\\s+PORT\\s+SLOT\\s+PID\\s+WORKER\\s+GEN\\s+UPTIME\\s+RESTARTS\\s+CPU%\\s+MEM\\s+RPS\\s+LAST EXIT"), header);
        assertTrue(ls.out().lines().skip(1).allMatch(l -> l.matches(".*\\s\\d+(\\.\\d)?\\s+\\d+[KMG]\\s+\\S+\\s+-")), ls.out());

        Sandbox.Result once = sandbox.cli("top", "--once", APP);
        assertEquals(0, once.code(), once.all());
        List<String> lines = once.out().lines().toList();
        assertTrue(lines.get(0).startsWith("jcluster top  " + APP + "  online"), once.out());
        assertTrue(lines.get(1).contains("workers 2/2 ready"), once.out());
        assertEquals(2, rows(once.out()).size(), once.out());
        assertTrue(lines.stream().noneMatch(l -> l.contains("\033")), "plain text");
    }

    @Test
    @Order(3)
    void pastCapacityClientsGetFast503sNotTimeoutsAndSheddingStopsWhenTheLoadDrops() throws Exception {
        // 8 event loops in all; each /work holds one for 100 ms: about 80 requests per second at most.
        Map<String, AtomicLong> outcomes = new ConcurrentHashMap<>();
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> clients = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            Thread t = new Thread(() -> {
                while (!stop.get()) {
                    String outcome = work(port, 100, Duration.ofSeconds(10));
                    outcomes.computeIfAbsent(outcome, k -> new AtomicLong()).incrementAndGet();
                    if (!outcome.equals("200")) sleep(50);
                }
            });
            t.setDaemon(true);
            t.start();
            clients.add(t);
        }
        Thread.sleep(6000);
        stop.set(true);
        for (Thread t : clients) t.join(30_000);

        Map<String, Long> seen = new HashMap<>();
        outcomes.forEach((k, v) -> seen.put(k, v.get()));
        assertTrue(seen.getOrDefault("503 Retry-After: 1", 0L) > 0, "shed with 503 and Retry-After: " + seen);
        assertTrue(seen.getOrDefault("200", 0L) > 0, "and still serving some: " + seen);
        assertEquals(Set.of("200", "503 Retry-After: 1"), seen.keySet(), "no timeouts, no errors: " + seen);

        // Once the load is gone, the lag falls back under the bound and nothing is shed any more.
        await("lag under " + MAX_LAG_MS + " ms and no shedding", Duration.ofSeconds(60), () -> {
            try {
                JsonNode workers = sandbox.app(APP).get("metrics").get("workers");
                for (JsonNode w : workers) {
                    if (!w.has("loopLagP99Millis") || w.get("loopLagP99Millis").asDouble() >= MAX_LAG_MS) return false;
                    if (w.get("shedPerSecond").asDouble() != 0) return false;
                }
                return true;
            } catch (Exception e) {
                return false;
            }
        });
        // Served again. A client that honours Retry-After tries once more a second later: on a machine busy with
        // other work a light request may still meet a moment of lag over the bound, but shedding must not last.
        for (int i = 0; i < 10; i++) {
            List<String> tries = new ArrayList<>();
            for (int attempt = 0; attempt < 5 && !tries.contains("200"); attempt++) {
                if (attempt > 0) sleep(1000);
                tries.add(work(port, 1, Duration.ofSeconds(10)));
            }
            assertEquals("200", tries.get(tries.size() - 1), "served again, honouring Retry-After: " + tries);
            assertTrue(tries.stream().allMatch(t -> t.equals("200") || t.equals("503 Retry-After: 1")), "no timeouts, no errors: " + tries);
        }
        long shed = 0;
        for (JsonNode w : sandbox.app(APP).get("metrics").get("workers")) shed += w.get("shedTotal").asLong();
        assertTrue(shed > 0, "the shed requests are counted in ls --json");
        assertTrue(shed >= seen.get("503 Retry-After: 1") / 2, "most 503s were counted: " + shed + " of " + seen);
    }

    @Test
    @Order(4)
    void prometheusTextParsesLineByLine() throws Exception {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics"))
                .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("text/plain; version=0.0.4"));
        PrometheusParser.Exposition e = PrometheusParser.parse(r.body());
        for (String slot : List.of("0", "1")) {
            assertEquals(1, e.value("jcluster_worker_up", "app", APP, "slot", slot), r.body());
            assertTrue(e.value("jcluster_worker_requests_total", "app", APP, "slot", slot) > 0, r.body());
            assertTrue(e.value("jcluster_worker_heap_used_bytes", "app", APP, "slot", slot) > 0, r.body());
            assertTrue(e.value("jcluster_worker_resident_memory_bytes", "app", APP, "slot", slot) > 0, r.body());
            assertTrue(e.value("jcluster_worker_gc_pause_seconds_max", "app", APP, "slot", slot) >= 0, r.body());
            assertTrue(e.value("jcluster_worker_gc_collections_total", "app", APP, "slot", slot, "collector", "Copy") > 0, r.body());
        }
        double shed = e.all("jcluster_worker_requests_shed_total").stream().mapToDouble(PrometheusParser.Sample::value).sum();
        assertTrue(shed > 0, "the shedding of the previous test shows: " + r.body());
        assertEquals(2, e.value("jcluster_app_workers", "app", APP));
    }

    @Test
    @Order(5)
    void describeShowsTheConfigTheWorkersAndRecentExits() throws Exception {
        long victim = sandbox.worker(APP, 1).get("pid").asLong();
        ProcessHandle.of(victim).orElseThrow().destroyForcibly();
        await("slot 1 replaced", Duration.ofSeconds(60), () -> {
            try {
                JsonNode w = sandbox.worker(APP, 1);
                return "ready".equals(w.get("state").asText()) && w.get("pid").asLong() != victim;
            } catch (Exception ex) {
                return false;
            }
        });
        Sandbox.Result d = sandbox.cli("describe", APP);
        assertEquals(0, d.code(), d.all());
        String out = d.out();
        assertTrue(out.startsWith(APP + ": "), out);
        assertTrue(out.contains("\nconfig in force\n[app]\nname = \"" + APP + "\"\n"), out);
        assertTrue(out.contains("\n[overload]\nmax_loop_lag = \"50ms\"\n"), out);
        assertTrue(out.contains("\n[metrics]\ninterval = \"1s\"\nlisten = \"127.0.0.1:" + metricsPort + "\"\n"), out);
        assertTrue(out.contains("garbage collectors, since each worker started"), out);
        String exits = out.substring(out.indexOf("recent exits"));
        assertTrue(exits.lines().anyMatch(l -> l.contains(" 1 ") && l.contains(Long.toString(victim)) && l.contains("signal KILL")
                && l.contains("crashed") && l.matches("\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d.*")), exits);

        Sandbox.Result json = sandbox.cli("describe", "--json", APP);
        assertEquals(0, json.code(), json.all());
        JsonNode node = Sandbox.JSON.readTree(json.out());
        JsonNode exit = node.get("exits").get(node.get("exits").size() - 1);
        assertEquals(victim, exit.get("pid").asLong());
        assertEquals("KILL", exit.get("signal").asText());
        assertEquals(137, exit.get("code").asInt());
        assertEquals("2", node.get("config").get("app").get("instances").asText());
        assertNotEquals(victim, node.get("status").get("workers").get(1).get("pid").asLong());
    }

    // ---- helpers ----

    /** The worker rows of a top frame, as header → value. */
    static List<Map<String, String>> rows(String screen) {
        List<String> lines = screen.lines().toList();
        List<Map<String, String>> rows = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (!lines.get(i).startsWith("SLOT ")) continue;
            String[] header = lines.get(i).trim().split("\\s+");
            for (int j = i + 1; j < lines.size() && !lines.get(j).isBlank(); j++) {
                String[] cells = lines.get(j).trim().split("\\s+");
                if (cells.length != header.length || !cells[0].matches("\\d+")) break;
                Map<String, String> row = new HashMap<>();
                for (int k = 0; k < header.length; k++) row.put(header[k], cells[k]);
                rows.add(row);
            }
            break;
        }
        return rows;
    }

    /** Whether a frame of {@code top} shows a worker collecting: collections and their time per second above 0. */
    private static boolean collected(List<Map<String, String>> frames) {
        return frames.stream().anyMatch(row -> number(row.get("GC/S")) > 0 && number(row.get("GCMS/S")) > 0);
    }

    /** A figure as top writes it ({@code 950}, {@code 12.3k}, {@code 2.0}), 0 for {@code -}. */
    static double number(String figure) {
        if (figure == null || figure.equals("-")) return 0;
        double scale = 1;
        if (figure.endsWith("k")) scale = 1000;
        if (figure.endsWith("M")) scale = 1_000_000;
        return Double.parseDouble(figure.replaceAll("[kM]$", "")) * scale;
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return 0;
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * {@code GET /work?ms=N} on a new connection: {@code 200}, {@code 503 Retry-After: <v>}, another
     * status, {@code timeout} or {@code error: ...}.
     */
    static String work(int port, long ms, Duration timeout) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), (int) timeout.toMillis());
            s.setSoTimeout((int) timeout.toMillis());
            s.getOutputStream().write(("GET /work?ms=" + ms + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            String response = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            String status = response.length() >= 12 ? response.substring(9, 12) : "short: " + response;
            if (status.equals("503")) {
                String retry = response.lines().filter(l -> l.toLowerCase().startsWith("retry-after:")).findFirst().orElse("none");
                return "503 Retry-After: " + retry.substring(retry.indexOf(':') + 1).trim();
            }
            return status;
        } catch (SocketTimeoutException e) {
            return "timeout";
        } catch (IOException e) {
            return "error: " + e.getMessage();
        }
    }

    /** Keep-alive clients sending {@code GET /} as fast as they are answered, until closed. */
    static final class Load implements AutoCloseable {
        private final AtomicBoolean stop = new AtomicBoolean();
        private final AtomicLong responses = new AtomicLong();
        private final List<Thread> threads = new ArrayList<>();
        private final List<Socket> sockets = new java.util.concurrent.CopyOnWriteArrayList<>();

        Load(int port, int connections) {
            for (int i = 0; i < connections; i++) {
                Thread t = new Thread(() -> run(port), "load");
                t.setDaemon(true);
                t.start();
                threads.add(t);
            }
        }

        long responses() {
            return responses.get();
        }

        private void run(int port) {
            byte[] request = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
            while (!stop.get()) {
                try (Socket s = new Socket()) {
                    sockets.add(s);
                    s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
                    s.setSoTimeout(10_000);
                    OutputStream out = s.getOutputStream();
                    InputStream in = s.getInputStream();
                    while (!stop.get()) {
                        out.write(request);
                        readResponse(in);
                        responses.incrementAndGet();
                    }
                } catch (IOException e) {
                    // reconnect, unless stopping
                }
            }
        }

        private static void readResponse(InputStream in) throws IOException {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            int state = 0;
            while (state < 4) {
                int b = in.read();
                if (b < 0) throw new IOException("closed");
                head.write(b);
                state = (b == '\r' || b == '\n') ? state + 1 : 0;
            }
            String h = head.toString(StandardCharsets.ISO_8859_1).toLowerCase();
            int at = h.indexOf("content-length:");
            int length = at < 0 ? 0 : Integer.parseInt(h.substring(at + 15, h.indexOf('\r', at)).trim());
            if (in.readNBytes(length).length < length) throw new IOException("short body");
        }

        @Override
        public void close() throws InterruptedException {
            stop.set(true);
            for (Socket s : sockets) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
            for (Thread t : threads) t.join(TimeUnit.SECONDS.toMillis(20));
        }
    }
}
