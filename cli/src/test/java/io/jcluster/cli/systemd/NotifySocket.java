package io.jcluster.cli.systemd;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollDomainDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainDatagramPacket;
import io.netty.channel.unix.DomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Stands in for systemd in tests: a bound {@code AF_UNIX} datagram socket (netty's epoll domain
 * datagram channel) that keeps every datagram it receives, for {@code NOTIFY_SOCKET=} its {@link #name()}.
 */
public final class NotifySocket implements AutoCloseable {
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    private final BlockingQueue<String> received = new LinkedBlockingQueue<>();
    private final Channel channel;
    private final String name;

    /** Binds {@code name}: a path, or {@code @name} for the abstract namespace. */
    public NotifySocket(String name) throws InterruptedException {
        this.name = name;
        String bind = name.startsWith("@") ? "\0" + name.substring(1) : name;
        channel = new Bootstrap().group(group).channel(EpollDomainDatagramChannel.class)
                .handler(new SimpleChannelInboundHandler<DomainDatagramPacket>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, DomainDatagramPacket p) {
                        received.add(p.content().toString(StandardCharsets.UTF_8));
                    }
                })
                .bind(new DomainSocketAddress(bind)).sync().channel();
    }

    /** What {@code NOTIFY_SOCKET} says. */
    public String name() {
        return name;
    }

    /** The next datagram, or null when none comes within {@code wait}. */
    public String next(Duration wait) throws InterruptedException {
        return received.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The next datagram; fails the test when none comes within 5 s. */
    public String next() throws InterruptedException {
        String s = next(Duration.ofSeconds(5));
        if (s == null) throw new AssertionError("no datagram within 5s on " + name);
        return s;
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
