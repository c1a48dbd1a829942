package io.jcluster.cli.it;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A keep-alive HTTP/1.1 load client for the zero-drop tests: N connections, each a thread that
 * sends {@code GET /} and reads the answer in a loop on 127.0.0.1. A connection the server closes
 * after an answer (Connection: close) is simply reopened. Everything else counts as a failure: a
 * refused or reset connection, an answer cut short, a timeout, or a status other than 200.
 */
final class LoadClient implements AutoCloseable {
    private final int port;
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicLong ok = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong reconnects = new AtomicLong();
    private final List<String> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final ConcurrentHashMap<String, Boolean> generations = new ConcurrentHashMap<>();
    private volatile boolean running = true;

    LoadClient(int port, int connections) {
        this.port = port;
        for (int i = 0; i < connections; i++) {
            Thread t = new Thread(this::loop, "load-" + i);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
    }

    long ok() { return ok.get(); }
    long failed() { return failed.get(); }
    long reconnects() { return reconnects.get(); }
    List<String> failures() { return failures; }
    /** The {@code gen=} values seen in answers. */
    java.util.Set<String> generations() { return generations.keySet(); }

    private void loop() {
        byte[] request = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        while (running) {
            try (Socket s = new Socket()) {
                s.setTcpNoDelay(true);
                s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
                s.setSoTimeout(30_000);
                OutputStream out = s.getOutputStream();
                InputStream in = new BufferedInputStream(s.getInputStream());
                boolean open = true;
                while (running && open) {
                    out.write(request);
                    out.flush();
                    open = readResponse(in);
                }
                reconnects.incrementAndGet();
            } catch (IOException e) {
                if (running) fail(e.toString());
            }
        }
    }

    /** Reads one answer; returns whether the connection stays open. */
    private boolean readResponse(InputStream in) throws IOException {
        String status = readLine(in);
        if (status == null) throw new IOException("connection closed before an answer");
        int contentLength = -1;
        boolean close = false;
        String line;
        while ((line = readLine(in)) != null && !line.isEmpty()) {
            String lower = line.toLowerCase(Locale.ROOT);
            if (lower.startsWith("content-length:")) contentLength = Integer.parseInt(line.substring(15).trim());
            if (lower.startsWith("connection:") && lower.contains("close")) close = true;
        }
        if (line == null) throw new IOException("answer cut short in its head");
        if (contentLength < 0) throw new IOException("answer without Content-Length: " + status);
        byte[] body = in.readNBytes(contentLength);
        if (body.length < contentLength) throw new IOException("answer cut short in its body");
        if (!status.startsWith("HTTP/1.1 200")) {
            fail(status);
        } else {
            ok.incrementAndGet();
            String text = new String(body, StandardCharsets.UTF_8);
            int g = text.indexOf("gen=");
            if (g >= 0) generations.put(text.substring(g).trim(), Boolean.TRUE);
        }
        return !close;
    }

    private void fail(String what) {
        failed.incrementAndGet();
        if (failures.size() < 20) failures.add(what);
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0) {
            if (b == '\n') {
                int n = sb.length();
                if (n > 0 && sb.charAt(n - 1) == '\r') sb.setLength(n - 1);
                return sb.toString();
            }
            sb.append((char) b);
        }
        return sb.length() == 0 ? null : sb.toString();
    }

    /** Stops the connections and waits for their threads. */
    @Override
    public void close() throws InterruptedException {
        running = false;
        for (Thread t : threads) t.join(35_000);
    }
}
