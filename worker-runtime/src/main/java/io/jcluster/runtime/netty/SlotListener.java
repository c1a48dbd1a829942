package io.jcluster.runtime.netty;

import io.jcluster.runtime.DrainHook;
import io.jcluster.runtime.JCluster;
import io.jcluster.runtime.WorkerEnv;
import io.jcluster.runtime.metrics.WorkerMetrics;
import io.jcluster.runtime.wire.MessageTypes;
import io.jcluster.runtime.wire.Wire;
import io.jcluster.runtime.wire.WireMessage;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.DomainSocketReadMode;
import io.netty.channel.unix.FileDescriptor;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.Promise;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Serves a netty server on its jcluster slot.
 *
 * <p>Under jcluster with {@code JCLUSTER_LISTEN=handoff} (the default), the worker does not bind
 * the port: it receives its slot's listening socket from the primary and serves that, so the
 * socket and its accept queue outlive the worker (reloads and crashes lose no connection). With
 * {@code JCLUSTER_LISTEN=self}, or when the app runs on its own, it binds the port with
 * {@code SO_REUSEPORT}. Either way it installs a drain hook that closes this worker's copy of the
 * listener and waits for the open connections to finish. A managed worker also reports the server's
 * figures with its heartbeats (open connections, event-loop lag, HTTP requests and latency) and sheds
 * load when {@code [overload]} is configured: see {@link HttpInstrumentation}.
 *
 * <pre>{@code
 * EventLoopGroup group = new MultiThreadIoEventLoopGroup(EpollIoHandler.newFactory());
 * ServerBootstrap b = new ServerBootstrap().group(group).childHandler(new MyInitializer());
 * SlotListener.serve(b, 8080).sync();
 * JCluster.ready();
 * }</pre>
 *
 * <p>Needs netty's native epoll transport and an epoll event loop group.
 */
public final class SlotListener {

    /**
     * How long a worker waits for the primary to hand over the slot's listener. A primary that is gone
     * closes the connection, which fails the request at once: this bounds only a live primary that is
     * slow to answer, as on a loaded machine (a 2-core CI run saw more than 10 s).
     */
    public static final Duration LISTENER_TIMEOUT = Duration.ofSeconds(60);

    private SlotListener() {
    }



    /**
     * Serves {@code bootstrap} on this worker's slot: registers it on the handed-off listener, or
     * binds the port ({@code JCLUSTER_PORT} when managed, else {@code fallbackPort}) with
     * {@code SO_REUSEPORT}. Sets the bootstrap's channel; wraps its {@code handler} (if any) after a
     * {@link ConnectionTracker}; installs the drain hook with {@link JCluster#onDrain} when managed,
     * and wraps its {@code childHandler} to add jcluster's HTTP handlers after the app's codec
     * ({@link HttpInstrumentation}). Blocks (at most {@link #LISTENER_TIMEOUT}) only while asking the primary for the listener.
     *
     * @return the future of the register (handoff) or bind (self) operation
     * @throws UncheckedIOException  if the primary does not hand over the listener
     * @throws IllegalStateException if netty's native epoll transport is not available
     */
    public static ChannelFuture serve(ServerBootstrap bootstrap, int fallbackPort) {
        return serve(bootstrap, fallbackPort, WorkerEnv.system(), JCluster::onDrain);
    }

    /** {@link #serve(ServerBootstrap, int)} with its environment and drain registry given; for tests. */
    static ChannelFuture serve(ServerBootstrap bootstrap, int fallbackPort, WorkerEnv env, Consumer<DrainHook> drainRegistry) {
        if (!Epoll.isAvailable()) {
            throw new IllegalStateException("jcluster's SlotListener needs netty's native epoll transport"
                    + " (netty-transport-native-epoll for this platform)", Epoll.unavailabilityCause());
        }
        ConnectionTracker tracker = connectionTracker();
        ChannelHandler appHandler = bootstrap.config().handler();
        bootstrap.handler(appHandler == null ? tracker : new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(tracker, appHandler);
            }
        });

        if (env.isManaged()) {
            instrument(bootstrap, tracker, env, WorkerMetrics.process(), LoopLagProbe.process());
        }

        ChannelFuture future;
        if (env.isManaged() && WorkerEnv.LISTEN_HANDOFF.equals(env.listen())) {
            int fd;
            try {
                // A warm spare waits here, without a limit, until the primary gives it a slot.
                fd = requestListenerFd(env.socket().orElseThrow(), env.slot(), env.generation(),
                        env.spare() ? Duration.ofMillis(Long.MAX_VALUE) : LISTENER_TIMEOUT);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            // The socket is already bound and listening: register it, never bind.
            bootstrap.channelFactory((ChannelFactory<ServerChannel>) () -> new EpollServerSocketChannel(fd));
            future = bootstrap.register();
        } else {
            int port = env.isManaged() ? env.port().orElse(fallbackPort) : fallbackPort;
            bootstrap.channel(EpollServerSocketChannel.class).option(EpollChannelOption.SO_REUSEPORT, true);
            future = bootstrap.bind(port);
        }
        Channel server = future.channel();
        if (env.isManaged()) {
            // Unmanaged apps never start JMX for a drain nobody will ask for.
            drainRegistry.accept(new DrainHook() {
                @Override
                public long drain(Duration timeout) throws InterruptedException {
                    return SlotListener.drain(server, tracker, timeout);
                }

                @Override
                public void handOver(Duration spread) {
                    SlotListener.handOver(server, tracker, spread);
                }
            });
        }
        return future;
    }

    /**
     * Reports this server's figures with the worker's heartbeats: open connections, the lag of its
     * child event loops, and, for HTTP/1.x, requests, latency and load shedding (see
     * {@link HttpInstrumentation}). Only for managed workers: an app on its own runs untouched.
     */
    static void instrument(ServerBootstrap bootstrap, ConnectionTracker tracker, WorkerEnv env,
                           WorkerMetrics metrics, LoopLagProbe probe) {
        metrics.connections(tracker::openConnections);
        ChannelHandler child = bootstrap.config().childHandler();
        if (child != null) {
            HttpInstrumentation http = new HttpInstrumentation(metrics, probe, OverloadShedder.Bounds.from(env));
            bootstrap.childHandler(http.around(child));
        }
        EventLoopGroup loops = bootstrap.config().childGroup() != null ? bootstrap.config().childGroup() : bootstrap.config().group();
        if (loops != null) {
            probe.watch(loops);
        }
        metrics.publish();
    }

    /**
     * A new connection counter; {@link #serve} installs one itself. For apps that build their own
     * server channel: add it to {@code ServerBootstrap.handler} (or first in the child pipeline).
     */
    public static ConnectionTracker connectionTracker() {
        return new ConnectionTracker();
    }

    /**
     * The slot's next worker warms up: close this worker's copy of the listener, so every new
     * connection goes to the next worker, and tell the open connections {@link ConnectionTracker#DRAINING}
     * one after another, spread over {@code spread}, so the next worker's share grows step by step.
     */
    static void handOver(Channel server, ConnectionTracker tracker, Duration spread) {
        server.close();
        tracker.fireDrainingSpread(spread);
    }

    /**
     * Closes this worker's copy of the listener (the primary keeps its own, so queued connections
     * wait for the next worker), tells open connections with {@link ConnectionTracker#DRAINING},
     * and waits for them to close.
     *
     * @return the connections still open at the timeout
     */
    static long drain(Channel server, ConnectionTracker tracker, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        server.close().await(timeout.toMillis());
        tracker.fireDraining();
        return tracker.awaitIdle(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
    }

    /**
     * Asks the primary at {@code workerSocket} for the listening socket of {@code slot}, and returns
     * its file descriptor, now owned by the caller. Uses a one-thread event loop of its own, shut
     * down before returning.
     *
     * @throws IOException if the primary cannot be reached, refuses (it then writes an
     *                     {@code error} frame and closes, see primary.log), or does not answer
     *                     within {@code timeout}
     */
    public static int requestListenerFd(Path workerSocket, int slot, long generation, Duration timeout) throws IOException {
        if (!Epoll.isAvailable()) {
            throw new IOException("cannot receive the listener: netty's native epoll transport is not available",
                    Epoll.unavailabilityCause());
        }
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1,
                new DefaultThreadFactory("jcluster-listener", true), EpollIoHandler.newFactory());
        Channel channel = null;
        try {
            Promise<Integer> fd = group.next().newPromise();
            String where = "the jcluster primary at " + workerSocket;
            Bootstrap bootstrap = new Bootstrap()
                    .group(group)
                    .channel(EpollDomainSocketChannel.class)
                    .option(EpollChannelOption.DOMAIN_SOCKET_READ_MODE, DomainSocketReadMode.FILE_DESCRIPTORS)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, Math.max(1, timeout.toMillis())))
                    .handler(new FdReceiver(fd, slot, where));
            WireMessage request = WireMessage.of(MessageTypes.LISTENER,
                    "slot", slot, "generation", generation, "pid", ProcessHandle.current().pid());
            ChannelFuture connect = bootstrap.connect(new DomainSocketAddress(workerSocket.toString()));
            channel = connect.channel();
            connect.addListener((ChannelFuture connected) -> {
                if (!connected.isSuccess()) {
                    fd.tryFailure(new IOException("cannot connect to " + where + ": " + connected.cause(), connected.cause()));
                    return;
                }
                connected.channel().writeAndFlush(Unpooled.wrappedBuffer(Wire.encode(request))).addListener(written -> {
                    if (!written.isSuccess()) {
                        fd.tryFailure(new IOException("cannot send the listener request to " + where, written.cause()));
                    }
                });
            });
            if (!fd.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                fd.tryFailure(new IOException("no listener for slot " + slot + " from " + where
                        + " within " + timeout.toMillis() + " ms"));
            }
            if (!fd.isSuccess()) {
                Throwable cause = fd.cause();
                throw cause instanceof IOException io ? io : new IOException(cause);
            }
            return fd.getNow();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for the listener of slot " + slot);
        } finally {
            if (channel != null) {
                channel.close().awaitUninterruptibly(1000);
            }
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).awaitUninterruptibly(1000);
        }
    }

    /** Completes the promise with the first file descriptor received; anything else is a refusal. */
    private static final class FdReceiver extends ChannelInboundHandlerAdapter {

        private final Promise<Integer> fd;
        private final int slot;
        private final String where;

        FdReceiver(Promise<Integer> fd, int slot, String where) {
            this.fd = fd;
            this.slot = slot;
            this.where = where;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof FileDescriptor received) {
                if (!fd.trySuccess(received.intValue())) {
                    // Late or extra: we gave up or already have one, so nobody would close it.
                    closeQuietly(received);
                }
                ctx.close();
            } else {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            fd.tryFailure(refused(null));
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // In FILE_DESCRIPTORS mode an error frame (bytes, no descriptor) surfaces as a read error.
            fd.tryFailure(refused(cause));
            ctx.close();
        }

        private IOException refused(Throwable cause) {
            return new IOException(where + " refused the listener request for slot " + slot
                    + " (see primary.log)", cause);
        }

        private static void closeQuietly(FileDescriptor descriptor) {
            try {
                descriptor.close();
            } catch (IOException e) {
                // nothing to do
            }
        }
    }
}
