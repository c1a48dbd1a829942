package io.jcluster.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.jcluster.cli.Needs;
import io.jcluster.runtime.WorkerEnv;
import io.jcluster.runtime.wire.MessageTypes;
import io.jcluster.runtime.wire.Wire;
import io.jcluster.runtime.wire.WireMessage;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The distribution's agent jar in unmodified apps, against a primary played by the test: a stock
 * Spring Boot jar reports Tomcat's request figures in its heartbeats when Spring's MBean registry is
 * switched on through the environment, and none without it; the JDK server reports JVM figures only.
 */
@Timeout(180)
class ServerFiguresIT {
    private static final Path EXAMPLES = Path.of(System.getProperty("jcluster.examples", "../examples"));
    private static final Path AGENT = Path.of(System.getProperty("jcluster.dist", "target/jcluster"), "lib/agent/worker-runtime-agent.jar");
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private ServerSocketChannel primary;
    private final List<Process> workers = new ArrayList<>();
    private final List<AutoCloseable> closeLater = new ArrayList<>();

    @BeforeEach
    void primary() throws IOException {
        Needs.that(Files.isRegularFile(AGENT), "the distribution is built: " + AGENT);
        primary = ServerSocketChannel.open(StandardProtocolFamily.UNIX).bind(UnixDomainSocketAddress.of(dir.resolve("workers.sock")));
        closeLater.add(primary);
    }

    @AfterEach
    void stopEverything() throws Exception {
        for (Process worker : workers) {
            worker.destroyForcibly();
            worker.waitFor(30, TimeUnit.SECONDS);
        }
        for (AutoCloseable c : closeLater) {
            c.close();
        }
    }

    @Test
    void springBootReportsTomcatsRequestFigures() throws Exception {
        Path jar = example("hello-spring");
        int port = Sandbox.freePort();
        Worker worker = start(jar, port, Map.of("SERVER_PORT", Integer.toString(port), "SERVER_TOMCAT_MBEANREGISTRY_ENABLED", "true"));
        awaitAnswer(port, worker);
        for (int i = 0; i < 20; i++) {
            assertEquals(200, status(port, "/"));
        }
        assertEquals(404, status(port, "/nope"));

        // 1 + 20 + 1 requests, the last one an error: Tomcat counts it when its response is done.
        WireMessage beat = worker.heartbeat(b -> b.getLong("app.http.requests", -1) >= 22 && b.getLong("app.http.errors", -1) >= 1);
        assertEquals(22, beat.getLong("app.http.requests", -1), beat::toString);
        assertEquals(1, beat.getLong("app.http.errors", -1), beat::toString);
        assertTrue(beat.getLong("app.http.latency.sum", -1) >= 0, beat::toString);
        assertTrue(beat.getLong("app.http.latency.maxSinceStart", -1) >= 0, beat::toString);
        assertTrue(beat.getLong("app.http.inflight", -1) >= 0, beat::toString);
        assertTrue(beat.getLong("app.connections", -1) >= 0, beat::toString);
    }

    @Test
    void springBootWithoutItsMBeanRegistryReportsNoRequestFigures() throws Exception {
        Path jar = example("hello-spring");
        int port = Sandbox.freePort();
        Worker worker = start(jar, port, Map.of("SERVER_PORT", Integer.toString(port)));
        awaitAnswer(port, worker);
        assertEquals(200, status(port, "/"));
        WireMessage later = worker.heartbeat(b -> b.getLong("seq", 0) >= worker.seqAfterAnswer + 2);
        assertFalse(later.fields().containsKey("app.http.requests"), later::toString);
    }

    @Test
    void theJdkServerRunsUnderTheAgentWithJvmFiguresOnly() throws Exception {
        Path jar = example("hello-jdk");
        int port = Sandbox.freePort();
        Worker worker = start(jar, port, Map.of("PORT", Integer.toString(port)));
        awaitAnswer(port, worker);
        WireMessage later = worker.heartbeat(b -> b.getLong("seq", 0) >= worker.seqAfterAnswer + 1);
        assertTrue(later.getLong("heapUsed", -1) > 0, later::toString);
        assertFalse(later.fields().keySet().stream().anyMatch(k -> k.startsWith("app.")), later::toString);
    }

    private static Path example(String name) {
        Path jar = EXAMPLES.resolve(name).resolve("target").resolve(name + ".jar");
        Needs.that(Files.isRegularFile(jar), name + " is built: " + jar);
        return jar;
    }

    private Worker start(Path jar, int port, Map<String, String> appEnv) throws Exception {
        Path log = dir.resolve("worker-" + port + ".log");
        ProcessBuilder builder = new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:TieredStopAtLevel=1",
                "-javaagent:" + AGENT.toAbsolutePath(),
                "-jar", jar.toAbsolutePath().toString())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().keySet().removeIf(n -> n.startsWith("JCLUSTER_") || n.equals("PORT") || n.startsWith("SERVER_"));
        builder.environment().putAll(Map.of(
                WorkerEnv.SOCKET, dir.resolve("workers.sock").toString(),
                WorkerEnv.APP, "figures",
                WorkerEnv.SLOT, "0",
                WorkerEnv.GENERATION, "1",
                WorkerEnv.PORT, Integer.toString(port),
                WorkerEnv.HEARTBEAT_MILLIS, "200"));
        builder.environment().putAll(appEnv);
        Process process = builder.start();
        workers.add(process);
        SocketChannel channel = primary.accept();
        closeLater.add(channel);
        Worker worker = new Worker(process, log, channel);
        assertEquals(MessageTypes.HELLO, worker.next().type());
        return worker;
    }

    private static void awaitAnswer(int port, Worker worker) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            try {
                if (status(port, "/") == 200) {
                    worker.seqAfterAnswer = worker.lastSeq;
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            if (System.nanoTime() > deadline || !worker.process.isAlive()) {
                fail("no answer on port " + port + "; alive=" + worker.process.isAlive() + "\n" + worker.log());
            }
            Thread.sleep(100);
        }
    }

    private static int status(int port, String path) throws IOException {
        HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + path).toURL().openConnection();
        c.setConnectTimeout(2000);
        c.setReadTimeout(10_000);
        try {
            int code = c.getResponseCode();
            (code < 400 ? c.getInputStream() : c.getErrorStream()).readAllBytes();
            return code;
        } finally {
            c.disconnect();
        }
    }

    /** One worker as the primary sees it: its frames, read on a thread of their own. */
    private static final class Worker {
        final Process process;
        final Path log;
        final BlockingQueue<WireMessage> frames = new LinkedBlockingQueue<>();
        volatile long lastSeq;
        volatile long seqAfterAnswer;

        Worker(Process process, Path log, SocketChannel channel) {
            this.process = process;
            this.log = log;
            Thread reader = new Thread(() -> {
                try {
                    WireMessage m;
                    while ((m = Wire.read(channel)) != null) {
                        if (MessageTypes.HEARTBEAT.equals(m.type())) {
                            lastSeq = m.getLong("seq", lastSeq);
                        }
                        frames.add(m);
                    }
                } catch (IOException e) {
                    // the worker went away
                }
            }, "fake-primary-reader");
            reader.setDaemon(true);
            reader.start();
        }

        WireMessage next() throws InterruptedException {
            WireMessage m = frames.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
            if (m == null) {
                fail("no frame from the worker within " + WAIT + "\n" + log());
            }
            return m;
        }

        WireMessage heartbeat(Predicate<WireMessage> until) throws InterruptedException {
            long deadline = System.nanoTime() + WAIT.toNanos();
            WireMessage last = null;
            while (System.nanoTime() < deadline) {
                WireMessage m = frames.poll(1, TimeUnit.SECONDS);
                if (m != null && MessageTypes.HEARTBEAT.equals(m.type())) {
                    last = m;
                    if (until.test(m)) {
                        return m;
                    }
                }
            }
            fail("no such heartbeat within " + WAIT + "; the last one: " + last + "\n" + log());
            return null;
        }

        String log() {
            try {
                return Files.readString(log);
            } catch (IOException e) {
                return e.toString();
            }
        }
    }
}
