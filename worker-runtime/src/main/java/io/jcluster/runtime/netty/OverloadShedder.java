package io.jcluster.runtime.netty;

import io.jcluster.runtime.WorkerEnv;
import io.jcluster.runtime.metrics.WorkerMetrics;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Load shedding: answers a request at once with {@code 503 Service Unavailable} and
 * {@code Retry-After} instead of queueing it, while the worker is overloaded, so that under
 * overload clients get a fast refusal (and can go elsewhere) rather than a timeout for everyone.
 *
 * <p>Overloaded means: the requests in flight in the worker ({@link WorkerMetrics#inflight()}) have
 * reached {@link Bounds#maxInflight()}, or the event loop of the connection lags more than
 * {@link Bounds#maxLagNanos()} ({@link LoopLagProbe}). A shed request never reaches the app and is
 * not a request in the figures; it counts in {@link WorkerMetrics#shed()}. Its body, if any, is
 * discarded; the connection stays open when the request allows keep-alive. A request that arrives
 * while an earlier one on the same connection is unanswered (HTTP pipelining) is never shed, so
 * responses stay in order.
 *
 * <p>Goes right after the HTTP codec, before {@link HttpMetricsHandler} ({@link HttpInstrumentation}
 * puts it there when bounds are configured). One instance per connection, on its event loop.
 */
public final class OverloadShedder extends ChannelDuplexHandler {

    /** Seconds clients are asked to wait before trying again. */
    public static final int RETRY_AFTER_SECONDS = 1;
    private static final byte[] BODY = "overloaded: try again later\n".getBytes(StandardCharsets.UTF_8);

    /**
     * When to shed.
     *
     * @param maxInflight shed while this many requests are in flight in the worker; 0 = never
     * @param maxLagNanos shed while the connection's event loop lags more than this; 0 = never
     */
    public record Bounds(long maxInflight, long maxLagNanos) {
        /** Never sheds. */
        public static final Bounds OFF = new Bounds(0, 0);

        public Bounds {
            maxInflight = Math.max(0, maxInflight);
            maxLagNanos = Math.max(0, maxLagNanos);
        }

        /** The bounds the primary configured ({@code [overload]}), from the worker's environment. */
        public static Bounds from(WorkerEnv env) {
            return new Bounds(env.overloadMaxInflight(), TimeUnit.MILLISECONDS.toNanos(env.overloadMaxLagMillis()));
        }

        /** Whether any bound is set. */
        public boolean enabled() {
            return maxInflight > 0 || maxLagNanos > 0;
        }
    }

    private final WorkerMetrics metrics;
    private final LoopLagProbe probe;
    private final Bounds bounds;
    private final ResponseEnds ends = new ResponseEnds();
    private LoopLagProbe.Loop loop;
    /** Admitted requests of this connection not answered yet. */
    private int unanswered;
    private boolean discarding;

    public OverloadShedder(WorkerMetrics metrics, LoopLagProbe probe, Bounds bounds) {
        this.metrics = metrics;
        this.probe = probe;
        this.bounds = bounds;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest request) {
            if (unanswered == 0 && overloaded(ctx)) {
                discarding = !(msg instanceof LastHttpContent);
                boolean keepAlive = HttpUtil.isKeepAlive(request);
                ReferenceCountUtil.release(msg);
                shed(ctx, request, keepAlive);
                return;
            }
            unanswered++;
        } else if (discarding && msg instanceof HttpContent) {
            discarding = !(msg instanceof LastHttpContent);
            ReferenceCountUtil.release(msg);
            return;
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (unanswered > 0 && ends.isFinalEnd(msg)) {
            unanswered--;
        }
        ctx.write(msg, promise);
    }

    private boolean overloaded(ChannelHandlerContext ctx) {
        if (bounds.maxInflight() > 0 && metrics.inflight() >= bounds.maxInflight()) {
            return true;
        }
        if (bounds.maxLagNanos() > 0) {
            if (loop == null) {
                loop = probe.loop(ctx.channel().eventLoop());
            }
            return loop != null && loop.lagNanos() > bounds.maxLagNanos();
        }
        return false;
    }

    private void shed(ChannelHandlerContext ctx, HttpRequest request, boolean keepAlive) {
        metrics.shed();
        FullHttpResponse response = new DefaultFullHttpResponse(request.protocolVersion(),
                HttpResponseStatus.SERVICE_UNAVAILABLE, Unpooled.wrappedBuffer(BODY));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN + "; charset=utf-8")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, BODY.length)
                .setInt(HttpHeaderNames.RETRY_AFTER, RETRY_AFTER_SECONDS);
        HttpUtil.setKeepAlive(response, keepAlive);
        if (keepAlive) {
            ctx.writeAndFlush(response, ctx.voidPromise());
        } else {
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
