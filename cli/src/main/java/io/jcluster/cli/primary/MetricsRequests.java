package io.jcluster.cli.primary;

import io.jcluster.cli.control.ControlReply;
import io.jcluster.cli.control.RecordJson;

import io.jcluster.cli.config.ConfigTables;
import io.jcluster.cli.metrics.AppMetrics;
import io.jcluster.cli.metrics.AppSnapshot;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * The control socket's figures: {@code ls} (the app and its latest snapshot), {@code metrics} (the
 * latest snapshot and the last minute of totals, once or as a stream) and {@code describe} (the config in force, the app, its latest snapshot and
 * recent exits).
 */
final class MetricsRequests {
    /** How much of the history a {@code metrics} answer carries: what {@code top}'s sparkline shows. */
    static final Duration HISTORY = Duration.ofMinutes(1);

    private MetricsRequests() {}

    /** The answer to a {@code metrics} request that is not a stream. */
    static CompletableFuture<ControlReply> metrics(Primary primary) {
        AppMetrics m = primary.metrics();
        return CompletableFuture.completedFuture(
                new ControlReply(true, null, null, null, null, null, m.latest(), m.history(HISTORY), null, null));
    }

    /** The answer to {@code ls}: the app and its latest snapshot, what one {@code jcluster ls} line shows. */
    static CompletableFuture<ControlReply> ls(Primary primary) {
        AppMetrics m = primary.metrics();
        return primary.status().thenApply(status -> new ControlReply(true, null, null, status, null, null, m.latest(), null,
                null, null));
    }

    /** The answer to {@code describe}. */
    static CompletableFuture<ControlReply> describe(Primary primary) {
        AppMetrics m = primary.metrics();
        return primary.status().thenCompose(status -> primary.cacheStatus(status).thenApply(cache -> new ControlReply(true, null,
                null, status, null, null, m.latest(), null, ConfigTables.of(primary.config()), m.recentExits(), cache)));
    }

    /**
     * Turns {@code channel} into a stream: first the latest snapshot with the last minute of totals,
     * then one line per snapshot until the client closes it. A client that does not keep up misses
     * snapshots rather than making the primary buffer them.
     */
    static void stream(Channel channel, AppMetrics metrics) {
        write(channel, new ControlReply(true, null, null, null, null, null, metrics.latest(), metrics.history(HISTORY), null, null));
        AutoCloseable subscription = metrics.subscribe(snapshot -> {
            if (channel.isActive()) channel.eventLoop().execute(() -> {
                if (channel.isWritable()) write(channel, line(snapshot));
            });
        });
        channel.closeFuture().addListener(closed -> subscription.close());
    }

    private static ControlReply line(AppSnapshot snapshot) {
        return new ControlReply(true, null, null, null, null, null, snapshot, null, null, null);
    }

    private static void write(Channel channel, ControlReply reply) {
        try {
            channel.writeAndFlush(channel.alloc().buffer().writeBytes(RecordJson.bytes(reply)).writeByte('\n'))
                    .addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
        } catch (IOException e) {
            channel.close();
        }
    }
}
