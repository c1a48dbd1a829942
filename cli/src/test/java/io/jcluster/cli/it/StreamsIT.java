package io.jcluster.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcluster.fake.StreamClient;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * WebSockets and server-sent events of a stock Spring Boot app (examples/hello-websocket) through a
 * reload, a scale down, an upgrade (a new primary) and a stop, with the JDK's own clients: every WebSocket ends with a close frame
 * 1001 and every event stream at an event boundary, none by a reset; the client got every message the
 * app sent on it (the app logs how many); the clients reconnect and go on, on the new workers. A client
 * that never reads holds its worker until the drain timeout, and no longer; a garbage WebSocket frame
 * stops nothing.
 */
@Timeout(600)
@Isolated // Spring Boot JVMs and 16 client connections take both cores
class StreamsIT {
    private static final Pattern ENDED = Pattern.compile("stream (\\S+) ended \\(([^)]*)\\) after (\\d+) messages");

    @Test
    void streamsEndCleanlyAtReloadScaleDownUpgradeAndStopAndClientsGoOn() throws Exception {
        Path jar = LoadTools.example("hello-websocket");
        try (Sandbox sandbox = new Sandbox()) {
            int port = Sandbox.freePort();
            Path config = sandbox.write("ws.toml", """
                    [app]
                    name = "ws"
                    jar = "%s"
                    instances = 2
                    port = %d
                    jvm_args = ["-Xmx256m"]
                    [reload]
                    ready_timeout = "3m"
                    drain_timeout = "6s"
                    """.formatted(jar.toAbsolutePath(), port));
            Sandbox.Result r = sandbox.cli("start", config.toString());
            assertEquals(0, r.code(), () -> r.all() + sandbox.primaryLog("ws"));
            Set<String> firstPids = Set.of(sandbox.worker("ws", 0).get("pid").asText(), sandbox.worker("ws", 1).get("pid").asText());
            try (StreamClient ws = new StreamClient("ws", port, 4, 20); StreamClient sse = new StreamClient("sse", port, 4, 20);
                 Socket garbage = garbageWebSocket(port)) {
                Sandbox.await("messages on every stream", Duration.ofSeconds(60), () -> ws.streams() >= 4 && sse.streams() >= 4
                        && ws.messages() > 100 && sse.messages() > 100);
                Sandbox.Result reload = sandbox.cli("reload", "ws");
                assertEquals(0, reload.code(), () -> reload.all() + sandbox.primaryLog("ws"));
                long after = ws.messages() + sse.messages();
                Sandbox.await("the clients to go on, on the new workers", Duration.ofSeconds(60),
                        () -> ws.messages() + sse.messages() > after + 200 && newPids(ws, firstPids) && newPids(sse, firstPids));
                // a stream that reconnected to the second slot's old worker ends again when it moves
                assertEquals(java.util.Set.of("close 1001"), ws.ends().keySet(), "every WebSocket of the old workers ended with 1001");
                assertTrue(ws.ends().get("close 1001") >= 4, ws::summary);
                assertEquals(java.util.Set.of("end"), sse.ends().keySet(), "every event stream ended at an event boundary");
                assertTrue(sse.ends().get("end") >= 4, sse::summary);

                Sandbox.Result scale = sandbox.cli("scale", "ws", "1");
                assertEquals(0, scale.code(), () -> scale.all() + sandbox.primaryLog("ws"));
                long scaled = ws.messages() + sse.messages();
                Sandbox.await("the clients to go on after the scale down", Duration.ofSeconds(60),
                        () -> ws.messages() + sse.messages() > scaled + 200);

                // an upgrade drains the old primary's worker the same way, and the streams go on on the new one's
                Set<String> beforeUpgrade = pidsSeen(ws, sse);
                long ended = ws.ends().getOrDefault("close 1001", 0L) + sse.ends().getOrDefault("end", 0L);
                Sandbox.Result upgrade = sandbox.cli("upgrade", "ws");
                assertEquals(0, upgrade.code(), () -> upgrade.all() + sandbox.primaryLog("ws"));
                long upgraded = ws.messages() + sse.messages();
                Sandbox.await("the clients to go on, on the new primary's worker", Duration.ofSeconds(60),
                        () -> ws.messages() + sse.messages() > upgraded + 200 && newPids(ws, beforeUpgrade) && newPids(sse, beforeUpgrade));
                assertTrue(ws.ends().getOrDefault("close 1001", 0L) + sse.ends().getOrDefault("end", 0L) >= ended + 8,
                        "the upgrade ended the old worker's streams itself: " + ws.summary() + " " + sse.summary());
                for (StreamClient c : new StreamClient[] {ws, sse}) {
                    Map<String, Long> ends = new HashMap<>(c.ends());
                    ends.remove("close 1001");
                    ends.remove("end");
                    assertEquals(Map.of(), ends, "through the reload, the scale down and the upgrade, every stream ended cleanly and"
                            + " every reconnect reached a live worker: " + c.summary());
                    assertEquals(0, c.gaps(), "no message missing inside a stream: " + c.summary());
                }
                long before = ws.ends().getOrDefault("close 1001", 0L) + sse.ends().getOrDefault("end", 0L);
                assertEquals(0, sandbox.cli("stop", "ws").code());
                Sandbox.await("the stop's ends at the clients", Duration.ofSeconds(30),
                        () -> ws.ends().getOrDefault("close 1001", 0L) + sse.ends().getOrDefault("end", 0L) >= before + 8);
                ws.close();
                sse.close();
                for (StreamClient c : new StreamClient[] {ws, sse}) {
                    assertFalse(c.ends().keySet().stream().anyMatch(k -> k.startsWith("error") || k.equals("cut")),
                            "a stop too ends every stream cleanly (reconnects after it find no worker): " + c.summary());
                }
                String logs = workerLogs(sandbox);
                Map<String, Long> sent = sentByTheApp(logs);
                Map<String, Long> got = new HashMap<>(ws.received());
                got.putAll(sse.received());
                for (Map.Entry<String, Long> e : sent.entrySet()) {
                    if (!got.containsKey(e.getKey())) continue; // a stream that opened as the clients stopped
                    assertEquals(e.getValue(), got.get(e.getKey()), "stream " + e.getKey() + ": every message the app sent arrived\n" + logs);
                }
                assertTrue(sent.size() >= 8, "the app logged its streams' ends: " + sent);
                String log = sandbox.primaryLog("ws");
                assertFalse(log.contains("drain timeout"), "no drain waited for its timeout\n" + log);
            }
        }
    }

    @Test
    void aClientThatNeverFinishesItsRequestHoldsItsWorkerUntilTheDrainTimeoutAndNoLonger() throws Exception {
        Path jar = LoadTools.example("hello-websocket");
        try (Sandbox sandbox = new Sandbox()) {
            int port = Sandbox.freePort();
            Path config = sandbox.write("slow.toml", """
                    [app]
                    name = "slow"
                    jar = "%s"
                    instances = 1
                    port = %d
                    jvm_args = ["-Xmx256m"]
                    [reload]
                    ready_timeout = "3m"
                    drain_timeout = "4s"
                    warmup = "0s"
                    """.formatted(jar.toAbsolutePath(), port));
            Sandbox.Result r = sandbox.cli("start", config.toString());
            assertEquals(0, r.code(), () -> r.all() + sandbox.primaryLog("slow"));
            try (Socket slow = new Socket()) {
                slow.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
                // a request the app has begun to read and that never ends: nothing to answer, so nothing to close it after
                slow.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII));
                Thread.sleep(1000);
                Sandbox.Result reload = sandbox.cli("reload", "slow");
                assertEquals(0, reload.code(), () -> reload.all() + sandbox.primaryLog("slow"));
                String log = sandbox.primaryLog("slow");
                assertTrue(log.contains("drain timeout (4s) with 1 open connection(s): SIGTERM"),
                        "the drain ended at its timeout and says what held it:\n" + log);
                assertTrue(Sandbox.get(port, Duration.ofSeconds(30)).startsWith("hello from websocket"), "the new worker serves");
            }
            assertEquals(0, sandbox.cli("stop", "slow").code());
        }
    }

    /** A WebSocket whose client sends a garbage frame (a length of 2^63-1) and then nothing. */
    private static Socket garbageWebSocket(int port) throws IOException {
        Socket s = new Socket("127.0.0.1", port);
        OutputStream out = s.getOutputStream();
        out.write(("GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(new byte[] {(byte) 0x82, (byte) 0xff, 0x7f, -1, -1, -1, -1, -1, -1, -1, 1, 2, 3, 4, 9, 9, 9});
        out.flush();
        return s;
    }

    private static boolean newPids(StreamClient c, Set<String> old) {
        return c.received().keySet().stream().anyMatch(id -> old.stream().noneMatch(p -> id.contains("-" + p + "-")));
    }

    /** The worker pids in the ids of the streams the clients have had so far ({@code ws-<pid>-<n>}). */
    private static Set<String> pidsSeen(StreamClient... clients) {
        Set<String> pids = new java.util.HashSet<>();
        for (StreamClient c : clients) {
            for (String id : c.received().keySet()) pids.add(id.split("-")[1]);
        }
        return pids;
    }

    private static String workerLogs(Sandbox sandbox) throws IOException {
        StringBuilder all = new StringBuilder();
        try (Stream<Path> files = Files.list(sandbox.home.resolve("logs/ws"))) {
            for (Path p : files.filter(f -> f.getFileName().toString().matches("\\d+\\.log")).toList()) all.append(Files.readString(p));
        }
        return all.toString();
    }

    /** Per stream id: how many messages the app says it sent on it. */
    private static Map<String, Long> sentByTheApp(String logs) {
        Map<String, Long> sent = new HashMap<>();
        Matcher m = ENDED.matcher(logs);
        while (m.find()) sent.put(m.group(1), Long.parseLong(m.group(3)));
        return sent;
    }
}
