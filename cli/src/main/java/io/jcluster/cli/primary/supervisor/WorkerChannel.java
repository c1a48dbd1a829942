package io.jcluster.cli.primary.supervisor;

import io.jcluster.cli.host.Peers;
import io.jcluster.cli.host.SocketFile;

import io.jcluster.runtime.wire.Wire;
import io.jcluster.runtime.wire.WireException;
import io.jcluster.runtime.wire.WireMessage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.DomainSocketChannel;
import io.netty.channel.unix.PeerCredentials;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.bootstrap.ServerBootstrap;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import io.jcluster.cli.config.Home;

/**
 * The primary's end of {@code workers.sock}: accepts agent and listener connections from workers,
 * checks the peer's uid, decodes frames and hands each message to {@link Events} on the I/O
 * thread. A connection that sends anything malformed is closed with a logged reason.
 */
public final class WorkerChannel implements AutoCloseable {
    /** What the primary does with worker traffic. Called on the netty I/O thread. */
    interface Events {
        void onMessage(Channel ch, long peerPid, WireMessage message);
        void onClosed(Channel ch);
    }

    /** A connection whose first frame has not arrived by then is closed: agents send hello at once. */
    static final long FIRST_FRAME_TIMEOUT_MS = 10_000;

    private final Channel server;
    private final SocketFile file;

    private WorkerChannel(Channel server, SocketFile file) {
        this.server = server;
        this.file = file;
    }

    public static WorkerChannel open(EventLoopGroup group, Path path, Events events, PrimaryLog log) throws IOException {
        Files.deleteIfExists(path);
        ServerBootstrap b = new ServerBootstrap()
                .group(group)
                .channel(EpollServerDomainSocketChannel.class)
                .childHandler(new ChannelInitializer<DomainSocketChannel>() {
                    @Override
                    protected void initChannel(DomainSocketChannel ch) {
                        ch.pipeline().addLast(
                                new LengthFieldBasedFrameDecoder(Wire.MAX_FRAME + 4, 0, 4, 0, 4),
                                new FrameHandler(events, log));
                    }
                });
        Channel server;
        try {
            server = b.bind(new DomainSocketAddress(path.toFile())).sync().channel();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while binding " + path, e);
        }
        Files.setPosixFilePermissions(path, Home.OWNER_RW);
        return new WorkerChannel(server, SocketFile.bound(path));
    }

    /** Sends {@code message} on a worker's connection. */
    public static void send(Channel ch, WireMessage message) {
        if (ch != null && ch.isActive()) {
            ch.writeAndFlush(ch.alloc().buffer().writeBytes(Wire.encode(message)));
        }
    }

    /** Where workers connect now. */
    Path path() {
        return file.path();
    }

    /** Renames this socket onto {@code target} in one step; workers already connected are not affected. */
    public void moveTo(Path target) throws IOException {
        file.moveTo(target);
    }

    @Override
    public void close() {
        server.close().awaitUninterruptibly();
        file.deleteIfOurs();
    }

    private static final class FrameHandler extends SimpleChannelInboundHandler<ByteBuf> {
        private final Events events;
        private final PrimaryLog log;
        private long peerPid;
        private boolean framed;

        FrameHandler(Events events, PrimaryLog log) {
            this.events = events;
            this.log = log;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            PeerCredentials c = Peers.of(ctx.channel());
            peerPid = c == null ? 0 : c.pid();
            if (Peers.admit(ctx, "workers.sock", line -> log.info("%s", line), () -> framed, FIRST_FRAME_TIMEOUT_MS,
                    " from pid " + peerPid + ": no whole frame")) {
                ctx.fireChannelActive();
            }
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) {
            framed = true;
            WireMessage message;
            try {
                message = Wire.decodePayload(ByteBufUtil.getBytes(frame));
            } catch (WireException e) {
                log.info("workers.sock: closed a connection from pid %d: bad frame: %s", peerPid, e.getMessage());
                ctx.close();
                return;
            }
            events.onMessage(ctx.channel(), peerPid, message);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            events.onClosed(ctx.channel());
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            String why = cause instanceof TooLongFrameException ? "frame over " + Wire.MAX_FRAME + " bytes"
                    : cause instanceof CorruptedFrameException ? "bad frame: " + cause.getMessage() : String.valueOf(cause);
            framed = true;
            log.info("workers.sock: closed a connection from pid %d: %s", peerPid, why);
            ctx.close();
        }
    }
}
