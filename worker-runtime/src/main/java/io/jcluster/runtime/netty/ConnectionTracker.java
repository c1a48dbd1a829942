package io.jcluster.runtime.netty;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ServerChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Counts a server's open connections, so a drain can wait for them to finish.
 *
 * <p>Best added to the <em>server</em> channel's pipeline ({@code ServerBootstrap.handler}), which
 * is what {@link SlotListener#serve} does: it then sees every accepted connection on the acceptor's
 * event loop before the connection is even registered, so once the server channel is closed no
 * connection can slip past the count. Added first in a child pipeline it counts connections when
 * they become active instead. Both at once count each connection once.
 *
 * <p>Thread-safe and {@link ChannelHandler.Sharable}.
 */
@ChannelHandler.Sharable
public final class ConnectionTracker extends ChannelInboundHandlerAdapter {

    /**
     * The user event fired on every open connection when the worker starts draining, after the
     * listener is closed: a handler can finish the request under way and close the connection
     * (e.g. answer with {@code Connection: close}) instead of waiting for the client to go.
     */
    public static final Object DRAINING = new Object() {
        @Override
        public String toString() {
            return "jcluster DRAINING";
        }
    };

    private final Set<Channel> open = ConcurrentHashMap.newKeySet();
    private final Object idle = new Object();

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (ctx.channel() instanceof ServerChannel && msg instanceof Channel child) {
            track(child);
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (!(ctx.channel() instanceof ServerChannel)) {
            track(ctx.channel());
        }
        ctx.fireChannelActive();
    }

    /** The number of connections open right now. */
    public int openConnections() {
        return open.size();
    }

    /** Fires {@link #DRAINING} on every open connection, each on its own event loop. */
    public void fireDraining() {
        for (Channel child : open) {
            child.pipeline().fireUserEventTriggered(DRAINING);
        }
    }

    /**
     * Fires {@link #DRAINING} on every open connection, each at its own moment within {@code spread}
     * from now (evenly, in random order), on its own event loop.
     */
    public void fireDrainingSpread(Duration spread) {
        List<Channel> children = new ArrayList<>(open);
        Collections.shuffle(children);
        long nanos = spread.toNanos();
        int n = children.size();
        for (int i = 0; i < n; i++) {
            Channel child = children.get(i);
            long delay = nanos * (i + 1) / n;
            child.eventLoop().schedule(() -> child.pipeline().fireUserEventTriggered(DRAINING), delay, TimeUnit.NANOSECONDS);
        }
    }

    /**
     * Waits until no connection is open, for at most {@code timeout}.
     *
     * @return the connections still open when it returned (0 when all closed)
     */
    public int awaitIdle(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (idle) {
            while (!open.isEmpty()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                TimeUnit.NANOSECONDS.timedWait(idle, left);
            }
        }
        return open.size();
    }

    private void track(Channel child) {
        if (open.add(child)) {
            child.closeFuture().addListener(closed -> {
                open.remove(child);
                synchronized (idle) {
                    if (open.isEmpty()) {
                        idle.notifyAll();
                    }
                }
            });
        }
    }
}
