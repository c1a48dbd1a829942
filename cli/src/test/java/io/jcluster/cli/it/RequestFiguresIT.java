package io.jcluster.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.jcluster.cli.Needs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.parallel.Isolated;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Request figures of unmodified servers, measured at the socket by the preload library, against a real
 * client: the stock Spring Boot example and the JDK {@code HttpServer} example, one worker each, under
 * wrk. The requests jcluster counted over the run are wrk's within 1 %; the p50 it shows while wrk runs
 * is at most wrk's own (the server's view is inside the client's), its p99 at most wrk's; for requests
 * that sleep a known time in the app, the p50 is at least that time and still at most wrk's;
 * a 5xx endpoint shows in {@code top}'s 5XX/S column; {@code describe} names the source.
 */
@Timeout(600)
@Isolated // a timing comparison: wrk and the worker alone on the machine's cores
class RequestFiguresIT {
    private static final Path EXAMPLES = Path.of(System.getProperty("jcluster.examples", "../examples"));
    private static final Path WRK = Path.of("/usr/bin/wrk");
    private static final int SECONDS = 12;
    private static final int CONNECTIONS = 2;

    /** Each request of the second run sleeps this long in the app. */
    private static final int KNOWN_MILLIS = 2;

    /** What wrk said of a run. */
    private record WrkRun(long requests, double p50Millis, double p99Millis, String text) {}

    /** A wrk run and the worker's per-second quantiles shown while it ran. */
    private record Sampled(WrkRun run, List<Double> p50, List<Double> p99) {
        String seen() {
            return "jcluster's p50 " + p50 + ", p99 " + p99 + "; wrk's p50 " + run.p50Millis() + " ms, p99 " + run.p99Millis() + " ms";
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"hello-spring", "hello-jdk"})
    void countsMatchWrksAndTheLatencyIsInsideTheClients(String example) throws Exception {
        Needs.executable(WRK.toString(), "wrk");
        Path config = EXAMPLES.resolve(example).resolve("jcluster.toml").toAbsolutePath();
        Needs.that(Files.isRegularFile(EXAMPLES.resolve(example).resolve("target/" + example + ".jar")), example + " is built");
        try (Sandbox sandbox = new Sandbox()) {
            int port = Sandbox.freePort();
            Sandbox.Result r = sandbox.cli("start", config.toString(), "-i", "1", "-p", Integer.toString(port));
            assertEquals(0, r.code(), () -> r.all() + "\n" + sandbox.primaryLog(example));
            String url = "http://127.0.0.1:" + port + "/";
            wrk(sandbox, url, 8); // warm-up: the JIT, the pools, the connections
            long before = settled(sandbox, example);

            Sampled fast = sample(sandbox, example, url, CONNECTIONS, "wrk.txt");
            WrkRun run = fast.run();
            long counted = settled(sandbox, example) - before;

            assertTrue(run.requests() > 1000, "wrk got through: " + run.text());
            assertTrue(Math.abs(counted - run.requests()) <= run.requests() / 100,
                    "jcluster counted " + counted + " requests, wrk " + run.requests() + ":\n" + run.text());
            double m50 = median(fast.p50());
            double m99 = median(fast.p99());
            String seen = fast.seen();
            System.out.println(seen); // in the failsafe report, for a side-by-side look
            assertTrue(fast.p50().size() >= 3, seen);
            // The server's p50 is a median of per-second quantiles, each a bucket's upper bound (up to 1/16 over),
            // against wrk's over the whole run. wrk's p99 on this one-thread client is its own scheduling's
            // (~2.5 ms against the server's ~0.2 ms on an idle machine).
            assertTrue(m50 > 0 && m50 <= run.p50Millis() * 17 / 16, "p50 inside the client's: " + seen);
            assertTrue(m99 <= run.p99Millis() && m99 >= m50, "p99 inside the client's, above the p50: " + seen);

            // Requests of a known length: /work?ms=N sleeps N ms in the app. The server's p50 holds the app's time,
            // so it is at least N, and is still inside the client's. (The fast requests above cannot bound it from
            // below: how far the client's time lies above the server's there is the client's and the kernel's
            // scheduling, 1.4x to 2.2x of it on this machine, idle to busy.)
            Sampled known = sample(sandbox, example, url + "work?ms=" + KNOWN_MILLIS, 1, "wrk-work.txt");
            System.out.println(known.seen());
            assertTrue(known.p50().size() >= 3, known.seen());
            double k50 = median(known.p50());
            assertTrue(k50 >= KNOWN_MILLIS && k50 <= known.run().p50Millis() * 17 / 16,
                    "p50 of " + KNOWN_MILLIS + " ms requests at least that and inside the client's: " + known.seen());

            // a 5xx endpoint: its rate in the 5XX/S column, its count by class
            Process fail = sandbox.background(sandbox.dir.resolve("wrk-fail.txt"),
                    List.of(WRK.toString(), "-t1", "-c1", "-d6s", url + "fail"));
            Sandbox.await("5xx in the errors column", Duration.ofSeconds(30), () -> {
                try {
                    return errorRate(sandbox.cli("top", example, "--once", "--width", "200").out()) > 0;
                } catch (Exception e) {
                    return false;
                }
            });
            assertTrue(fail.waitFor(30, java.util.concurrent.TimeUnit.SECONDS));
            JsonNode classes = sandbox.app(example).path("metrics").path("workers").path(0).path("responsesTotal");
            assertTrue(classes.path("5xx").asLong() > 0, classes.toString());
            assertTrue(classes.path("2xx").asLong() >= run.requests(), classes.toString());

            String describe = sandbox.cli("describe", example).out();
            assertTrue(describe.contains("request figures: ") && describe.contains("measured at the socket by the preload library"), describe);
            assertEquals(0, sandbox.cli("stop", example).code());
        }
    }

    /** Runs wrk for {@value #SECONDS} s on {@code url}, reading the worker's quantiles from {@code ls --json} meanwhile. */
    private static Sampled sample(Sandbox sandbox, String app, String url, int connections, String reportName) throws Exception {
        Path report = sandbox.dir.resolve(reportName);
        Process load = sandbox.background(report, List.of(WRK.toString(), "-t1", "-c" + connections, "-d" + SECONDS + "s", "--latency", url));
        List<Double> p50 = new ArrayList<>();
        List<Double> p99 = new ArrayList<>();
        Thread.sleep(2500); // the first snapshot that covers only the run
        while (load.isAlive() && p50.size() < SECONDS - 4) {
            JsonNode f = sandbox.app(app).path("metrics").path("workers").path(0);
            if (f.has("latencyP50Millis") && f.path("requestsPerSecond").asDouble() > 0) {
                p50.add(f.get("latencyP50Millis").asDouble());
                p99.add(f.get("latencyP99Millis").asDouble());
            }
            Thread.sleep(1000);
        }
        assertTrue(load.waitFor(SECONDS + 30, java.util.concurrent.TimeUnit.SECONDS));
        return new Sampled(parse(Files.readString(report)), p50, p99);
    }

    /** The worker's requests since start, once two snapshots a second apart agree. */
    private static long settled(Sandbox sandbox, String app) throws Exception {
        long last = -1;
        for (int i = 0; i < 30; i++) {
            long now = sandbox.app(app).path("metrics").path("workers").path(0).path("requestsTotal").asLong(-1);
            if (now >= 0 && now == last) return now;
            last = now;
            Thread.sleep(1100);
        }
        throw new AssertionError("the request count did not settle: " + last);
    }

    private static void wrk(Sandbox sandbox, String url, int seconds) throws Exception {
        Process p = sandbox.background(sandbox.dir.resolve("wrk-warm.txt"),
                List.of(WRK.toString(), "-t1", "-c" + CONNECTIONS, "-d" + seconds + "s", url));
        assertTrue(p.waitFor(seconds + 30, java.util.concurrent.TimeUnit.SECONDS));
    }

    /** wrk's request count and latency percentiles from its --latency report. */
    static WrkRun parse(String text) {
        Matcher n = Pattern.compile("(\\d+) requests in").matcher(text);
        assertTrue(n.find(), text);
        return new WrkRun(Long.parseLong(n.group(1)), percentile(text, "50%"), percentile(text, "99%"), text);
    }

    private static double percentile(String text, String which) {
        Matcher m = Pattern.compile(Pattern.quote(which) + "\\s+([\\d.]+)(us|ms|s)").matcher(text);
        assertTrue(m.find(), text);
        double v = Double.parseDouble(m.group(1));
        return switch (m.group(2)) {
            case "us" -> v / 1000;
            case "s" -> v * 1000;
            default -> v;
        };
    }

    /** The 5XX/S value of the first worker row of {@code top --once}. */
    private static double errorRate(String top) {
        List<String> lines = top.lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            List<String> head = List.of(lines.get(i).trim().split("\\s+"));
            int col = head.indexOf("5XX/S");
            if (col < 0 || !head.get(0).equals("SLOT") || i + 1 >= lines.size()) continue;
            String v = lines.get(i + 1).trim().split("\\s+")[col];
            return v.equals("-") ? 0 : Double.parseDouble(v.replace("k", ""));
        }
        return 0;
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.isEmpty() ? Double.NaN : sorted.get(sorted.size() / 2);
    }
}
