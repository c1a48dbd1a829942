package io.jcluster.runtime.netty;

import io.jcluster.runtime.wire.Wire;
import io.jcluster.runtime.wire.WireMessage;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.FileDescriptor;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * workers.sock as the primary answers the preload library: {@code bind} gets the slot socket (or an
 * error, when refusing) and a close; {@code conns} opens the session, on which {@link #drain()} sends
 * {@code drain}. Every frame received is queued.
 */
final class PreloadPrimary implements AutoCloseable {
    final BlockingQueue<WireMessage> frames = new LinkedBlockingQueue<>();
    private final Channel server;
    private volatile Channel session;

    PreloadPrimary(EventLoopGroup group, Path socket, int slotFd, String refusal) throws InterruptedException {
        server = new ServerBootstrap()
                .group(group)
                .channel(EpollServerDomainSocketChannel.class)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(
                                new LengthFieldBasedFrameDecoder(Wire.MAX_FRAME + 4, 0, 4, 0, 4),
                                new SimpleChannelInboundHandler<ByteBuf>() {
                                    @Override
                                    protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) throws Exception {
                                        WireMessage m = Wire.decodePayload(ByteBufUtil.getBytes(frame));
                                        frames.add(m);
                                        switch (m.type()) {
                                            case "bind" -> {
                                                if (refusal == null) {
                                                    ctx.writeAndFlush(new FileDescriptor(slotFd)).addListener(ChannelFutureListener.CLOSE);
                                                } else {
                                                    ctx.writeAndFlush(Unpooled.wrappedBuffer(Wire.encode(WireMessage.of("error", "message", refusal))))
                                                            .addListener(ChannelFutureListener.CLOSE);
                                                }
                                            }
                                            case "conns" -> session = ctx.channel();
                                            default -> { }
                                        }
                                    }
                                });
                    }
                })
                .bind(new DomainSocketAddress(socket.toString()))
                .sync()
                .channel();
    }

    /** Sends {@code drain} on the library's session; false when it has none yet. */
    boolean drain() {
        Channel s = session;
        if (s == null) return false;
        s.writeAndFlush(Unpooled.wrappedBuffer(Wire.encode(WireMessage.of("drain", "timeoutMillis", 5000))));
        return true;
    }

    @Override
    public void close() throws InterruptedException {
        server.close().sync();
        Channel s = session;
        if (s != null) s.close().sync();
    }

    /** Compiles the C program {@code src/test/c/<source>} into {@code target/<name>}, checking the library is built. */
    static java.nio.file.Path compile(java.nio.file.Path library, String source, String name) throws Exception {
        org.junit.jupiter.api.Assertions.assertTrue(java.nio.file.Files.isRegularFile(library), library + " is built by the compile phase");
        java.nio.file.Path exe = java.nio.file.Path.of("target", name).toAbsolutePath();
        Process cc = new ProcessBuilder("cc", "-Wall", "-o", exe.toString(), "src/test/c/" + source).redirectErrorStream(true).start();
        String out = new String(cc.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        org.junit.jupiter.api.Assertions.assertEquals(0, cc.waitFor(), "cc: " + out);
        return exe;
    }

    /** The primary's slot socket on {@code port}, as SlotSocket opens it: reuseport, non-blocking, listening. */
    static io.netty.channel.unix.Socket slotSocket(int port) throws java.io.IOException {
        io.netty.channel.unix.Socket slot = io.netty.channel.unix.Socket.newSocketStream();
        slot.setReuseAddress(true);
        slot.setReusePort(true);
        slot.bind(new java.net.InetSocketAddress("0.0.0.0", port));
        slot.listen(128);
        return slot;
    }

    /** A port free now. */
    static int freePort() throws java.io.IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
