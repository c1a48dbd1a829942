package io.jcluster.cli.primary;

import io.jcluster.cli.control.BadRequestException;
import io.jcluster.cli.control.ControlReply;
import io.jcluster.cli.control.ControlRequest;
import io.jcluster.cli.control.HandOverReply;
import io.jcluster.cli.control.RecordJson;
import io.jcluster.cli.primary.supervisor.ChangeFailed;
import io.jcluster.cli.logs.PrimaryLog;

import io.jcluster.cli.config.Home;
import io.jcluster.cli.host.Peers;
import io.jcluster.cli.host.UnixServer;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.string.StringDecoder;
import io.netty.util.CharsetUtil;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;

/**
 * The primary's {@code control.sock}: JSON-line requests from the CLI of the same user (the peer's
 * uid is checked; the socket is 0600 in a 0700 directory). Bad requests get an error reply; bad
 * connections are closed with a logged reason; the app is never affected.
 */
public final class ControlServer implements AutoCloseable {
    private static final int MAX_LINE = 64 * 1024;
    /** A connection that has not sent a whole request line by then is closed: nothing legitimate is that slow. */
    static final long FIRST_REQUEST_TIMEOUT_MS = 10_000;

    private final UnixServer server;

    private ControlServer(UnixServer server) {
        this.server = server;
    }

    /** Serves {@code primary} on its app's control socket. */
    public static ControlServer open(Home home, Primary primary) throws IOException {
        String app = primary.config().name();
        ControlServer server = open(primary, home.ownSocket(app, "control", ProcessHandle.current().pid()));
        try {
            server.moveTo(home.controlSocket(app));
        } catch (IOException e) {
            server.close();
            throw new IOException("cannot put the control socket in place: " + e.getMessage(), e);
        }
        return server;
    }

    /**
     * Serves {@code primary} on {@code path}: a primary taking over ({@code jcluster upgrade}) serves a
     * socket of its own until {@link #moveTo} puts it in place of {@code control.sock}.
     */
    public static ControlServer open(Primary primary, Path path) throws IOException {
        // one netty thread for the worker channel and the control socket; a line past the limit
        // closes the connection at once (fail fast), not at its newline
        return new ControlServer(UnixServer.bind(primary.io(), path, ch -> ch.pipeline().addLast(
                new LineBasedFrameDecoder(MAX_LINE, true, true), new StringDecoder(CharsetUtil.UTF_8),
                new RequestHandler(primary, primary.log()))));
    }

    /** Renames this socket onto {@code target} in one step; connections made before are not affected. */
    void moveTo(Path target) throws IOException {
        server.moveTo(target);
    }

    /** Stops serving; deletes the socket file unless another primary's socket took its path since. */
    @Override
    public void close() {
        server.close();
    }

    private static final class RequestHandler extends SimpleChannelInboundHandler<String> {
        private final Primary primary;
        private final PrimaryLog log;
        private boolean requested;

        RequestHandler(Primary primary, PrimaryLog log) {
            this.primary = primary;
            this.log = log;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            if (Peers.admit(ctx, "control.sock", line -> log.info("%s", line), () -> requested, FIRST_REQUEST_TIMEOUT_MS, ": no request line")) {
                ctx.fireChannelActive();
            }
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, String line) {
            if (line.isBlank()) return;
            requested = true;
            ControlRequest request;
            try {
                request = ControlRequest.parse(line);
            } catch (BadRequestException e) {
                refuse(ctx, e.getMessage(), "not a control request (expected a JSON line like {\"command\":\"ls\"})");
                return;
            }
            String command = request.command();
            if (ControlRequest.METRICS.equals(command) && request.streaming()) {
                MetricsRequests.stream(ctx.channel(), primary.metrics());
                return;
            }
            Consumer<String> progress = step -> reply(ctx, ControlReply.step(step));
            if (ControlRequest.HAND_OVER.equals(command)) {
                primary.successors().handOver(ctx.channel()).whenComplete((offer, error) ->
                        write(ctx, error == null ? offer : HandOverReply.refused(String.valueOf(ChangeFailed.cause(error).getMessage()))));
                return;
            }
            if (ControlRequest.HAND_OVER_SOCKETS.equals(command)) {
                // on success the fds are the answer: the new primary reads descriptors, not lines, now
                primary.successors().sockets(ctx.channel()).whenComplete((v, error) -> {
                    if (error != null) reply(ctx, failure(error));
                });
                return;
            }
            CompletableFuture<ControlReply> answer = switch (command) {
                case ControlRequest.METRICS -> MetricsRequests.metrics(primary);
                case ControlRequest.DESCRIBE -> MetricsRequests.describe(primary);
                case ControlRequest.PING -> primary.status().thenApply(ControlReply::ok);
                case ControlRequest.LS -> MetricsRequests.ls(primary);
                case ControlRequest.AWAIT_READY -> primary.awaitReady().thenApply(ControlReply::ok);
                case ControlRequest.STOP -> primary.requestStop().thenApply(v -> new ControlReply(true, null, null, null));
                case ControlRequest.RELOAD -> primary.reload(progress).thenApply(ControlReply::ok);
                case ControlRequest.RESTART -> primary.restart(request.slot()).thenApply(ControlReply::ok);
                case ControlRequest.SIGNAL -> primary.signal(request.signal(), request.slot()).thenApply(ControlReply::ok);
                case ControlRequest.SCALE -> scale(request, progress);
                case ControlRequest.UPGRADE -> primary.upgrade(progress).thenApply(ControlReply::ok);
                case ControlRequest.CORDON -> primary.cordon(true).thenApply(ControlReply::ok);
                case ControlRequest.UNCORDON -> primary.cordon(false).thenApply(ControlReply::ok);
                case ControlRequest.RETIRE -> primary.successors().retire(ctx.channel(), progress).thenApply(v -> new ControlReply(true, null, null, null));
                default -> null;
            };
            if (answer == null) {
                refuse(ctx, "unknown command '" + abbreviate(command) + "'", "unknown command '" + abbreviate(command)
                        + "' (known: ping, ls, await-ready, stop, reload, restart, scale, metrics, describe, upgrade, cordon, uncordon)");
                return;
            }
            answer.whenComplete((reply, error) -> {
                if (error != null) reply = failure(error);
                reply(ctx, reply);
            });
        }

        private CompletableFuture<ControlReply> scale(ControlRequest request, Consumer<String> progress) {
            if (request.instances() != null) return primary.scale(request.instances(), progress).thenApply(ControlReply::ok);
            if (request.delta() == null) {
                return CompletableFuture.completedFuture(ControlReply.failed("scale needs instances or delta", null, 2));
            }
            return primary.status().thenCompose(s -> primary.scale(s.workers().size() + request.delta(), progress))
                    .thenApply(ControlReply::ok);
        }

        /** Answers a bad request with an error, logs why and closes the connection: the client is confused or hostile. */
        private void refuse(ChannelHandlerContext ctx, String why, String answer) {
            log.info("control.sock: closed a connection: %s", why);
            try {
                ctx.writeAndFlush(ctx.alloc().buffer().writeBytes(RecordJson.bytes(ControlReply.failed(answer, null, 2)))
                        .writeByte('\n')).addListener(ChannelFutureListener.CLOSE);
            } catch (IOException e) {
                ctx.close();
            }
        }

        private static String abbreviate(String s) {
            String cut = s.length() > 60 ? s.substring(0, 57) + "..." : s;
            return cut.replaceAll("\\p{Cntrl}", "?");
        }

        private static ControlReply failure(Throwable error) {
            Throwable e = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            if (e instanceof ChangeFailed f) return ControlReply.failed(f.getMessage(), f.lastLines(), f.exitCode());
            return ControlReply.failed(String.valueOf(e.getMessage()), List.of());
        }

        private void reply(ChannelHandlerContext ctx, ControlReply reply) {
            write(ctx, reply);
        }

        /**
         * Writes {@code reply} as a line; a reply that cannot be written closes the connection, so that
         * the client ends with an error instead of waiting (it runs in future callbacks, which would
         * swallow the throw).
         */
        private void write(ChannelHandlerContext ctx, Record reply) {
            try {
                ctx.writeAndFlush(ctx.alloc().buffer().writeBytes(RecordJson.bytes(reply)).writeByte('\n'));
            } catch (IOException | RuntimeException e) {
                log.error("control.sock: cannot write a " + reply.getClass().getSimpleName() + " reply; closing the connection", e);
                ctx.close();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            String why = cause instanceof TooLongFrameException ? "request line over " + MAX_LINE + " bytes" : String.valueOf(cause);
            requested = true;
            log.info("control.sock: closed a connection: %s", why);
            ctx.close();
        }
    }
}
