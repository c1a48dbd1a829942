package io.jcluster.examples.websocket;

import java.io.IOException;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;
import org.springframework.web.socket.CloseStatus;
import org.springframework.web.socket.TextMessage;
import org.springframework.web.socket.WebSocketSession;
import org.springframework.web.socket.config.annotation.EnableWebSocket;
import org.springframework.web.socket.config.annotation.WebSocketConfigurer;
import org.springframework.web.socket.handler.TextWebSocketHandler;

/**
 * A stock Spring Boot app on Tomcat that pushes numbered messages: nothing of jcluster in it.
 * <ul>
 *   <li>{@code GET /}: one line with the process id;</li>
 *   <li>{@code /ws} (WebSocket): a text message {@code n=<k> pid=<pid> stream=<id>} every {@code interval}
 *       ms (query parameter, default 100), k = 1, 2, 3…;</li>
 *   <li>{@code GET /events} (server-sent events, {@code text/event-stream}): the same, as events with
 *       {@code id: k}.</li>
 * </ul>
 * A client that reconnects starts again at 1 on the worker it reaches. When a stream ends, for whatever
 * reason, the app logs how many messages it sent on it:
 * {@code hello-websocket: stream <id> ended (<how>) after <n> messages}, so that a client can check
 * that it got every one. Port: {@code SERVER_PORT} (jcluster sets it), else 8080.
 */
@SpringBootApplication
@RestController
@EnableWebSocket
public class HelloWebSocket implements WebSocketConfigurer {
    private static final long PID = ProcessHandle.current().pid();
    private static final java.util.concurrent.atomic.AtomicLong STREAMS = new java.util.concurrent.atomic.AtomicLong();
    private final ScheduledExecutorService ticks = Executors.newScheduledThreadPool(2);

    public static void main(String[] args) {
        SpringApplication.run(HelloWebSocket.class, args);
    }

    @GetMapping(value = "/", produces = "text/plain")
    public String hello() {
        return "hello from websocket pid=" + PID + "\n";
    }

    @GetMapping(value = "/events", produces = "text/event-stream")
    public SseEmitter events(@RequestParam(name = "interval", defaultValue = "100") long interval) {
        SseEmitter emitter = new SseEmitter(0L); // no timeout: the stream runs until either side ends it
        String id = "sse-" + PID + "-" + STREAMS.incrementAndGet();
        long[] sent = {0};
        ScheduledFuture<?> task = ticks.scheduleAtFixedRate(() -> {
            try {
                long n = sent[0] + 1;
                emitter.send(SseEmitter.event().id(Long.toString(n)).data("n=" + n + " pid=" + PID + " stream=" + id));
                sent[0] = n;
            } catch (IOException | IllegalStateException e) {
                emitter.completeWithError(e); // the client went away
                throw new IllegalStateException("stream ended", e); // and this task stops
            }
        }, 0, Math.max(1, interval), TimeUnit.MILLISECONDS);
        java.util.concurrent.atomic.AtomicBoolean logged = new java.util.concurrent.atomic.AtomicBoolean();
        Runnable end = () -> {
            task.cancel(false);
            if (logged.compareAndSet(false, true)) ended(id, "the response ended", sent[0]);
        };
        emitter.onCompletion(end);
        emitter.onError(e -> end.run());
        return emitter;
    }

    static void ended(String id, String how, long sent) {
        System.out.println("hello-websocket: stream " + id + " ended (" + how + ") after " + sent + " messages");
    }

    @Override
    public void registerWebSocketHandlers(org.springframework.web.socket.config.annotation.WebSocketHandlerRegistry registry) {
        registry.addHandler(new Counter(ticks), "/ws");
    }

    @Bean(destroyMethod = "shutdownNow")
    ScheduledExecutorService ticks() {
        return ticks;
    }

    /** Sends each session its numbered messages. */
    static final class Counter extends TextWebSocketHandler {
        private final ScheduledExecutorService ticks;
        private final Map<String, ScheduledFuture<?>> tasks = new ConcurrentHashMap<>();

        Counter(ScheduledExecutorService ticks) {
            this.ticks = ticks;
        }

        @Override
        public void afterConnectionEstablished(WebSocketSession session) {
            long interval = interval(session.getUri());
            String id = "ws-" + PID + "-" + STREAMS.incrementAndGet();
            long[] sent = {0};
            session.getAttributes().put("stream", id);
            session.getAttributes().put("sent", sent);
            tasks.put(session.getId(), ticks.scheduleAtFixedRate(() -> {
                try {
                    synchronized (sent) {
                        if (!session.isOpen()) return;
                        long n = sent[0] + 1;
                        session.sendMessage(new TextMessage("n=" + n + " pid=" + PID + " stream=" + id));
                        sent[0] = n;
                    }
                } catch (IOException | IllegalStateException e) {
                    throw new IllegalStateException("session ended", e); // this task stops
                }
            }, 0, interval, TimeUnit.MILLISECONDS));
        }

        @Override
        public void afterConnectionClosed(WebSocketSession session, CloseStatus status) {
            ScheduledFuture<?> task = tasks.remove(session.getId());
            if (task != null) task.cancel(false);
            long[] sent = (long[]) session.getAttributes().get("sent");
            if (sent != null) {
                synchronized (sent) {
                    ended((String) session.getAttributes().get("stream"), "close " + status.getCode(), sent[0]);
                }
            }
        }

        private static long interval(URI uri) {
            String q = uri == null ? null : uri.getQuery();
            if (q != null) {
                for (String p : q.split("&")) {
                    if (p.startsWith("interval=")) return Math.max(1, Long.parseLong(p.substring(9)));
                }
            }
            return 100;
        }
    }
}
