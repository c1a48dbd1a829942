package io.jcluster.examples.jetty;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;

/**
 * A plain Jetty 12 HTTP server that knows nothing of jcluster: it reads the port from
 * {@code JCLUSTER_PORT} (set by jcluster), else {@code PORT}, else 8080, and says which process
 * answered. It sets no SO_REUSEPORT: under jcluster its bind() takes the slot's socket (the preload
 * library), so every worker serves the one port.
 */
public final class HelloJetty {
    private HelloJetty() {}

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(firstSet(System.getenv("JCLUSTER_PORT"), System.getenv("PORT"), "8080"));
        String slot = firstSet(System.getenv("JCLUSTER_SLOT"), "-1");
        long pid = ProcessHandle.current().pid();
        String body = "hello from jetty slot=" + slot + " pid=" + pid + "\n";

        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setPort(port);
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract.NonBlocking() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
                Content.Sink.write(response, true, body, callback);
                return true;
            }
        });
        // SIGTERM (jcluster's stop, after the drain timeout): stop accepting, finish what is in flight.
        server.setStopAtShutdown(true);
        server.setStopTimeout(5_000);
        server.start();
        System.out.println("hello-jetty: listening on port " + connector.getLocalPort() + " (pid " + pid + ")");
        server.join();
    }

    private static String firstSet(String... values) {
        for (String v : values) {
            if (v != null && !v.isBlank()) return v;
        }
        return null;
    }
}
