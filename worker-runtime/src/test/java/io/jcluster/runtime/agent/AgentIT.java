package io.jcluster.runtime.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.jcluster.runtime.WorkerEnv;
import io.jcluster.runtime.it.FakeWorker;
import io.jcluster.runtime.wire.MessageTypes;
import io.jcluster.runtime.wire.Wire;
import io.jcluster.runtime.wire.WireMessage;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent in real worker JVMs ({@code -javaagent:} the packaged jar) against a primary played by
 * the test on a Unix socket.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AgentIT {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final WireMessage EOF = WireMessage.of("eof");

    @TempDir
    Path dir;

    private final List<Process> children = new ArrayList<>();
    private final List<AutoCloseable> closeLater = new ArrayList<>();
    private Path socketPath;
    private ServerSocketChannel server;

    @BeforeEach
    void primarySocket() throws IOException {
        socketPath = dir.resolve("workers.sock");
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX).bind(UnixDomainSocketAddress.of(socketPath));
        closeLater.add(server);
    }

    @AfterEach
    void stopEverything() throws Exception {
        for (Process child : children) {
            child.destroyForcibly();
            child.waitFor(30, TimeUnit.SECONDS);
        }
        for (AutoCloseable closeable : closeLater) {
            closeable.close();
        }
    }

    @Test
    void helloThenHeartbeatsThenExitWhenThePrimaryGoes() throws Exception {
        Process child = start("sleep", managedEnv(100, 1000));
        Connection primary = accept(child);

        WireMessage hello = primary.next(child);
        assertEquals(MessageTypes.HELLO, hello.type());
        assertEquals(3, hello.getInt("slot", -1));
        assertEquals(7, hello.getLong("generation", -1));
        assertEquals(child.pid(), hello.getLong("pid", -1));
        assertEquals(System.getProperty("jcluster.version"), hello.get("version"), "version from the jar manifest");

        long lastSeq = 0;
        for (int i = 0; i < 3; i++) {
            WireMessage beat = primary.next(child);
            assertEquals(MessageTypes.HEARTBEAT, beat.type());
            long seq = beat.getLong("seq", -1);
            assertTrue(seq > lastSeq, "seq increases: " + beat);
            lastSeq = seq;
            assertTrue(beat.getLong("uptimeMillis", -1) > 0, beat::toString);
            assertTrue(beat.getLong("heapUsed", -1) > 0, beat::toString);
            assertTrue(beat.getLong("heapCommitted", -1) >= beat.getLong("heapUsed", -1), beat::toString);
            assertNotNull(beat.get("heapMax"), beat::toString);
            assertTrue(beat.getInt("threads", -1) > 0, beat::toString);
            assertTrue(beat.getLong("cpuNanos", -1) > 0, beat::toString);
            assertEquals(0, beat.getInt("deadlocked", -1), beat::toString);
            assertTrue(beat.fields().keySet().stream().anyMatch(k -> k.startsWith("gc.") && k.endsWith(".count")), beat::toString);
            assertTrue(beat.fields().keySet().stream().anyMatch(k -> k.startsWith("gc.") && k.endsWith(".millis")), beat::toString);
            assertTrue(beat.getLong("gcPauseMaxMillis", -1) >= 0, beat::toString);
        }

        long closedAt = System.nanoTime();
        primary.close();
        server.close();
        assertExits(child, Duration.ofMillis(1000 + Agent.EXIT_GRACE_MILLIS).plusSeconds(10), 0);
        assertTrue(Duration.ofNanos(System.nanoTime() - closedAt).compareTo(Duration.ofSeconds(10)) < 0);
        assertTrue(stderr().contains("the primary closed the worker connection; draining for up to 1000 ms"), stderr());
    }

    @Test
    void readyAndDrainCrossClassLoadersThenStopExits() throws Exception {
        Process child = start("isolated", managedEnv(200, 5000));
        Connection primary = accept(child);
        assertEquals(MessageTypes.HELLO, primary.next(child).type());

        assertEquals(MessageTypes.READY, primary.nextSkippingHeartbeats(child).type());
        WireMessage beat;
        do {
            beat = primary.next(child);
        } while (!MessageTypes.HEARTBEAT.equals(beat.type()));
        assertEquals(42, beat.getLong("app.requests", -1), "the app's figures ride on the heartbeat: " + beat);

        primary.send(WireMessage.of(MessageTypes.DRAIN, "timeoutMillis", 1500));
        WireMessage drained = primary.nextSkippingHeartbeats(child);
        assertEquals(MessageTypes.DRAINED, drained.type(), "ready is sent once; then drained: " + drained);
        assertEquals(2, drained.getLong("inflight", -1));
        assertTrue(stdout().contains("drain hook called with PT1."), stdout());

        child.destroy(); // after the drain the primary sends SIGTERM
        assertExits(child, WAIT, 143);
    }

    @Test
    void anOrphanExitsWithinTheDrainTimeoutEvenIfTheAppNeverFinishesDraining() throws Exception {
        Process child = start("isolated-stuck", managedEnv(60_000, 1000));
        Connection primary = accept(child);
        assertEquals(MessageTypes.HELLO, primary.next(child).type());
        assertEquals(MessageTypes.READY, primary.next(child).type());

        primary.close();
        server.close();
        assertExits(child, Duration.ofMillis(1000 + Agent.EXIT_GRACE_MILLIS).plusSeconds(10), 0);
        assertTrue(stderr().contains("the drain did not finish in time; exiting anyway"), stderr());
    }

    @Test
    void anOrphanHaltsWhenShutdownHooksHang() throws Exception {
        Process child = start("hang-on-exit", managedEnv(60_000, 1000));
        Connection primary = accept(child);
        assertEquals(MessageTypes.HELLO, primary.next(child).type());
        awaitOutput(child, "fake worker hang-on-exit running");

        primary.close(); // the primary is gone: the agent drains, then exits, and halts past the watchdog
        server.close();
        assertExits(child, Duration.ofMillis(1000 + Agent.EXIT_GRACE_MILLIS + Agent.EXIT_WATCHDOG_MILLIS).plusSeconds(15), 0);
        assertTrue(stderr().contains("shutdown hooks still running after"), stderr());
    }

    @Test
    void aSpareLearnsItsSlotWhenItTakesOne() throws Exception {
        Map<String, String> env = managedEnv(60_000, 1000);
        env.remove(WorkerEnv.SLOT);
        env.put(WorkerEnv.SPARE, "1");
        Process child = start("slot", env);
        Connection primary = accept(child);
        WireMessage hello = primary.next(child);
        assertEquals(-1, hello.getInt("slot", 0), "a spare says no slot: " + hello);
        awaitOutput(child, "slot -1");

        primary.send(WireMessage.of(MessageTypes.SLOT, "slot", 4));
        WireMessage told = primary.nextSkippingHeartbeats(child);
        assertEquals(MessageTypes.SLOT, told.type(), told::toString);
        assertEquals(4, told.getInt("slot", -1), "the agent says the slot it took: " + told);
        awaitOutput(child, "slot 4"); // the app's own copy of JCluster, in another class loader
    }

    @Test
    void aWorkerWithoutItsPrimaryRefusesToRun() throws Exception {
        Map<String, String> env = managedEnv(1000, 1000);
        env.put(WorkerEnv.SOCKET, dir.resolve("nobody-listens.sock").toString());
        Process child = start("sleep", env);
        assertExits(child, WAIT, Agent.EXIT_NO_PRIMARY);
        assertTrue(stderr().contains("cannot reach the jcluster primary at " + dir.resolve("nobody-listens.sock")), stderr());
        assertTrue(!stdout().contains("running"), "main never ran: " + stdout());
    }

    @Test
    void unmanagedAppsRunUntouched() throws Exception {
        Process child = start("exit", new HashMap<>());
        assertExits(child, WAIT, 0);
        assertEquals("fake worker ran", stdout().strip());
        assertEquals("", stderr().strip());
    }

    // --- helpers ---

    private Map<String, String> managedEnv(long heartbeatMillis, long drainTimeoutMillis) {
        Map<String, String> env = new HashMap<>();
        env.put(WorkerEnv.SOCKET, socketPath.toString());
        env.put(WorkerEnv.APP, "agent-it");
        env.put(WorkerEnv.SLOT, "3");
        env.put(WorkerEnv.GENERATION, "7");
        env.put(WorkerEnv.HEARTBEAT_MILLIS, Long.toString(heartbeatMillis));
        env.put(WorkerEnv.DRAIN_TIMEOUT_MILLIS, Long.toString(drainTimeoutMillis));
        return env;
    }

    private Process start(String mode, Map<String, String> env) throws IOException {
        String agentJar = System.getProperty("jcluster.agent.jar");
        assertTrue(agentJar != null && Files.isRegularFile(Path.of(agentJar)), "packaged agent jar: " + agentJar);
        ProcessBuilder builder = new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx64m",
                "-XX:TieredStopAtLevel=1",
                "-javaagent:" + agentJar,
                "-Djcluster.runtime.jar=" + System.getProperty("jcluster.runtime.jar"),
                "-cp", System.getProperty("jcluster.test.classes"),
                FakeWorker.class.getName(), mode)
                .redirectOutput(dir.resolve("stdout.txt").toFile())
                .redirectError(dir.resolve("stderr.txt").toFile());
        builder.environment().keySet().removeIf(name -> name.startsWith("JCLUSTER_"));
        builder.environment().putAll(env);
        Process child = builder.start();
        children.add(child);
        return child;
    }

    private Connection accept(Process child) throws Exception {
        CompletableFuture<SocketChannel> accepted = CompletableFuture.supplyAsync(() -> {
            try {
                return server.accept();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        try {
            SocketChannel channel = accepted.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            Connection connection = new Connection(channel);
            closeLater.add(connection);
            return connection;
        } catch (java.util.concurrent.TimeoutException e) {
            fail("the worker did not connect within " + WAIT + "; alive=" + child.isAlive() + "\n" + stderr());
            return null;
        }
    }

    private void assertExits(Process child, Duration within, int status) throws Exception {
        if (!child.waitFor(within.toMillis(), TimeUnit.MILLISECONDS)) {
            fail("the worker did not exit within " + within + "\nstdout:\n" + stdout() + "\nstderr:\n" + stderr());
        }
        assertEquals(status, child.exitValue(), () -> "exit status; stderr:\n" + stderr());
    }

    private void awaitOutput(Process child, String text) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!stdout().contains(text)) {
            if (System.nanoTime() > deadline || !child.isAlive()) {
                fail("no '" + text + "' from the worker; stderr:\n" + stderr());
            }
            Thread.sleep(20);
        }
    }

    private String stdout() {
        return output("stdout.txt");
    }

    private String stderr() {
        return output("stderr.txt");
    }

    private String output(String file) {
        try {
            return Files.readString(dir.resolve(file), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(cannot read " + file + ": " + e + ")";
        }
    }

    /** The primary's end of one agent connection; a reader thread queues what the worker sends. */
    private final class Connection implements AutoCloseable {

        private final SocketChannel channel;
        private final BlockingQueue<WireMessage> received = new LinkedBlockingQueue<>();

        Connection(SocketChannel channel) {
            this.channel = channel;
            Thread reader = new Thread(() -> {
                try {
                    for (WireMessage m; (m = Wire.read(channel)) != null; ) {
                        received.add(m);
                    }
                } catch (IOException e) {
                    // closed by the test or the worker
                }
                received.add(EOF);
            }, "agent-it-reader");
            reader.setDaemon(true);
            reader.start();
        }

        WireMessage next(Process child) throws Exception {
            WireMessage m = received.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
            if (m == null || m == EOF) {
                fail((m == null ? "nothing" : "end of stream") + " from the worker within " + WAIT
                        + "; alive=" + child.isAlive() + "\nstderr:\n" + stderr());
            }
            return m;
        }

        WireMessage nextSkippingHeartbeats(Process child) throws Exception {
            WireMessage m;
            do {
                m = next(child);
            } while (MessageTypes.HEARTBEAT.equals(m.type()));
            return m;
        }

        void send(WireMessage message) throws IOException {
            Wire.write(channel, message);
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }
}
