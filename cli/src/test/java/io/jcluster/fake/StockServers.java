package io.jcluster.fake;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;

/**
 * Servers as stock apps write them, for the preload library's tests: they bind the port the usual
 * way (no SO_REUSEPORT, nothing of jcluster), so under jcluster they can only share it through the
 * library. Every answer is {@code fake slot=<n> pid=<pid> local=<the server's local address>}, and
 * {@code port=<the port>} after it from the {@code HttpServer} modes.
 * <ul>
 *   <li>{@code jdk-http}: {@code com.sun.net.httpserver.HttpServer} on {@code PORT};</li>
 *   <li>{@code server-socket}: {@code java.net.ServerSocket}, one thread blocking in {@code accept()};</li>
 *   <li>{@code child-bind}: {@code jdk-http}, then starts a child JVM (this class, mode {@code bind-once})
 *       that tries to bind the same port and prints how it went;</li>
 *   <li>{@code bind-once}: binds {@code PORT} once, prints {@code fake: child bound} or
 *       {@code fake: child bind failed: <exception>}, exits;</li>
 *   <li>{@code every-port}: one {@code jdk-http} server on each port of {@code JCLUSTER_PORTS} (an app with a
 *       management port, say), each answer ending {@code port=<its port>}.</li>
 *   <li>{@code shutdown-words}: {@code jdk-http} with a shutdown hook that prints
 *       {@code shutdown out <pid>} to stdout and {@code shutdown err <pid>} to stderr, as a framework's
 *       graceful shutdown does, then stops the server.</li>
 * </ul>
 */
public final class StockServers {
    private StockServers() {}

    /** Runs {@code mode}; false when it is not one of these. */
    static boolean run(String mode) throws Exception {
        int port = Integer.parseInt(System.getenv().getOrDefault("PORT", System.getenv().getOrDefault("JCLUSTER_PORT", "8080")));
        switch (mode) {
            case "jdk-http" -> jdkHttp(port);
            case "shutdown-words" -> {
                HttpServer server = jdkHttp(port);
                long pid = ProcessHandle.current().pid();
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    System.out.println("shutdown out " + pid);
                    System.err.println("shutdown err " + pid);
                    server.stop(0);
                }));
            }
            case "server-socket" -> serverSocket(port);
            case "every-port" -> {
                for (String each : System.getenv().getOrDefault("JCLUSTER_PORTS", Integer.toString(port)).split(",")) {
                    jdkHttp(Integer.parseInt(each.trim()));
                }
            }
            case "child-bind" -> {
                jdkHttp(port);
                String java = ProcessHandle.current().info().command().orElse("java");
                String jar = StockServers.class.getProtectionDomain().getCodeSource().getLocation().getPath();
                Process child = new ProcessBuilder(java, "-cp", jar, FakeApp.class.getName(), "bind-once")
                        .redirectErrorStream(true).start();
                String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                System.out.println("fake: child pid " + child.pid() + " exited " + child.waitFor() + ":");
                System.out.print(out);
                System.out.flush();
            }
            case "bind-once" -> {
                try (ServerSocket s = new ServerSocket()) {
                    s.bind(new InetSocketAddress(port));
                    System.out.println("fake: child bound " + s.getLocalSocketAddress());
                } catch (IOException e) {
                    System.out.println("fake: child bind failed: " + e);
                }
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    private static String body(Object local) {
        return "fake slot=" + System.getenv("JCLUSTER_SLOT") + " pid=" + ProcessHandle.current().pid() + " local=" + local + "\n";
    }

    private static HttpServer jdkHttp(int port) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(port), 0);
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.createContext("/", exchange -> {
            byte[] payload = (body(server.getAddress()).trim() + " port=" + port + "\n").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "text/plain");
            exchange.sendResponseHeaders(200, payload.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(payload);
            }
        });
        server.start();
        System.out.println("fake: jdk-http listening on " + server.getAddress() + " pid " + ProcessHandle.current().pid());
        return server;
    }

    private static void serverSocket(int port) throws IOException {
        ServerSocket server = new ServerSocket(port, 50);
        System.out.println("fake: server-socket listening on " + server.getLocalSocketAddress() + " pid " + ProcessHandle.current().pid());
        byte[] payload = body(server.getLocalSocketAddress()).getBytes(StandardCharsets.UTF_8);
        while (true) {
            Socket s = server.accept();
            Thread t = new Thread(() -> answer(s, payload));
            t.setDaemon(true);
            t.start();
        }
    }

    private static void answer(Socket s, byte[] payload) {
        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
            int state = 0;
            int b;
            while (state < 4 && (b = in.read()) >= 0) {
                state = (b == '\r' || b == '\n') ? state + 1 : 0;
            }
            out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + payload.length
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(payload);
            out.flush();
        } catch (IOException ignored) {
            // the client went away
        }
    }
}
