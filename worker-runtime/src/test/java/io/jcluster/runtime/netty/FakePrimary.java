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

/** The listener side of a primary's workers.sock: answers {@code listener} requests. */
final class FakePrimary implements AutoCloseable {

    enum Answer { FD, ERROR, SILENCE }

    final BlockingQueue<WireMessage> requests = new LinkedBlockingQueue<>();
    private final Channel server;

    FakePrimary(EventLoopGroup group, Path socket, int listenerFd, Answer answer) throws InterruptedException {
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
                                        requests.add(Wire.decodePayload(ByteBufUtil.getBytes(frame)));
                                        switch (answer) {
                                            // netty's sendFd: one SCM_RIGHTS message with one dummy byte.
                                            case FD -> ctx.writeAndFlush(new FileDescriptor(listenerFd));
                                            case ERROR -> ctx.writeAndFlush(Unpooled.wrappedBuffer(Wire.encode(
                                                            WireMessage.of("error", "message", "slot 0 belongs to another app"))))
                                                    .addListener(ChannelFutureListener.CLOSE);
                                            case SILENCE -> { }
                                        }
                                    }
                                });
                    }
                })
                .bind(new DomainSocketAddress(socket.toString()))
                .sync()
                .channel();
    }

    @Override
    public void close() throws InterruptedException {
        server.close().sync();
    }
}
