package io.jcluster.cli.it;

import static io.jcluster.cli.it.Sandbox.await;
import static io.jcluster.cli.it.Sandbox.read;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcluster.cli.systemd.NotifySocket;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The foreground primary as systemd and Kubernetes see it: a datagram socket stands in for systemd
 * ({@code NOTIFY_SOCKET}); READY comes once every slot serves; SIGHUP reloads the changed config
 * between RELOADING and READY; the watchdog is pinged; {@code /readyz} and {@code /healthz} answer on
 * the metrics listener; an app whose every slot errored says so, and exits with
 * {@code when_errored = "exit"} (the foreground default).
 */
@Timeout(240)
class SystemdIT {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void notifyReadyAfterServingReloadOnSighupAndWatchdogPings() throws Exception {
        try (Sandbox sandbox = new Sandbox(); NotifySocket systemd = new NotifySocket(Files.createTempDirectory("notify").resolve("n.sock").toString())) {
            int port = Sandbox.freePort();
            int metrics = Sandbox.freePort();
            Path config = sandbox.write("jcluster.toml", hello(port, metrics, "one"));
            Path out = sandbox.dir.resolve("out.txt");
            // As systemd starts a service: every signal at its default (a test run under nohup would pass SIGHUP on ignored)
            Process primary = sandbox.background(out, List.of("env", "--default-signal=HUP",
                    Sandbox.DIST.resolve("bin/jcluster").toAbsolutePath().toString(), "start", "--foreground", config.toString()),
                    Map.of("NOTIFY_SOCKET", systemd.name(), "WATCHDOG_USEC", "1000000"));
            try {
                String ready = awaitDatagram(systemd, "READY=1", Duration.ofSeconds(90), new ArrayList<>(), out);
                assertTrue(ready.contains("STATUS=2/2 workers ready, generation 1"), ready);
                var app = sandbox.app("sd");
                assertEquals("online", app.get("state").asText(), "READY=1 comes only once every slot serves: " + app);
                assertEquals("1", Sandbox.fields(Sandbox.get(port, Duration.ofSeconds(10))).get("gen"));

                List<String> seen = new ArrayList<>();
                // The pings sent while the steps above ran wait in the socket: count only those of the window.
                while (systemd.next(Duration.ofMillis(1)) != null) {
                    // drained
                }
                long pings = 0;
                long end = System.nanoTime() + Duration.ofSeconds(3).toNanos();
                while (System.nanoTime() < end) {
                    String d = systemd.next(Duration.ofMillis(200));
                    if (d != null && d.contains("WATCHDOG=1")) pings++;
                    if (d != null) seen.add(d);
                }
                assertTrue(pings >= 2 && pings <= 12, "WATCHDOG=1 about every 0.5 s (half of WATCHDOG_USEC): " + pings + " in 3 s: " + seen);

                assertEquals(200, probe(metrics, "/readyz").statusCode());
                assertEquals(200, probe(metrics, "/healthz").statusCode());

                Files.writeString(config, hello(port, metrics, "two"));
                new ProcessBuilder("kill", "-HUP", Long.toString(primary.pid())).start().waitFor(10, TimeUnit.SECONDS);
                List<String> during = new ArrayList<>();
                String reloading = awaitDatagram(systemd, "RELOADING=1", Duration.ofSeconds(30), during, out);
                assertTrue(reloading.contains("MONOTONIC_USEC="), reloading);
                String readyAgain = awaitDatagram(systemd, "READY=1", Duration.ofSeconds(120), during, out);
                assertTrue(readyAgain.contains("generation 2"), readyAgain + "\n" + read(out));
                var reloaded = sandbox.app("sd");
                for (var w : reloaded.get("workers")) assertEquals(2, w.get("generation").asInt(), reloaded.toString());
                String body = Sandbox.get(port, Duration.ofSeconds(10));
                assertEquals("2", Sandbox.fields(body).get("gen"), body);
                assertTrue(read(out).contains("SIGHUP: reloading"), read(out));

                primary.destroy(); // SIGTERM
                awaitDatagram(systemd, "STOPPING=1", Duration.ofSeconds(30), new ArrayList<>(), out);
                assertTrue(primary.waitFor(60, TimeUnit.SECONDS), read(out));
                assertEquals(0, primary.exitValue(), read(out));
            } finally {
                primary.destroyForcibly();
                primary.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void everySlotErroredFailsHealthzAndReadyzAndExitsWhenToldTo() throws Exception {
        try (Sandbox sandbox = new Sandbox()) {
            int port = Sandbox.freePort();
            int metrics = Sandbox.freePort();
            String crashing = """
                    [app]
                    name = "doomed"
                    jar = "%s"
                    instances = 2
                    port = %d
                    listen = "self"
                    args = ["crash-on-start"]
                    [restart]
                    max_failures = 2
                    backoff_initial = "50ms"
                    when_errored = "%s"
                    [metrics]
                    listen = "127.0.0.1:%d"
                    """;
            Path stay = sandbox.write("stay.toml", crashing.formatted(Sandbox.FAKE_JAR.toAbsolutePath(), port, "stay", metrics));
            Path out = sandbox.dir.resolve("stay.txt");
            Process primary = sandbox.background(out, List.of(Sandbox.DIST.resolve("bin/jcluster").toAbsolutePath().toString(),
                    "start", "--foreground", stay.toString()));
            try {
                await("every slot errored", Duration.ofSeconds(90), () -> read(out).contains("slot 0: errored")
                        && read(out).contains("slot 1: errored"));
                HttpResponse<String> health = probe(metrics, "/healthz");
                assertEquals(503, health.statusCode(), health.body());
                assertTrue(health.body().contains("every slot is errored"), health.body());
                assertEquals(503, probe(metrics, "/readyz").statusCode());
                assertTrue(primary.isAlive(), "when_errored = \"stay\" keeps the primary up");
                primary.destroy();
                assertTrue(primary.waitFor(60, TimeUnit.SECONDS));
            } finally {
                primary.destroyForcibly();
                primary.waitFor(10, TimeUnit.SECONDS);
            }

            Path exit = sandbox.write("exit.toml", crashing.formatted(Sandbox.FAKE_JAR.toAbsolutePath(), port, "exit", metrics));
            Path out2 = sandbox.dir.resolve("exit.txt");
            Process second = sandbox.background(out2, List.of(Sandbox.DIST.resolve("bin/jcluster").toAbsolutePath().toString(),
                    "start", "--foreground", exit.toString()));
            try {
                assertTrue(second.waitFor(120, TimeUnit.SECONDS), "the primary exits once every slot errored:\n" + read(out2));
                assertEquals(1, second.exitValue(), read(out2));
                assertTrue(read(out2).contains("when_errored = \"exit\": stopping the primary"), read(out2));
                assertEquals(List.of(), sandbox.leftovers(), "no process is left");
            } finally {
                second.destroyForcibly();
                second.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    private static String hello(int port, int metrics, String greeting) {
        return """
                [app]
                name = "sd"
                jar = "%s"
                instances = 2
                port = %d
                [app.env]
                GREETING = "%s"
                [metrics]
                listen = "127.0.0.1:%d"
                """.formatted(Sandbox.HELLO_JAR.toAbsolutePath(), port, greeting, metrics);
    }

    /** The first datagram containing {@code what}; the others on the way go to {@code seen}. */
    /** The next datagram that has the line {@code what}; else fails with what came instead and the primary's output ({@code out}). */
    private static String awaitDatagram(NotifySocket systemd, String what, Duration timeout, List<String> seen, Path out)
            throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            String d = systemd.next(Duration.ofMillis(500));
            if (d == null) continue;
            if (d.lines().anyMatch(what::equals)) return d;
            seen.add(d);
        }
        throw new AssertionError("no " + what + " within " + timeout + "; got " + seen + "\nthe primary's output:\n" + read(out));
    }

    private static HttpResponse<String> probe(int port, String path) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertNotNull(r);
        return r;
    }
}
