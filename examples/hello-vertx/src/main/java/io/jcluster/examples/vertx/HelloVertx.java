package io.jcluster.examples.vertx;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServerOptions;
import java.util.concurrent.TimeUnit;

/**
 * A plain Vert.x HTTP server that knows nothing of jcluster: it reads the port from
 * {@code JCLUSTER_PORT} (set by jcluster), else {@code PORT}, else 8080, and says which process
 * answered. It sets no SO_REUSEPORT: under jcluster its bind() takes the slot's socket (the preload
 * library), so every worker serves the one port.
 */
public final class HelloVertx {
    private HelloVertx() {}

    public static void main(String[] args) {
        int port = Integer.parseInt(firstSet(System.getenv("JCLUSTER_PORT"), System.getenv("PORT"), "8080"));
        String slot = firstSet(System.getenv("JCLUSTER_SLOT"), "-1");
        long pid = ProcessHandle.current().pid();
        Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true));
        String body = "hello from vertx slot=" + slot + " pid=" + pid + "\n";
        vertx.createHttpServer(new HttpServerOptions().setPort(port))
                .requestHandler(req -> req.response().putHeader("content-type", "text/plain; charset=utf-8").end(body))
                .listen()
                .onSuccess(server -> System.out.println("hello-vertx: listening on port " + server.actualPort() + " (pid " + pid + ")"))
                .onFailure(e -> {
                    System.err.println("hello-vertx: cannot listen on port " + port + ": " + e);
                    System.exit(1);
                });
        // SIGTERM (jcluster's stop, after the drain timeout): close the server and its connections.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
            } catch (Exception e) {
                System.err.println("hello-vertx: close: " + e);
            }
        }, "hello-vertx-shutdown"));
    }

    private static String firstSet(String... values) {
        for (String v : values) {
            if (v != null && !v.isBlank()) return v;
        }
        return null;
    }
}
