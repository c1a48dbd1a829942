package io.jcluster.cli.primary.upgrade;

import io.jcluster.cli.config.AppConfig;
import io.jcluster.cli.config.Listen;
import io.jcluster.cli.control.ControlReply;
import io.jcluster.cli.control.ControlRequest;
import io.jcluster.cli.control.HandOverReply;
import io.jcluster.cli.control.RecordJson;
import io.jcluster.cli.primary.sockets.SlotSocket;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollDomainSocketChannelConfig;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.DomainSocketReadMode;
import io.netty.channel.unix.FileDescriptor;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.codec.string.StringDecoder;
import io.netty.util.CharsetUtil;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A new primary's connection to the primary it replaces ({@code jcluster upgrade}), on that one's
 * {@code control.sock}: the hand-over conversation of {@link HandOverReply}. The connection is the
 * lease: closing it before {@link #retire} tells the previous primary to carry on.
 *
 * <p>Threading: {@link #connect}, {@link #handOver} and {@link #sockets} block the calling thread
 * (the primary's main thread, before its loop runs); {@link #retire} and {@link #closed()} complete
 * on the netty thread.
 */
public final class PreviousPrimary implements AutoCloseable {
    /** How long a new primary waits for each answer of the running one during the hand-over. */
    public static final Duration TIMEOUT = Duration.ofSeconds(15);
    private static final Object CLOSED = new Object();

    private final Channel channel;
    private final BlockingQueue<Object> inbox;
    private final CompletableFuture<Void> closed = new CompletableFuture<>();

    private PreviousPrimary(Channel channel, BlockingQueue<Object> inbox) {
        this.channel = channel;
        this.inbox = inbox;
        channel.closeFuture().addListener(f -> closed.complete(null));
    }

    /** Connects to the primary serving {@code controlSocket}. */
    public static PreviousPrimary connect(EventLoopGroup io, Path controlSocket, Duration timeout) throws IOException {
        BlockingQueue<Object> inbox = new LinkedBlockingQueue<>();
        Bootstrap b = new Bootstrap().group(io).channel(EpollDomainSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) timeout.toMillis())
                .handler(new ChannelInitializer<EpollDomainSocketChannel>() {
                    @Override
                    protected void initChannel(EpollDomainSocketChannel ch) {
                        ch.pipeline().addLast(new LineBasedFrameDecoder(1 << 20), new StringDecoder(CharsetUtil.UTF_8), new Inbox(inbox));
                    }
                });
        var connect = b.connect(new DomainSocketAddress(controlSocket.toFile())).awaitUninterruptibly();
        if (!connect.isSuccess()) {
            throw new IOException("cannot connect to the running primary at " + controlSocket + ": " + connect.cause().getMessage(),
                    connect.cause());
        }
        return new PreviousPrimary(connect.channel(), inbox);
    }

    /** Asks for the app: the previous primary's answer, refused or not. */
    private HandOverReply handOver(Duration timeout) throws IOException {
        send(new ControlRequest(ControlRequest.HAND_OVER));
        Object line = take(timeout, "an answer to hand-over");
        if (!(line instanceof String s)) throw new IOException("the running primary answered hand-over with " + line);
        HandOverReply offer = RecordJson.read(s, HandOverReply.class);
        if (offer.protocol() == null) {
            // a primary older than the hand-over: a plain failed reply ("unknown command 'hand-over'")
            ControlReply reply = RecordJson.read(s, ControlReply.class);
            return HandOverReply.refused(reply.ok() ? "the running primary does not know the hand-over"
                    : String.valueOf(reply.error()).startsWith("unknown command") ? "the running primary predates jcluster upgrade ("
                    + reply.error() + "): stop and start the app instead" : String.valueOf(reply.error()));
        }
        return offer;
    }

    /** What the previous primary handed over: its answer, and its slot sockets in slot order (none with {@code listen = "self"}). */
    public record Handed(HandOverReply offer, List<SlotSocket> sockets) {}

    /**
     * Asks for the app that {@code config} describes and receives its slot sockets. Throws, with every
     * fd received closed again, when the previous primary refuses, speaks another protocol, or runs
     * the app with a port, host or listen mode that {@code config} would change.
     */
    public Handed take(AppConfig config, Duration timeout) throws IOException {
        HandOverReply offer = handOver(timeout);
        if (!offer.ok()) throw new IOException("the running primary refuses the hand-over: " + offer.error());
        if (offer.protocol() == null || offer.protocol() != HandOverReply.PROTOCOL) {
            throw new IOException("the running primary speaks hand-over protocol " + offer.protocol() + ", this jcluster "
                    + HandOverReply.PROTOCOL + ": stop and start the app instead");
        }
        String fixed = fixedKeysDiffer(config, offer);
        if (fixed != null) throw new IOException(fixed + "; nothing was changed");
        List<SlotSocket> sockets = new ArrayList<>();
        if (!Listen.HANDOFF.id().equals(offer.listen())) return new Handed(offer, sockets);
        List<Integer> fds = sockets(offer.slots(), timeout);
        try {
            for (int fd : fds) sockets.add(SlotSocket.adopt(fd));
        } catch (IOException | RuntimeException e) {
            for (int i = sockets.size(); i < fds.size(); i++) closeQuietly(fds.get(i));
            for (SlotSocket s : sockets) s.close();
            throw e;
        }
        return new Handed(offer, sockets);
    }

    /** Receives {@code n} slot sockets' fds (SCM_RIGHTS), in slot order; the caller owns them. */
    private List<Integer> sockets(int n, Duration timeout) throws IOException {
        EpollDomainSocketChannelConfig config = (EpollDomainSocketChannelConfig) channel.config();
        config.setReadMode(DomainSocketReadMode.FILE_DESCRIPTORS); // before asking: a descriptor read as bytes is lost
        List<Integer> fds = new ArrayList<>();
        try {
            send(new ControlRequest(ControlRequest.HAND_OVER_SOCKETS));
            while (fds.size() < n) {
                Object m = take(timeout, "slot socket " + fds.size() + " of " + n);
                if (!(m instanceof FileDescriptor fd)) throw new IOException("the running primary sent " + m + " instead of slot socket " + fds.size());
                fds.add(fd.intValue());
            }
            return fds;
        } catch (IOException | RuntimeException e) {
            for (int fd : fds) closeQuietly(fd);
            throw e;
        } finally {
            config.setReadMode(DomainSocketReadMode.BYTES);
        }
    }

    /**
     * Tells the previous primary to retire: {@code released} runs once it has stopped steering,
     * {@code done} completes once its workers are gone (or fails when the connection closes first).
     */
    void retire(Runnable released, CompletableFuture<Void> done) {
        ((Inbox) channel.pipeline().last()).into(m -> {
            if (m == CLOSED || m instanceof Throwable) {
                done.completeExceptionally(new IOException("the previous primary closed the connection before its workers were gone"));
                return;
            }
            try {
                ControlReply reply = RecordJson.read((String) m, ControlReply.class);
                if (reply.progress() != null) released.run();
                else if (reply.ok()) done.complete(null);
                else done.completeExceptionally(new IOException(reply.error()));
            } catch (IOException | RuntimeException e) {
                done.completeExceptionally(e);
            }
        });
        try {
            byte[] line = (RecordJson.write(new ControlRequest(ControlRequest.RETIRE)) + "\n").getBytes(StandardCharsets.UTF_8);
            channel.writeAndFlush(channel.alloc().buffer(line.length).writeBytes(line)).addListener(written -> { // called on the loop: no waiting
                if (!written.isSuccess()) done.completeExceptionally(new IOException("cannot ask the previous primary to retire", written.cause()));
            });
        } catch (IOException e) {
            done.completeExceptionally(e);
        }
    }

    /** Completes when the connection has closed (the previous primary exited, or either side gave up). */
    CompletableFuture<Void> closed() {
        return closed;
    }

    private void send(ControlRequest request) throws IOException {
        byte[] line = (RecordJson.write(request) + "\n").getBytes(StandardCharsets.UTF_8);
        var written = channel.writeAndFlush(channel.alloc().buffer(line.length).writeBytes(line)).awaitUninterruptibly();
        if (!written.isSuccess()) throw new IOException("cannot write to the running primary: " + written.cause(), written.cause());
    }

    private Object take(Duration timeout, String what) throws IOException {
        Object m;
        try {
            m = inbox.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for " + what);
        }
        if (m == null) throw new IOException("the running primary sent no " + what + " within " + timeout.toSeconds() + "s");
        if (m == CLOSED) throw new IOException("the running primary closed the connection instead of sending " + what);
        if (m instanceof Throwable t) throw new IOException("reading " + what + " failed: " + t.getMessage(), t);
        return m;
    }

    /** Closes the lease: before {@link #retire}, the previous primary carries on. */
    @Override
    public void close() {
        channel.close().awaitUninterruptibly(2000);
    }

    private static void closeQuietly(int fd) {
        try {
            new FileDescriptor(fd).close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }

    /** Why {@code config} cannot take over the app {@code offer} describes (a key only stop and start change), or null. */
    private static String fixedKeysDiffer(AppConfig config, HandOverReply offer) {
        if (config.severalPorts()) return "the config gives ports " + config.portsText() + ", and jcluster upgrade takes over"
                + " apps of one port only: stop and start the app to run it on the new jcluster";
        if (offer.port() != null && offer.port() != config.port()) return "the config's port is " + config.port()
                + " but the app runs on " + offer.port() + ": an upgrade keeps the port; stop and start the app to move it";
        if (offer.host() != null && !offer.host().equals(config.host())) return "the config's host is " + config.host()
                + " but the app is bound to " + offer.host() + ": stop and start the app to change it";
        if (offer.listen() != null && !offer.listen().equals(config.listen().id())) return "the config says listen=" + config.listen().id()
                + " but the app runs with listen=" + offer.listen() + ": stop and start the app to change it";
        return null;
    }

    /** Lines, descriptors, errors and the close, in order, to whoever listens now. */
    private static final class Inbox extends ChannelInboundHandlerAdapter {
        private volatile Consumer<Object> sink;

        Inbox(BlockingQueue<Object> queue) {
            this.sink = queue::add;
        }

        void into(Consumer<Object> to) {
            sink = to;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            sink.accept(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            sink.accept(cause);
            ctx.close();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            sink.accept(CLOSED);
        }
    }
}
