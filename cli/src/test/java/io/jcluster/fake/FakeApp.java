package io.jcluster.fake;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/**
 * Fake worker apps for the black-box tests, started as real JVMs under jcluster. They link
 * nothing from jcluster: the mode is the first argument.
 * <ul>
 *   <li>{@code crash-on-start}: prints a line and throws from main (exit code 1);</li>
 *   <li>{@code self-http}: binds JCLUSTER_PORT itself with SO_REUSEPORT and answers every HTTP
 *       request with {@code fake slot=<n> pid=<pid>}, so readiness comes from the port;</li>
 *   <li>{@code self-every-port [millis]}: {@code self-http} on every port of JCLUSTER_PORTS, in order,
 *       waiting {@code millis} (default 0) before each port after the first;</li>
 *   <li>{@code grow}: like {@code self-http}, and its heap grows by 8 MiB every 200 ms;</li>
 *   <li>{@code never-ready}: runs and never listens;</li>
 *   <li>{@code slow-ready <seconds>}: opens a connection to {@code workers.sock}, says nothing on it
 *       for that long (as a JVM starved of CPU between its connect and its first write), then sends
 *       {@code ready} on it, and sleeps;</li>
 *   <li>{@code last-words}: writes 20,000 lines (more than a pipe holds), one line to stderr, then
 *       {@code last words of <pid>}, and kills itself with {@code kill -9};</li>
 *   <li>{@code flood}: {@code self-http}, while a thread writes numbered lines to stdout (and every
 *       tenth to stderr) as fast as it can.</li>
 *   <li>the modes of {@link StockServers}: servers that bind the port as stock apps do;</li>
 *   <li>{@code pod}: the pod test's app, {@link PodApp}.</li>
 * </ul>
 */
public final class FakeApp {
    private FakeApp() {}

    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 ? args[0] : "self-http";
        switch (mode) {
            case "crash-on-start" -> {
                System.out.println("fake: starting slot " + System.getenv("JCLUSTER_SLOT") + " and about to fail");
                throw new IllegalStateException("fake: boom on start");
            }
            case "self-http" -> serve(Integer.parseInt(System.getenv().getOrDefault("JCLUSTER_PORT", "8080")));
            case "self-every-port" -> {
                long pause = args.length > 1 ? Long.parseLong(args[1]) : 0;
                String[] ports = System.getenv().getOrDefault("JCLUSTER_PORTS", "8080").split(",");
                for (int i = 0; i < ports.length; i++) {
                    if (i > 0) Thread.sleep(pause);
                    int port = Integer.parseInt(ports[i].trim());
                    Thread server = new Thread(() -> {
                        try {
                            serve(port);
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    });
                    server.start();
                }
            }
            case "grow" -> {
                // Listens like self-http, and keeps 8 MiB more of live heap every 200 ms.
                Thread server = new Thread(() -> {
                    try {
                        serve(Integer.parseInt(System.getenv().getOrDefault("JCLUSTER_PORT", "8080")));
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                server.start();
                java.util.List<byte[]> hoard = new java.util.ArrayList<>();
                while (true) {
                    byte[] chunk = new byte[8 << 20];
                    java.util.Arrays.fill(chunk, (byte) 1);
                    hoard.add(chunk);
                    Thread.sleep(200);
                }
            }
            case "last-words" -> {
                long pid = ProcessHandle.current().pid();
                String filler = "x".repeat(80);
                for (int i = 0; i < 20_000; i++) System.out.println("line " + i + " of " + pid + " " + filler);
                System.err.println("err before the end of " + pid);
                System.out.println("last words of " + pid);
                new ProcessBuilder("kill", "-9", Long.toString(pid)).start().waitFor();
                Thread.sleep(Long.MAX_VALUE);
            }
            case "flood" -> {
                Thread t = new Thread(FakeApp::flood, "flood");
                t.setDaemon(true);
                t.start();
                serve(Integer.parseInt(System.getenv().getOrDefault("JCLUSTER_PORT", "8080")));
            }
            case "slow-ready" -> {
                SocketChannel primary = SocketChannel.open(java.net.UnixDomainSocketAddress.of(System.getenv("JCLUSTER_WORKER_SOCKET")));
                System.out.println("fake: connected to the primary, silent for " + args[1] + " s");
                Thread.sleep(Long.parseLong(args[1]) * 1000);
                byte[] ready = "ready\n".getBytes(StandardCharsets.UTF_8); // a frame: 4-byte length, then the payload
                primary.write(java.nio.ByteBuffer.allocate(4 + ready.length).putInt(ready.length).put(ready).flip());
                System.out.println("fake: said ready");
                Thread.sleep(Long.MAX_VALUE);
            }
            case "pod" -> PodApp.run();
            case "never-ready" -> {
                System.out.println("fake: running, never listening");
                Thread.sleep(Long.MAX_VALUE);
            }
            default -> {
                if (StockServers.run(mode)) return;
                System.err.println("fake: unknown mode " + mode);
                System.exit(64);
            }
        }
    }

    private static void flood() {
        String filler = "y".repeat(150);
        for (long i = 0; ; i++) {
            System.out.println("flood " + i + " " + filler);
            if (i % 10 == 0) System.err.println("flood-err " + i + " " + filler);
        }
    }

    private static void serve(int port) throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open();
        server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
        server.setOption(StandardSocketOptions.SO_REUSEPORT, true);
        server.bind(new InetSocketAddress(port), 1024);
        String body = "fake slot=" + System.getenv("JCLUSTER_SLOT") + " pid=" + ProcessHandle.current().pid() + "\n";
        System.out.println("fake: listening on " + port + " pid " + ProcessHandle.current().pid());
        while (true) {
            SocketChannel ch = server.accept();
            Thread t = new Thread(() -> answer(ch, body));
            t.setDaemon(true);
            t.start();
        }
    }

    private static void answer(SocketChannel ch, String body) {
        try (ch; InputStream in = Channels.newInputStream(ch); OutputStream out = Channels.newOutputStream(ch)) {
            // read the request head, then answer once and close
            int state = 0;
            int b;
            while (state < 4 && (b = in.read()) >= 0) {
                state = (b == '\r' || b == '\n') ? state + 1 : 0;
            }
            byte[] payload = body.getBytes(StandardCharsets.UTF_8);
            out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + payload.length
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(payload);
            out.flush();
        } catch (IOException ignored) {
            // the client went away
        }
    }
}
