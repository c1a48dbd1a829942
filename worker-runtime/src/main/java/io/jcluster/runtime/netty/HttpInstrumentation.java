package io.jcluster.runtime.netty;

import io.jcluster.runtime.WorkerEnv;
import io.jcluster.runtime.metrics.WorkerMetrics;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpServerCodec;
import java.util.Map;

/**
 * Puts jcluster's HTTP handlers into a connection's pipeline, right after the app's HTTP codec:
 * the {@link HttpDrain} (clean keep-alive ends when the worker drains), the
 * {@link OverloadShedder} when {@code [overload]} bounds are configured, then the
 * {@link HttpMetricsHandler}. {@link SlotListener#serve} does it for every connection of a managed
 * worker, after the app's own child handler has built the pipeline, so an app needs no code for its
 * requests per second, latency and shedding. Apps that add their codec later (after a protocol
 * negotiation, say) call {@link #install(ChannelPipeline)} once it is there.
 *
 * <p>A pipeline without an HTTP/1.x server codec is left alone.
 */
public final class HttpInstrumentation {

    /** Name of the shedder in the pipeline. */
    public static final String SHEDDER = "jcluster-overload";
    /** Name of the drain handler in the pipeline. */
    public static final String DRAIN = "jcluster-http-drain";
    /** Name of the metrics handler in the pipeline. */
    public static final String METRICS = "jcluster-http-metrics";

    private final WorkerMetrics metrics;
    private final LoopLagProbe probe;
    private final OverloadShedder.Bounds bounds;

    HttpInstrumentation(WorkerMetrics metrics, LoopLagProbe probe, OverloadShedder.Bounds bounds) {
        this.metrics = metrics;
        this.probe = probe;
        this.bounds = bounds;
    }

    /** Instrumentation for this worker: its figures, its loop probe, and the bounds from its environment. */
    public static HttpInstrumentation forWorker() {
        return new HttpInstrumentation(WorkerMetrics.process(), LoopLagProbe.process(),
                OverloadShedder.Bounds.from(WorkerEnv.system()));
    }

    /** {@link #forWorker()}'s handlers into {@code pipeline}; see {@link #installInto}. */
    public static boolean install(ChannelPipeline pipeline) {
        return forWorker().installInto(pipeline);
    }

    /**
     * Adds the handlers after the last HTTP server codec of {@code pipeline} (an
     * {@link HttpServerCodec}, or an {@link HttpRequestDecoder}/{@link HttpResponseEncoder} pair),
     * once. Call it on the channel's event loop, or before the channel is registered.
     *
     * @return whether it found a codec (and the handlers are in)
     */
    public boolean installInto(ChannelPipeline pipeline) {
        if (pipeline.get(METRICS) != null) {
            return true;
        }
        String after = null;
        for (Map.Entry<String, ChannelHandler> e : pipeline) {
            ChannelHandler h = e.getValue();
            if (h instanceof HttpServerCodec || h instanceof HttpRequestDecoder || h instanceof HttpResponseEncoder) {
                after = e.getKey();
            }
        }
        if (after == null) {
            return false;
        }
        metrics.httpServer();
        pipeline.addAfter(after, DRAIN, new HttpDrain());
        after = DRAIN;
        if (bounds.enabled()) {
            pipeline.addAfter(after, SHEDDER, new OverloadShedder(metrics, probe, bounds));
            after = SHEDDER;
        }
        pipeline.addAfter(after, METRICS, new HttpMetricsHandler(metrics));
        return true;
    }

    /**
     * A child handler that runs {@code appHandler} (the app's own initializer) and then
     * {@link #installInto} on the pipeline it built.
     */
    ChannelHandler around(ChannelHandler appHandler) {
        return new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                // The channel is registered here, so the app's initializer runs inside addLast.
                ch.pipeline().addLast(appHandler);
                installInto(ch.pipeline());
            }
        };
    }
}
