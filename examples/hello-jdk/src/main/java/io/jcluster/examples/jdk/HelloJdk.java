package io.jcluster.examples.jdk;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * An HTTP server on the JDK's {@code com.sun.net.httpserver}, with nothing of jcluster in it.
 * {@code GET /} answers one line with the process id, so a client can see which worker served it;
 * {@code GET /fail} answers 500, an error on purpose; {@code GET /work?ms=N} sleeps N ms (default
 * {@value #DEFAULT_WORK_MILLIS}, at most {@value #MAX_WORK_MILLIS}), then answers: a request of a known length.
 *
 * <p>It turns on {@code TCP_NODELAY} ({@code sun.net.httpserver.nodelay}, unless set otherwise): the
 * server writes a response's head and body apart, and with Nagle's algorithm the body waits for the
 * client's delayed ACK, about 40 ms a request (90 requests per second on one connection instead of
 * thousands).
 *
 * <p>Port: {@code PORT} (jcluster sets it), else 8080. On SIGTERM it stops accepting and gives the
 * exchanges under way up to {@value #STOP_SECONDS} seconds to finish.
 */
public final class HelloJdk {

    static final int DEFAULT_PORT = 8080;
    static final int STOP_SECONDS = 5;
    static final long DEFAULT_WORK_MILLIS = 10;
    static final long MAX_WORK_MILLIS = 10_000;

    private HelloJdk() {
    }

    public static void main(String[] args) throws IOException {
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true"); // read when the server's classes load, below
        }
        int port = port(System.getenv("PORT"));
        byte[] greeting = ("hello from jdk pid=" + ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.UTF_8);

        HttpServer server = HttpServer.create(new InetSocketAddress(port), 0);
        // The default executor runs every exchange on the one dispatcher thread: a pool serves in parallel.
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(4, 2 * Runtime.getRuntime().availableProcessors()));
        server.setExecutor(pool);
        server.createContext("/", exchange -> answer(exchange, 200, greeting));
        byte[] failure = "failed on purpose\n".getBytes(StandardCharsets.UTF_8);
        server.createContext("/fail", exchange -> answer(exchange, 500, failure));
        server.createContext("/work", HelloJdk::work);
        server.start();
        System.out.println("hello-jdk: listening on port " + server.getAddress().getPort() + " (pid " + ProcessHandle.current().pid() + ")");

        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.stop(STOP_SECONDS);
            pool.shutdown();
            try {
                pool.awaitTermination(STOP_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "hello-jdk-stop"));
    }

    private static void answer(HttpExchange exchange, int status, byte[] body) throws IOException {
        try (exchange) {
            exchange.getRequestBody().readAllBytes();
            exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
            exchange.sendResponseHeaders(status, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    private static void work(HttpExchange exchange) throws IOException {
        String query = exchange.getRequestURI().getQuery();
        long ms = DEFAULT_WORK_MILLIS;
        for (String parameter : query == null ? new String[0] : query.split("&")) {
            if (!parameter.startsWith("ms=")) continue;
            try {
                ms = Long.parseLong(parameter.substring(3));
            } catch (NumberFormatException e) {
                ms = -1;
            }
        }
        if (ms < 0 || ms > MAX_WORK_MILLIS) {
            String error = "ms must be a whole number of milliseconds, 0.." + MAX_WORK_MILLIS + "\n";
            answer(exchange, 400, error.getBytes(StandardCharsets.UTF_8));
            return;
        }
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        answer(exchange, 200, ("worked " + ms + " ms\n").getBytes(StandardCharsets.UTF_8));
    }

    /** {@code PORT}, else {@value #DEFAULT_PORT}; a bad value is an error, not a silent default. */
    static int port(String value) {
        if (value == null || value.isBlank()) {
            return DEFAULT_PORT;
        }
        try {
            int port = Integer.parseInt(value.trim());
            if (port < 0 || port > 65535) {
                throw new NumberFormatException();
            }
            return port;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("PORT must be a port number (0-65535), got '" + value + "'");
        }
    }
}
