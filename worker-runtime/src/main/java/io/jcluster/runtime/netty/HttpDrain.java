package io.jcluster.runtime.netty;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Ends an HTTP/1.1 connection cleanly when its worker drains: a request under way (or the next
 * one, for a client that is about to send it) is answered with {@code Connection: close} and the
 * connection closes after that answer; a connection that stays idle for {@link #IDLE_GRACE_MILLIS}
 * is closed. Clients see no failed request, only a connection to reopen — on the next worker.
 *
 * <p>Sits right after the server codec, one instance per connection, all on its event loop.
 * {@link SlotListener#serve} installs it when it finds netty's HTTP codec in a child pipeline.
 */
final class HttpDrain extends ChannelDuplexHandler {
    static final long IDLE_GRACE_MILLIS = 1000;

    private int inflight;
    private boolean draining;
    private ScheduledFuture<?> idleClose;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (msg instanceof HttpRequest) {
            inflight++;
            if (idleClose != null) {
                idleClose.cancel(false);
                idleClose = null;
            }
        }
        super.channelRead(ctx, msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        if (draining && msg instanceof HttpResponse response) {
            HttpUtil.setKeepAlive(response, false);
        }
        if (msg instanceof LastHttpContent) {
            inflight = Math.max(0, inflight - 1);
            if (draining && inflight == 0) {
                promise = promise.unvoid();
                promise.addListener(ChannelFutureListener.CLOSE);
            }
        }
        super.write(ctx, msg, promise);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt == ConnectionTracker.DRAINING && !draining) {
            draining = true;
            if (inflight == 0) {
                idleClose = ctx.executor().schedule(() -> {
                    if (inflight == 0) ctx.close();
                }, IDLE_GRACE_MILLIS, TimeUnit.MILLISECONDS);
            }
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (idleClose != null) idleClose.cancel(false);
        super.channelInactive(ctx);
    }
}
