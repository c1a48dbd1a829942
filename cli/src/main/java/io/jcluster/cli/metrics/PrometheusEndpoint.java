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
 * answers the latest snapshot as {@link PrometheusText}. The JDK's own HTTP server on one daemon
 * thread: nothing to add to the primary, and a scrape never touches the supervisor.
 */
public final class PrometheusEndpoint implements AutoCloseable {
    /** The path it serves. */
    public static final String PATH = "/metrics";

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
        server.createContext("/", exchange -> handle(exchange, metrics));
        server.start();
        return new PrometheusEndpoint(server, thread);
    }

    /** The address it listens on (with the port chosen when 0 was asked for). */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    private static void handle(HttpExchange exchange, AppMetrics metrics) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            if (!PATH.equals(path) && !"/".equals(path)) {
                reply(exchange, 404, "text/plain; charset=utf-8", "not found: the metrics are at " + PATH + "\n", true);
                return;
            }
            String method = exchange.getRequestMethod();
            if (!"GET".equals(method) && !"HEAD".equals(method)) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                reply(exchange, 405, "text/plain; charset=utf-8", "method not allowed\n", true);
                return;
            }
            reply(exchange, 200, PrometheusText.CONTENT_TYPE, PrometheusText.render(metrics.latest()), "GET".equals(method));
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
