package io.jcluster.examples.hello;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.jcluster.runtime.WorkerEnv;
import io.jcluster.runtime.wire.MessageTypes;
import io.jcluster.runtime.wire.Wire;
import io.jcluster.runtime.wire.WireMessage;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.FileDescriptor;
import io.netty.channel.unix.Socket;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged example under a primary played by the test: the slot's socket is handed over, a
 * reload of the slot (start generation 2, drain generation 1) loses no connection, and a worker
 * whose primary goes away exits.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class HelloNettyIT {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private EventLoopGroup group;
    private Socket slotSocket;
    private Channel primary;
    private final Map<Long, Worker> workersByPid = new ConcurrentHashMap<>();
    private final List<Process> processes = new ArrayList<>();
    private final List<java.net.Socket> clients = new ArrayList<>();

    @BeforeEach
    void primary() throws Exception {
        assertTrue(Epoll.isAvailable(), () -> "the example serves on netty's native epoll transport, unavailable here: " + Epoll.unavailabilityCause());
        group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        slotSocket = Socket.newSocketStream();
        slotSocket.setReuseAddress(true);
        slotSocket.setReusePort(true);
        slotSocket.bind(new InetSocketAddress("127.0.0.1", 0));
        slotSocket.listen(128);
        primary = new ServerBootstrap()
                .group(group)
                .channel(EpollServerDomainSocketChannel.class)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new LengthFieldBasedFrameDecoder(Wire.MAX_FRAME + 4, 0, 4, 0, 4), new PrimarySide());
                    }
                })
                .bind(new DomainSocketAddress(dir.resolve("workers.sock").toString()))
                .sync()
                .channel();
    }

    @AfterEach
    void stopEverything() throws Exception {
        for (java.net.Socket client : clients) {
            client.close();
        }
        for (Process process : processes) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
        if (primary != null) {
            primary.close().sync();
        }
        if (group != null) {
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).sync();
        }
        if (slotSocket != null) {
            slotSocket.close();
        }
    }

    @Test
    void reloadOfASlotLosesNoConnection() throws Exception {
        Worker first = startWorker(1);
        java.net.Socket keptAlive = client();
        assertEquals(greeting(first), get(keptAlive));

        first.send(WireMessage.of(MessageTypes.DRAIN, "timeoutMillis", 10_000));
        keptAlive.close();
        WireMessage drained = first.next(MessageTypes.DRAINED);
        assertEquals(0, drained.getLong("inflight", -1), "clean once the last connection closed");

        // Between generations the slot's socket queues the connection.
        java.net.Socket waiting = client();
        waiting.getOutputStream().write(request().getBytes(StandardCharsets.US_ASCII));

        Worker second = startWorker(2);
        assertEquals(greeting(second), readResponseBody(waiting.getInputStream()));

        // The primary stops the drained worker with SIGTERM.
        first.process.destroy();
        assertTrue(first.process.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS), "generation 1 exits on SIGTERM");

        // The primary goes away: the remaining worker drains and exits on its own.
        primary.close().sync();
        second.connection.close().sync();
        assertTrue(second.process.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS), () -> "orphan exits\n" + second.log());
        assertEquals(0, second.process.exitValue(), second::log);
    }

    @Test
    void theAgentRunsFromItsOwnJarNotFromTheAppsShadedCopy() throws Exception {
        // hello-netty.jar shades worker-runtime, and the JDK appends the agent jar to the class path
        // after it: an agent class the app jar also holds would be loaded from the app's copy.
        Path agentJar = Path.of(System.getProperty("jcluster.agent.jar"));
        String premain;
        try (JarFile jar = new JarFile(agentJar.toFile())) {
            premain = jar.getManifest().getMainAttributes().getValue("Premain-Class");
        }
        assertNotNull(premain, "Premain-Class in " + agentJar);

        // ready arrives: the app's own JCluster.ready() met the agent through the MBean server.
        Worker worker = startWorker(1, "-Xlog:class+load=info");
        String premainLoaded = worker.log().lines()
                .filter(line -> line.contains(" " + premain + " source: "))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no class-load line for " + premain + "\n" + worker.log()));
        assertTrue(premainLoaded.endsWith("source: file:" + agentJar.toRealPath()) || premainLoaded.endsWith("source: file:" + agentJar),
                () -> "the agent's entry class must come from the agent jar " + agentJar + ": " + premainLoaded);
        List<String> agentFromApp = worker.log().lines()
                .filter(line -> line.contains(premain.substring(0, premain.lastIndexOf('.') + 1)))
                .filter(line -> line.contains(System.getProperty("hello.jar")))
                .toList();
        assertTrue(agentFromApp.isEmpty(), () -> "agent classes loaded from the app's jar: " + agentFromApp);
        assertEquals(greeting(worker), get(client()));
    }

    private Worker startWorker(long generation, String... jvmArgs) throws Exception {
        Path log = dir.resolve("gen" + generation + ".log");
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx64m");
        command.addAll(List.of(jvmArgs));
        command.add("-javaagent:" + System.getProperty("jcluster.agent.jar"));
        command.addAll(List.of("-jar", System.getProperty("hello.jar")));
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().keySet().removeIf(name -> name.startsWith("JCLUSTER_"));
        builder.environment().putAll(Map.of(
                WorkerEnv.SOCKET, dir.resolve("workers.sock").toString(),
                WorkerEnv.APP, "hello",
                WorkerEnv.SLOT, "0",
                WorkerEnv.GENERATION, Long.toString(generation),
                WorkerEnv.PORT, Integer.toString(port()),
                WorkerEnv.LISTEN, WorkerEnv.LISTEN_HANDOFF,
                WorkerEnv.HEARTBEAT_MILLIS, "200",
                WorkerEnv.DRAIN_TIMEOUT_MILLIS, "3000"));
        Process process = builder.start();
        processes.add(process);
        Worker worker = awaitWorker(process, log);
        WireMessage hello = worker.hello;
        assertEquals(generation, hello.getLong("generation", -1));
        assertEquals(0, hello.getInt("slot", -1));
        worker.next(MessageTypes.READY);
        assertNotNull(worker.listenerRequest, "the worker asked for its listener before it was ready");
        return worker;
    }

    private Worker awaitWorker(Process process, Path log) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        Worker worker;
        while ((worker = workersByPid.get(process.pid())) == null) {
            if (System.nanoTime() > deadline || !process.isAlive()) {
                fail("the worker never said hello; alive=" + process.isAlive() + "\n" + Files.readString(log));
            }
            Thread.sleep(10);
        }
        worker.process = process;
        worker.logFile = log;
        return worker;
    }

    private int port() {
        return slotSocket.localAddress().getPort();
    }

    private static String greeting(Worker worker) {
        return "hello from jcluster slot=0 pid=" + worker.process.pid() + " gen=" + worker.hello.get("generation") + "\n";
    }

    private java.net.Socket client() throws IOException {
        java.net.Socket client = new java.net.Socket("127.0.0.1", port());
        client.setSoTimeout((int) WAIT.toMillis());
        clients.add(client);
        return client;
    }

    private static String request() {
        return "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";
    }

    private static String get(java.net.Socket client) throws IOException {
        client.getOutputStream().write(request().getBytes(StandardCharsets.US_ASCII));
        return readResponseBody(client.getInputStream());
    }

    private static String readResponseBody(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed in the response head: " + head);
            }
            head.append((char) b);
        }
        int length = 0;
        for (String line : head.toString().split("\r\n")) {
            if (line.toLowerCase().startsWith("content-length:")) {
                length = Integer.parseInt(line.substring("content-length:".length()).trim());
            }
        }
        return new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }

    /** One worker as the primary sees it: its agent connection and what it sent. */
    private static final class Worker {
        final WireMessage hello;
        final Channel connection;
        final BlockingQueue<WireMessage> received = new LinkedBlockingQueue<>();
        volatile WireMessage listenerRequest;
        volatile Process process;
        volatile Path logFile;

        Worker(WireMessage hello, Channel connection) {
            this.hello = hello;
            this.connection = connection;
        }

        void send(WireMessage message) throws InterruptedException {
            connection.writeAndFlush(Unpooled.wrappedBuffer(Wire.encode(message))).sync();
        }

        WireMessage next(String type) throws InterruptedException {
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (true) {
                WireMessage m = received.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (m == null) {
                    fail("no " + type + " from the worker within " + WAIT + "\n" + log());
                }
                if (type.equals(m.type())) {
                    return m;
                }
            }
        }

        String log() {
            try {
                return logFile == null ? "" : Files.readString(logFile);
            } catch (IOException e) {
                return e.toString();
            }
        }
    }

    /** The primary's side of workers.sock: agent connections and listener requests. */
    private final class PrimarySide extends SimpleChannelInboundHandler<ByteBuf> {
        private Worker worker;

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) throws Exception {
            WireMessage message = Wire.decodePayload(ByteBufUtil.getBytes(frame));
            switch (message.type()) {
                case MessageTypes.HELLO -> {
                    worker = new Worker(message, ctx.channel());
                    workersByPid.put(message.getLong("pid", -1), worker);
                }
                case MessageTypes.LISTENER -> {
                    Worker owner = workersByPid.get(message.getLong("pid", -1));
                    if (owner != null) {
                        owner.listenerRequest = message;
                    }
                    ctx.writeAndFlush(new FileDescriptor(slotSocket.intValue()));
                }
                default -> {
                    if (worker != null) {
                        worker.received.add(message);
                    }
                }
            }
        }
    }
}
