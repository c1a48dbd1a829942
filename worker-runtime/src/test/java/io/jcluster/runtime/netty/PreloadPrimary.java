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
}
