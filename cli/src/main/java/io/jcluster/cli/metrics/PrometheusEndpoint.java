package io.jcluster.cli.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The opt-in Prometheus endpoint of one app's primary ({@code [metrics] listen}): {@code GET /metrics}
 * answers the latest snapshot as {@link PrometheusText}, and, when it has {@link Probes},
 * {@code /startupz}, {@code /readyz} and {@code /healthz} answer 200 or 503 for Kubernetes and load balancers. The JDK's
 * own HTTP server on one daemon thread: nothing to add to the primary, and neither a scrape nor a probe
 * ever touches the supervisor.
 */
public final class PrometheusEndpoint implements AutoCloseable {
    /** The path it serves. */
    public static final String PATH = "/metrics";
    /** 200 once a worker has been ready, else 503: Kubernetes' startup probe. */
    public static final String STARTUP_PATH = "/startupz";
    /** 200 while the app should get traffic ({@link Probes#notReady()}), else 503: the readiness probe. */
    public static final String READY_PATH = "/readyz";
    /** 200 while the primary's loop runs and not every slot is errored, else 503: the liveness probe. */
    public static final String HEALTH_PATH = "/healthz";
    private static final String TEXT = "text/plain; charset=utf-8";

    private final HttpServer server;
    private final ExecutorService thread;

    private PrometheusEndpoint(HttpServer server, ExecutorService thread) {
        this.server = server;
        this.thread = thread;
    }

    /**
     * Serves {@code metrics} on {@code address} (resolved here).
     *
     * @throws IOException when the address cannot be bound, with the address in the message
     */
    public static PrometheusEndpoint open(InetSocketAddress address, AppMetrics metrics) throws IOException {
        return open(address, metrics, null);
    }

    /**
     * Serves {@code metrics}, and {@code probes} on {@value #STARTUP_PATH}, {@value #READY_PATH} and {@value #HEALTH_PATH}
     * (404 there when {@code probes} is null), on {@code address} (resolved here).
     *
     * @throws IOException when the address cannot be bound, with the address in the message
     */
    public static PrometheusEndpoint open(InetSocketAddress address, AppMetrics metrics, Probes probes) throws IOException {
        InetSocketAddress bind = address.isUnresolved() ? new InetSocketAddress(address.getHostString(), address.getPort()) : address;
        if (bind.isUnresolved()) throw new IOException("cannot resolve " + address.getHostString());
        HttpServer server;
        try {
            server = HttpServer.create(bind, 16);
        } catch (IOException e) {
            throw new IOException("cannot serve Prometheus metrics on " + address.getHostString() + ":" + address.getPort()
                    + ": " + e.getMessage(), e);
        }
        ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "prometheus");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(thread);
        server.createContext("/", exchange -> handle(exchange, metrics, probes));
        server.start();
        return new PrometheusEndpoint(server, thread);
    }

    /** The address it listens on (with the port chosen when 0 was asked for). */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    private static void handle(HttpExchange exchange, AppMetrics metrics, Probes probes) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            boolean probe = probes != null && (STARTUP_PATH.equals(path) || READY_PATH.equals(path) || HEALTH_PATH.equals(path));
            if (!PATH.equals(path) && !"/".equals(path) && !probe) {
                reply(exchange, 404, TEXT, "not found: the metrics are at " + PATH
                        + (probes == null ? "" : ", the probes at " + STARTUP_PATH + ", " + READY_PATH + " and " + HEALTH_PATH) + "\n", true);
                return;
            }
            String method = exchange.getRequestMethod();
            if (!"GET".equals(method) && !"HEAD".equals(method)) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                reply(exchange, 405, TEXT, "method not allowed\n", true);
                return;
            }
            boolean body = "GET".equals(method);
            if (STARTUP_PATH.equals(path)) {
                probe(exchange, answer(probes::notStarted, "the startup check failed"), "started", "not started", body);
            } else if (READY_PATH.equals(path)) {
                probe(exchange, answer(probes::notReady, "the readiness check failed"), "ready", "not ready", body);
            } else if (HEALTH_PATH.equals(path)) {
                probe(exchange, answer(probes::unhealthyReason, "the health check failed"), "ok", "unhealthy", body);
            } else {
                reply(exchange, 200, PrometheusText.CONTENT_TYPE, PrometheusText.render(metrics.latest()), body);
            }
        }
    }

    /** 200 and {@code yes} when {@code why} is null, else 503 and {@code no: why}; never cached. */
    private static void probe(HttpExchange exchange, String why, String yes, String no, boolean body) throws IOException {
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        reply(exchange, why == null ? 200 : 503, TEXT, why == null ? yes + "\n" : no + ": " + why + "\n", body);
    }

    /** What a probe says, or {@code failed} when asking it throws: a probe that cannot answer is a no. */
    private static <T> T answer(java.util.function.Supplier<T> probe, T failed) {
        try {
            return probe.get();
        } catch (RuntimeException e) {
            return failed;
        }
    }

    private static void reply(HttpExchange exchange, int status, String type, String body, boolean withBody) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.sendResponseHeaders(status, withBody ? (bytes.length == 0 ? -1 : bytes.length) : -1);
        if (withBody && bytes.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        thread.shutdownNow();
    }
}
