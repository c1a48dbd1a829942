package io.jcluster.runtime.netty;

import io.jcluster.runtime.metrics.WorkerMetrics;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpRequest;
import java.util.concurrent.TimeUnit;

/**
 * Times the HTTP/1.x exchanges of one connection: a request starts when its head is decoded and
 * ends when the app writes the last part of its final response (1xx responses do not end it).
 * Each exchange counts as a request, in flight until then, with its latency, in
 * {@link WorkerMetrics}. Pipelined requests are matched to responses in order.
 *
 * <p>Goes right after the HTTP codec ({@link HttpInstrumentation} puts it there). One instance per
 * connection; runs on the connection's event loop.
 */
public final class HttpMetricsHandler extends ChannelDuplexHandler {

    private final WorkerMetrics metrics;
    private final ResponseEnds ends = new ResponseEnds();
    /** Arrival times of the requests not answered yet, oldest first (a ring; almost always one). */
    private long[] started = new long[2];
    private int head;
    private int pending;

    public HttpMetricsHandler(WorkerMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest) {
            push(System.nanoTime());
            metrics.requestStarted();
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (pending > 0 && ends.isFinalEnd(msg)) {
            long micros = TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - pop());
            metrics.responded(micros);
        }
        ctx.write(msg, promise);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (pending > 0) {
            metrics.abandoned(pending);
            pending = 0;
        }
        ctx.fireChannelInactive();
    }

    private void push(long t) {
        if (pending == started.length) {
            long[] grown = new long[started.length * 2];
            for (int i = 0; i < pending; i++) {
                grown[i] = started[(head + i) % started.length];
            }
            started = grown;
            head = 0;
        }
        started[(head + pending) % started.length] = t;
        pending++;
    }

    private long pop() {
        long t = started[head];
        head = (head + 1) % started.length;
        pending--;
        return t;
    }
}
