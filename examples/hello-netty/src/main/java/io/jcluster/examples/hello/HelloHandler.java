package io.jcluster.examples.hello;

import io.jcluster.runtime.JCluster;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Supplier;

/**
 * {@code GET /} answers the greeting; {@code GET /work?ms=N} holds the event loop for N ms, then
 * answers (see {@link #work}); any other path is 404, another method 405.
 * Keep-alive is honoured until the worker drains; from then on every response closes its
 * connection. Stateless, so one instance serves every connection.
 */
@ChannelHandler.Sharable
final class HelloHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

    static final String WORK = "/work";
    static final long DEFAULT_WORK_MILLIS = 10;
    static final long MAX_WORK_MILLIS = 10_000;

    private final Supplier<String> greetingText;
    /** Made at the first request: a warm spare learns its slot only once it takes one, after its start. */
    private volatile byte[] greeting;

    HelloHandler(Supplier<String> greeting) {
        this.greetingText = greeting;
    }

    private byte[] greeting() {
        byte[] g = greeting;
        if (g == null) {
            g = greetingText.get().getBytes(StandardCharsets.UTF_8);
            greeting = g;
        }
        return g;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        if (!request.decoderResult().isSuccess()) {
            respond(ctx, request, text(HttpResponseStatus.BAD_REQUEST, "bad request\n"), false);
            return;
        }
        QueryStringDecoder query = new QueryStringDecoder(request.uri());
        String path = query.path();
        FullHttpResponse response;
        if (WORK.equals(path) && HttpMethod.GET.equals(request.method())) {
            response = work(query);
        } else if (!"/".equals(path) && !WORK.equals(path)) {
            response = text(HttpResponseStatus.NOT_FOUND, "not found\n");
        } else if (!HttpMethod.GET.equals(request.method())) {
            response = text(HttpResponseStatus.METHOD_NOT_ALLOWED, "method not allowed\n");
            response.headers().set(HttpHeaderNames.ALLOW, HttpMethod.GET.name());
        } else {
            response = text(HttpResponseStatus.OK, greeting());
        }
        respond(ctx, request, response, HttpUtil.isKeepAlive(request) && !JCluster.isDraining());
    }

    /**
     * {@code GET /work?ms=N}: holds the connection's event loop for N ms (default 10, at most
     * {@value #MAX_WORK_MILLIS}), as a handler doing N ms of work on the event loop would. Every other
     * connection of that loop waits meanwhile: the way to overload a worker on purpose.
     */
    private static FullHttpResponse work(QueryStringDecoder query) {
        long ms = DEFAULT_WORK_MILLIS;
        List<String> values = query.parameters().get("ms");
        if (values != null && !values.isEmpty()) {
            try {
                ms = Long.parseLong(values.get(0));
            } catch (NumberFormatException e) {
                return text(HttpResponseStatus.BAD_REQUEST, "ms must be a whole number of milliseconds\n");
            }
        }
        if (ms < 0 || ms > MAX_WORK_MILLIS) {
            return text(HttpResponseStatus.BAD_REQUEST, "ms must be 0.." + MAX_WORK_MILLIS + "\n");
        }
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return text(HttpResponseStatus.OK, "worked " + ms + " ms\n");
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }

    private static void respond(ChannelHandlerContext ctx, FullHttpRequest request, FullHttpResponse response, boolean keepAlive) {
        response.setProtocolVersion(request.protocolVersion());
        HttpUtil.setKeepAlive(response, keepAlive);
        if (keepAlive) {
            ctx.writeAndFlush(response, ctx.voidPromise());
        } else {
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }

    private static FullHttpResponse text(HttpResponseStatus status, String body) {
        return text(status, body.getBytes(StandardCharsets.UTF_8));
    }

    private static FullHttpResponse text(HttpResponseStatus status, byte[] body) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(body));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN + "; charset=utf-8")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        return response;
    }
}
