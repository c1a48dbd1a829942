package io.jcluster.runtime.netty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcluster.runtime.metrics.WorkerMetrics;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * jcluster's HTTP handlers in a real pipeline (an {@link EmbeddedChannel} with netty's codec): what
 * they count, and when the shedder answers 503.
 */
class HttpInstrumentationTest {

    private final WorkerMetrics metrics = new WorkerMetrics();
    private final LoopLagProbe probe = new LoopLagProbe(metrics);

    /** An app handler that keeps the requests it gets (of every connection); the test answers them. */
    @io.netty.channel.ChannelHandler.Sharable
    private static final class App extends ChannelInboundHandlerAdapter {
        final List<HttpObject> got = new ArrayList<>();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            got.add((HttpObject) msg);
            ReferenceCountUtil.release(msg);
        }

        long requests() {
            return got.stream().filter(m -> m instanceof HttpRequest).count();
        }
    }

    private EmbeddedChannel channel(App app, OverloadShedder.Bounds bounds) {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.pipeline().addLast("codec", new HttpServerCodec()).addLast("app", app);
        assertTrue(new HttpInstrumentation(metrics, probe, bounds).installInto(ch.pipeline()));
        return ch;
    }

    private static void request(EmbeddedChannel ch, String head) {
        ch.writeInbound(Unpooled.copiedBuffer(head, StandardCharsets.US_ASCII));
    }

    private static String response(EmbeddedChannel ch) {
        StringBuilder s = new StringBuilder();
        ByteBuf b;
        while ((b = ch.readOutbound()) != null) {
            s.append(b.toString(StandardCharsets.US_ASCII));
            b.release();
        }
        return s.toString();
    }

    private static FullHttpResponse ok() {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                Unpooled.copiedBuffer("ok", StandardCharsets.US_ASCII));
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 2);
        return r;
    }

    @Test
    void handlersGoRightAfterTheCodecInOrderAndOnce() {
        EmbeddedChannel ch = channel(new App(), new OverloadShedder.Bounds(10, 0));
        assertEquals(List.of("codec", HttpInstrumentation.DRAIN, HttpInstrumentation.SHEDDER, HttpInstrumentation.METRICS, "app"),
                ch.pipeline().names().subList(0, 5));
        assertTrue(new HttpInstrumentation(metrics, probe, OverloadShedder.Bounds.OFF).installInto(ch.pipeline()));
        assertEquals(5, ch.pipeline().names().size() - 1, "installed once (the last name is the tail)");

        EmbeddedChannel off = channel(new App(), OverloadShedder.Bounds.OFF);
        assertNull(off.pipeline().get(HttpInstrumentation.SHEDDER), "no shedder unless [overload] sets a bound");

        EmbeddedChannel plain = new EmbeddedChannel(new App());
        assertFalse(new HttpInstrumentation(metrics, probe, OverloadShedder.Bounds.OFF).installInto(plain.pipeline()),
                "no HTTP codec, nothing to instrument");
        assertNull(plain.pipeline().get(HttpInstrumentation.METRICS));
    }

    @Test
    void countsAndTimesEveryExchangeIncludingPipelinedOnes() {
        App app = new App();
        EmbeddedChannel ch = channel(app, OverloadShedder.Bounds.OFF);
        request(ch, "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n");
        assertEquals(2, app.requests());
        assertEquals(2, metrics.inflight());

        // A 100 Continue is not the answer; a response in parts ends with its last content.
        ch.writeOutbound(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
        assertEquals(2, metrics.inflight());
        ch.writeOutbound(new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK));
        assertEquals(2, metrics.inflight());
        ch.writeOutbound(new DefaultLastHttpContent());
        assertEquals(1, metrics.inflight());
        ch.writeOutbound(ok());
        assertEquals(0, metrics.inflight());
        response(ch);

        Map<String, Long> f = metrics.figures();
        assertEquals(2L, f.get(WorkerMetrics.REQUESTS));
        assertTrue(f.containsKey(WorkerMetrics.LATENCY + ".max"), f::toString);

        request(ch, "GET /c HTTP/1.1\r\nHost: x\r\n\r\n");
        assertEquals(1, metrics.inflight());
        ch.close();
        assertEquals(0, metrics.inflight(), "a request whose connection closed is no longer in flight");
        assertEquals(2L, metrics.figures().get(WorkerMetrics.REQUESTS), "and it was never answered");
    }

    @Test
    void shedsWithAFast503WhileTooManyRequestsAreInFlight() {
        App app = new App();
        OverloadShedder.Bounds bounds = new OverloadShedder.Bounds(1, 0);
        EmbeddedChannel first = channel(app, bounds);
        EmbeddedChannel second = channel(app, bounds);
        request(first, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        assertEquals(1, metrics.inflight());

        request(second, "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhel");
        String refused = response(second);
        assertTrue(refused.startsWith("HTTP/1.1 503 Service Unavailable\r\n"), refused);
        assertTrue(refused.contains("retry-after: 1\r\n"), refused);
        assertTrue(refused.endsWith("overloaded: try again later\n"), refused);
        request(second, "lo");
        assertEquals(1, app.requests(), "the shed request and its body never reach the app");
        assertTrue(second.isOpen(), "keep-alive: the connection stays");

        first.writeOutbound(ok());
        response(first);
        request(second, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        assertEquals(2, app.requests(), "below the bound again: admitted");
        assertEquals(1L, metrics.figures().get(WorkerMetrics.SHED));

        // Over the bound, a request that asks to close gets its 503 and the connection closes.
        EmbeddedChannel third = channel(app, bounds);
        request(third, "GET / HTTP/1.0\r\n\r\n");
        assertTrue(response(third).startsWith("HTTP/1.0 503"));
        assertFalse(third.isOpen());
    }

    @Test
    void neverShedsBehindAnUnansweredRequestOfTheSameConnection() {
        App app = new App();
        EmbeddedChannel ch = channel(app, new OverloadShedder.Bounds(1, 0));
        request(ch, "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n");
        assertEquals(2, app.requests(), "pipelined: answering /b before /a would break the order");
        assertEquals("", response(ch));
    }

    @Test
    void shedsWhileTheConnectionsLoopLags() throws Exception {
        App app = new App();
        EmbeddedChannel ch = channel(app, new OverloadShedder.Bounds(0, 50_000_000));
        probe.add(ch.eventLoop()); // no timer thread: the embedded loop is not thread-safe, the test probes
        request(ch, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        assertEquals(1, app.requests(), "no lag yet");
        ch.writeOutbound(ok());
        response(ch);

        probe.probeAll();
        Thread.sleep(300); // the embedded loop runs tasks only when asked: the probe has waited 300 ms
        request(ch, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        assertTrue(response(ch).startsWith("HTTP/1.1 503"));
        assertEquals(1, app.requests());

        ch.runPendingTasks(); // the probe runs, late, and records its lag
        assertTrue(probe.lagNanos(ch.eventLoop()) >= 50_000_000L);
        Map<String, Long> f = metrics.figures();
        assertTrue(f.get(WorkerMetrics.LAG + ".max") >= 50_000, f::toString);
    }

    @Test
    void theWrapperInstrumentsWhatTheAppsInitializerBuilt() {
        App app = new App();
        HttpInstrumentation http = new HttpInstrumentation(metrics, probe, OverloadShedder.Bounds.OFF);
        EmbeddedChannel ch = new EmbeddedChannel(http.around(new io.netty.channel.ChannelInitializer<>() {
            @Override
            protected void initChannel(io.netty.channel.Channel c) {
                c.pipeline().addLast(new HttpServerCodec(), app);
            }
        }));
        assertInstanceOf(HttpMetricsHandler.class, ch.pipeline().get(HttpInstrumentation.METRICS));
        request(ch, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        assertEquals(1, metrics.inflight());
        assertInstanceOf(HttpContent.class, app.got.get(1));
        assertTrue(app.got.get(1) instanceof LastHttpContent);
    }
}
