package io.jcluster.runtime.netty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcluster.runtime.Needs;
import io.jcluster.runtime.DrainHook;
import io.jcluster.runtime.WorkerEnv;
import io.jcluster.runtime.wire.MessageTypes;
import io.jcluster.runtime.wire.WireMessage;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.Socket;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SlotListenerTest {

    @TempDir
    Path dir;

    private EventLoopGroup group;
    private Socket listener;
    private int port;
    private Path workerSocket;
    private final List<AutoCloseable> closeLater = new ArrayList<>();

    @BeforeAll
    static void epoll() {
        Needs.that(Epoll.isAvailable(), "netty's native epoll transport: " + Epoll.unavailabilityCause());
    }

    /** The primary's slot socket: bound, listening, SO_REUSEPORT, never accepted on. */
    @BeforeEach
    void slotSocket() throws IOException {
        Epoll.ensureAvailability();
        group = new MultiThreadIoEventLoopGroup(2, EpollIoHandler.newFactory());
        listener = Socket.newSocketStream();
        listener.setReuseAddress(true);
        listener.setReusePort(true);
        listener.bind(new InetSocketAddress("127.0.0.1", 0));
        listener.listen(128);
        port = listener.localAddress().getPort();
        workerSocket = dir.resolve("workers.sock");
    }

    @AfterEach
    void closeEverything() throws Exception {
        for (int i = closeLater.size() - 1; i >= 0; i--) {
            closeLater.get(i).close();
        }
        if (group != null) {
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).sync();
        }
        if (listener != null) {
            listener.close();
        }
    }

    @Test
    void handoffServesTheListenerOfTheSlot() throws Exception {
        FakePrimary primary = primary(FakePrimary.Answer.FD);
        AtomicInteger acceptedSeenByApp = new AtomicInteger();
        ServerBootstrap bootstrap = echoServer().handler(new CountingHandler(acceptedSeenByApp));
        AtomicReference<DrainHook> hook = new AtomicReference<>();

        Channel server = served(SlotListener.serve(bootstrap, 1, handoffEnv(), hook::set));

        assertEquals(port, ((InetSocketAddress) server.localAddress()).getPort(), "served the handed-off socket");
        WireMessage request = primary.requests.poll(10, TimeUnit.SECONDS);
        assertNotNull(request);
        assertEquals(MessageTypes.LISTENER, request.type());
        assertEquals(0, request.getInt("slot", -1));
        assertEquals(4, request.getLong("generation", -1));
        assertEquals(ProcessHandle.current().pid(), request.getLong("pid", -1));
        try (java.net.Socket client = client()) {
            assertEquals("ping\n", echo(client, "ping\n"));
        }
        assertEquals(1, acceptedSeenByApp.get(), "the app's own server handler stays in the pipeline");
        assertNotNull(hook.get(), "a managed worker installs a drain hook");
    }

    @Test
    void drainClosesOurCopyWhileTheSlotKeepsQueueingForTheNextWorker() throws Exception {
        primary(FakePrimary.Answer.FD);
        AtomicReference<DrainHook> hook = new AtomicReference<>();
        Channel first = served(SlotListener.serve(echoServer(), 1, handoffEnv(), hook::set));

        java.net.Socket queued;
        try (java.net.Socket open = client()) {
            assertEquals("a\n", echo(open, "a\n"));

            assertEquals(1, hook.get().drain(Duration.ofMillis(200)), "the open connection is reported as in flight");
            assertFalse(first.isOpen(), "our copy of the listener is closed");

            // The primary's copy still listens: the kernel queues the connection for the next worker.
            queued = client();
            closeLater.add(queued);
            queued.getOutputStream().write("queued\n".getBytes(StandardCharsets.US_ASCII));
            queued.getOutputStream().flush();
        }
        assertEquals(0, hook.get().drain(Duration.ofSeconds(10)), "clean once the open connection closed");

        // The next generation takes the same slot and serves the connection that waited.
        served(SlotListener.serve(echoServer(), 1, handoffEnv(), h -> { }));
        assertEquals("queued\n", read(queued.getInputStream(), "queued\n".length()));
    }

    @Test
    void handOverClosesOurCopyAndTellsEachOpenConnectionToDrainWithinTheSpread() throws Exception {
        primary(FakePrimary.Answer.FD);
        AtomicReference<DrainHook> hook = new AtomicReference<>();
        List<Long> drainedAt = java.util.Collections.synchronizedList(new ArrayList<>());
        ServerBootstrap bootstrap = new ServerBootstrap().group(group).childHandler(new io.netty.channel.ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(new Echo(), new ChannelInboundHandlerAdapter() {
                    @Override
                    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                        if (evt == ConnectionTracker.DRAINING) drainedAt.add(System.nanoTime());
                        ctx.fireUserEventTriggered(evt);
                    }
                });
            }
        });
        Channel server = served(SlotListener.serve(bootstrap, 1, handoffEnv(), hook::set));
        try (java.net.Socket a = client(); java.net.Socket b = client()) {
            assertEquals("a\n", echo(a, "a\n"));
            assertEquals("b\n", echo(b, "b\n"));
            long from = System.nanoTime();
            hook.get().handOver(Duration.ofMillis(400));
            assertTrue(server.closeFuture().await(10, TimeUnit.SECONDS), "our copy of the listener closes at once");
            assertEquals("a2\n", echo(a, "a2\n"), "open connections are still served");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (drainedAt.size() < 2 && System.nanoTime() < deadline) Thread.sleep(10);
            assertEquals(2, drainedAt.size(), "each open connection is told to drain");
            List<Long> after = drainedAt.stream().map(t -> TimeUnit.NANOSECONDS.toMillis(t - from)).sorted().toList();
            assertTrue(after.get(0) >= 150, "one after another, not all at once: " + after); // 200 ms and 400 ms
            assertEquals("b2\n", echo(b, "b2\n"));
        }
    }

    @Test
    void refusalIsAClearIOException() throws Exception {
        primary(FakePrimary.Answer.ERROR);
        IOException e = assertThrows(IOException.class,
                () -> SlotListener.requestListenerFd(workerSocket, 0, 4, Duration.ofSeconds(10)));
        assertTrue(e.getMessage().contains("refused the listener request for slot 0 (see primary.log)"), e.getMessage());
    }

    @Test
    void silenceTimesOut() throws Exception {
        primary(FakePrimary.Answer.SILENCE);
        IOException e = assertThrows(IOException.class,
                () -> SlotListener.requestListenerFd(workerSocket, 0, 4, Duration.ofMillis(300)));
        assertTrue(e.getMessage().contains("no listener for slot 0"), e.getMessage());
        assertTrue(e.getMessage().contains("within 300 ms"), e.getMessage());
    }

    @Test
    void noPrimaryIsAClearIOException() {
        IOException e = assertThrows(IOException.class,
                () -> SlotListener.requestListenerFd(workerSocket, 0, 4, Duration.ofSeconds(5)));
        assertTrue(e.getMessage().contains("cannot connect to the jcluster primary at " + workerSocket), e.getMessage());
        java.io.UncheckedIOException serveError = assertThrows(java.io.UncheckedIOException.class,
                () -> SlotListener.serve(echoServer(), 1, handoffEnv(), h -> { }));
        assertTrue(serveError.getMessage().contains("cannot connect"), serveError.getMessage());
    }

    @Test
    void selfModeBindsThePrimarysPortWithReusePort() throws Exception {
        int free;
        try (ServerSocket probe = new ServerSocket(0)) {
            free = probe.getLocalPort();
        }
        AtomicReference<DrainHook> hook = new AtomicReference<>();
        WorkerEnv env = WorkerEnv.of(Map.of(WorkerEnv.SOCKET, workerSocket.toString(), WorkerEnv.SLOT, "1",
                WorkerEnv.GENERATION, "1", WorkerEnv.LISTEN, "self", WorkerEnv.PORT, Integer.toString(free)));

        Channel server = served(SlotListener.serve(echoServer(), 1, env, hook::set));

        assertEquals(free, ((InetSocketAddress) server.localAddress()).getPort());
        assertTrue(server.config().getOption(EpollChannelOption.SO_REUSEPORT));
        try (java.net.Socket client = new java.net.Socket("127.0.0.1", free)) {
            client.setSoTimeout(10_000);
            assertEquals("x\n", echo(client, "x\n"));
        }
        assertEquals(0, hook.get().drain(Duration.ofSeconds(10)));
        assertFalse(server.isOpen());
    }

    @Test
    void unmanagedBindsTheFallbackPortAndInstallsNoHook() throws Exception {
        AtomicReference<DrainHook> hook = new AtomicReference<>();
        Channel server = served(SlotListener.serve(echoServer(), 0, WorkerEnv.of(Map.of()), hook::set));
        int bound = ((InetSocketAddress) server.localAddress()).getPort();
        assertTrue(bound > 0);
        try (java.net.Socket client = new java.net.Socket("127.0.0.1", bound)) {
            client.setSoTimeout(10_000);
            assertEquals("y\n", echo(client, "y\n"));
        }
        assertNull(hook.get());
    }

    private FakePrimary primary(FakePrimary.Answer answer) throws InterruptedException {
        FakePrimary primary = new FakePrimary(group, workerSocket, listener.intValue(), answer);
        closeLater.add(primary);
        return primary;
    }

    private WorkerEnv handoffEnv() {
        return WorkerEnv.of(Map.of(WorkerEnv.SOCKET, workerSocket.toString(), WorkerEnv.SLOT, "0",
                WorkerEnv.GENERATION, "4", WorkerEnv.LISTEN, "handoff", WorkerEnv.PORT, Integer.toString(port)));
    }

    private Channel served(ChannelFuture future) throws InterruptedException {
        Channel channel = future.channel();
        closeLater.add(() -> channel.close().sync());
        future.sync();
        return channel;
    }

    private ServerBootstrap echoServer() {
        return new ServerBootstrap().group(group).childHandler(new Echo());
    }

    private java.net.Socket client() throws IOException {
        java.net.Socket client = new java.net.Socket("127.0.0.1", port);
        client.setSoTimeout(10_000);
        return client;
    }

    private static String echo(java.net.Socket client, String text) throws IOException {
        client.getOutputStream().write(text.getBytes(StandardCharsets.US_ASCII));
        client.getOutputStream().flush();
        return read(client.getInputStream(), text.length());
    }

    private static String read(InputStream in, int length) throws IOException {
        return new String(in.readNBytes(length), StandardCharsets.US_ASCII);
    }

    @ChannelHandler.Sharable
    private static final class Echo extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.writeAndFlush(msg);
        }
    }

    @ChannelHandler.Sharable
    private static final class CountingHandler extends ChannelInboundHandlerAdapter {
        private final AtomicInteger accepted;

        CountingHandler(AtomicInteger accepted) {
            this.accepted = accepted;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            accepted.incrementAndGet();
            ctx.fireChannelRead(msg);
        }
    }
}
