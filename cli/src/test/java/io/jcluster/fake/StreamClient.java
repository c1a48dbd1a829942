package io.jcluster.fake;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Clients of long-lived streams that count what they get, with the JDK's own clients: WebSocket
 * ({@code java.net.http.WebSocket}) or server-sent events ({@code java.net.http.HttpClient}, HTTP/1.1).
 * Each of {@code connections} loops: it opens a stream, reads numbered messages
 * ({@code n=<k> pid=<pid> stream=<id>}, as examples/hello-websocket sends them) and notes how the
 * stream ended, then opens the next one at once, so it goes on through reloads.
 *
 * <p>How a stream ends: {@code close <code>} (a WebSocket close frame from the server), {@code end}
 * (an event stream whose response ended properly, after a whole event), {@code cut} (an event stream
 * that ended inside an event), {@code error <exception>} (a reset, a connection closed with no close
 * frame or in the middle of a chunked response), {@code status <code>} (an answer other than 101/200),
 * {@code no stream <exception>} (the connection or its handshake failed: no stream began).
 * {@link #received()} has, per stream id, the last message number received: with no gap (counted in
 * {@link #gaps()}), that is how many messages the stream delivered.
 *
 * <p>Command line (for bench/): {@code java -cp <fake-app jar> io.jcluster.fake.StreamClient ws|sse PORT
 * CONNECTIONS SECONDS [INTERVAL_MILLIS]} (SECONDS 0: until its standard input closes) prints a line
 * {@code got <stream id> <last message number> <how it ended>} per stream, then {@code result streams=… messages=… gaps=… ends=…}.
 */
public final class StreamClient implements AutoCloseable {
    private final String kind;
    private final int port;
    private final long interval;
    private final List<Thread> loops = new ArrayList<>();
    private final Map<String, AtomicLong> ends = new ConcurrentHashMap<>();
    private final Map<String, Long> received = new ConcurrentHashMap<>();
    private final Map<String, String> endOf = new ConcurrentHashMap<>();
    private final AtomicLong messages = new AtomicLong();
    private final AtomicLong gaps = new AtomicLong();
    private final AtomicLong streams = new AtomicLong();
    private volatile boolean running = true;

    /** Starts {@code connections} loops of {@code kind} ({@code ws} or {@code sse}) against 127.0.0.1:{@code port}. */
    public StreamClient(String kind, int port, int connections, long intervalMillis) {
        if (!kind.equals("ws") && !kind.equals("sse")) throw new IllegalArgumentException("kind is ws or sse, not " + kind);
        this.kind = kind;
        this.port = port;
        this.interval = intervalMillis;
        for (int i = 0; i < connections; i++) {
            Thread t = new Thread(this::loop, kind + "-client-" + i);
            t.setDaemon(true);
            loops.add(t);
            t.start();
        }
    }

    public long messages() { return messages.get(); }
    public long gaps() { return gaps.get(); }
    public long streams() { return streams.get(); }
    /** How streams ended, and how many ended so. */
    public Map<String, Long> ends() {
        Map<String, Long> m = new TreeMap<>();
        ends.forEach((k, v) -> m.put(k, v.get()));
        return m;
    }
    /** Per stream id: the last message number received on it. */
    public Map<String, Long> received() { return new TreeMap<>(received); }
    /** Per stream id: how it ended (as in {@link #ends()}). */
    public Map<String, String> endOf() { return new TreeMap<>(endOf); }

    private void loop() {
        while (running) {
            String end;
            String[] id = {null};
            try {
                end = kind.equals("ws") ? webSocket(id) : events(id);
            } catch (Exception e) {
                Throwable t = e instanceof java.util.concurrent.ExecutionException && e.getCause() != null ? e.getCause() : e;
                end = "no stream " + t.getClass().getSimpleName();
            }
            if (!running && !end.startsWith("close 1001") && !end.equals("end")) end = "stopped"; // our own end
            ends.computeIfAbsent(end, k -> new AtomicLong()).incrementAndGet();
            if (id[0] != null) endOf.put(id[0], end);
            if (running) sleep(20);
        }
    }

    /** One message: checks its number against the stream's last one. */
    private void message(String text, long[] last, String[] id) {
        Map<String, String> f = fields(text);
        String stream = f.get("stream");
        long n = Long.parseLong(f.getOrDefault("n", "-1"));
        if (id[0] == null) id[0] = stream;
        if (n != last[0] + 1) gaps.incrementAndGet();
        last[0] = n;
        received.put(stream, n);
        messages.incrementAndGet();
    }

    private String webSocket(String[] id) throws Exception {
        CompletableFuture<String> ended = new CompletableFuture<>();
        long[] last = {0};
        StringBuilder partial = new StringBuilder();
        WebSocket.Listener listener = new WebSocket.Listener() {
            @Override
            public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean lastPart) {
                partial.append(data);
                if (lastPart) {
                    message(partial.toString(), last, id);
                    partial.setLength(0);
                }
                ws.request(1);
                return null;
            }

            @Override
            public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
                ended.complete("close " + statusCode);
                return null; // the client answers with its own close frame
            }

            @Override
            public void onError(WebSocket ws, Throwable error) {
                ended.complete("error " + error.getClass().getSimpleName());
            }
        };
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        WebSocket ws = http.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + port + "/ws?interval=" + interval), listener)
                .get(30, TimeUnit.SECONDS);
        streams.incrementAndGet();
        while (running && !ended.isDone()) {
            try {
                return ended.get(100, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                // go on
            }
        }
        if (!ended.isDone()) ws.sendClose(WebSocket.NORMAL_CLOSURE, "client stops");
        return ended.completeOnTimeout("stopped", 5, TimeUnit.SECONDS).get();
    }

    private String events(String[] id) throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/events?interval=" + interval)).build();
        HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        if (response.statusCode() != 200) {
            response.body().close();
            return "status " + response.statusCode();
        }
        streams.incrementAndGet();
        long[] last = {0};
        String data = null; // the event being read: its data line, until the blank line that ends it
        try (InputStream body = response.body();
             BufferedReader in = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
            String line;
            boolean inEvent = false;
            while (running && (line = in.readLine()) != null) {
                if (line.isEmpty()) {
                    if (data != null) message(data, last, id);
                    data = null;
                    inEvent = false;
                    continue;
                }
                inEvent = true;
                if (line.startsWith("data:")) data = line.substring(5).trim();
            }
            if (!running) return "stopped";
            return inEvent ? "cut" : "end";
        } catch (IOException e) {
            return running ? "error " + e.getClass().getSimpleName() : "stopped";
        }
    }

    private static Map<String, String> fields(String text) {
        Map<String, String> f = new TreeMap<>();
        for (String part : text.trim().split(" ")) {
            int eq = part.indexOf('=');
            if (eq > 0) f.put(part.substring(0, eq), part.substring(eq + 1));
        }
        return f;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops the loops: each ends its stream itself (counted as {@code stopped}). */
    @Override
    public void close() throws InterruptedException {
        running = false;
        for (Thread t : loops) t.join(15_000);
    }

    /** The counts in one line. */
    public String summary() {
        return "result streams=" + streams() + " messages=" + messages() + " gaps=" + gaps() + " ends=" + ends();
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 4) {
            System.err.println("usage: StreamClient ws|sse PORT CONNECTIONS SECONDS [INTERVAL_MILLIS]");
            System.exit(64);
        }
        try (StreamClient c = new StreamClient(args[0], Integer.parseInt(args[1]), Integer.parseInt(args[2]),
                args.length > 4 ? Long.parseLong(args[4]) : 100)) {
            long seconds = Long.parseLong(args[3]);
            if (seconds > 0) {
                Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
            } else {
                while (System.in.read() >= 0) {
                    // until the caller closes it
                }
            }
            c.close();
            Map<String, String> how = c.endOf();
            c.received().forEach((id, n) -> System.out.println("got " + id + " " + n + " " + how.getOrDefault(id, "open").replace(' ', '_')));
            System.out.println(c.summary());
        }
    }
}
