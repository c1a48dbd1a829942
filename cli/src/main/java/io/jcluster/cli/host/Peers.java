package io.jcluster.cli.host;

import io.netty.channel.Channel;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.unix.PeerCredentials;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Who is on the other end of a Unix socket (SO_PEERCRED), and whether that is allowed. */
public final class Peers {
    private static final int OWN_UID = ownUid();

    private Peers() {}

    /** The uid this process runs as. */
    public static int ownUid() {
        try {
            return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        } catch (IOException | UnsupportedOperationException e) {
            throw new IllegalStateException("cannot read this process's uid from /proc/self", e);
        }
    }

    /**
     * The credentials of {@code ch}'s peer, or null when they cannot be read. Only peers of the
     * primary's own uid may use its sockets.
     */
    public static PeerCredentials of(Channel ch) {
        if (!(ch instanceof EpollDomainSocketChannel d)) return null;
        try {
            return d.peerCredentials();
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * Lets the peer of a new connection on {@code socket} in, or closes it with a logged reason
     * when it is another user; then closes it too, logged as {@code silentWhat}, if
     * {@code spoke} still says no after {@code silenceMillis}. Call from {@code channelActive}.
     *
     * @return whether the peer was let in
     */
    public static boolean admit(io.netty.channel.ChannelHandlerContext ctx, String socket, java.util.function.Consumer<String> log,
                                java.util.function.BooleanSupplier spoke, long silenceMillis, String silentWhat) {
        return admit(ctx, socket, log, spoke, silenceMillis, close -> close.run(), silentWhat);
    }

    /**
     * As {@link #admit(io.netty.channel.ChannelHandlerContext, String, java.util.function.Consumer,
     * java.util.function.BooleanSupplier, long, String)}, but a connection still silent after {@code
     * silenceMillis} goes to {@code silent}, which runs the close it is given (logged) or keeps the
     * connection open.
     */
    public static boolean admit(io.netty.channel.ChannelHandlerContext ctx, String socket, java.util.function.Consumer<String> log,
                                java.util.function.BooleanSupplier spoke, long silenceMillis,
                                java.util.function.Consumer<Runnable> silent, String silentWhat) {
        String refusal = refusal(ctx.channel());
        if (refusal != null) {
            log.accept(socket + ": refused a connection: " + refusal);
            ctx.close();
            return false;
        }
        ctx.executor().schedule(() -> {
            if (!spoke.getAsBoolean() && ctx.channel().isActive()) {
                silent.accept(() -> {
                    if (!spoke.getAsBoolean() && ctx.channel().isActive()) {
                        log.accept(socket + ": closed a connection" + silentWhat + " within " + silenceMillis + " ms");
                        ctx.close();
                    }
                });
            }
        }, silenceMillis, java.util.concurrent.TimeUnit.MILLISECONDS);
        return true;
    }

    /** Null when {@code ch}'s peer may talk to us, else the reason to refuse it. */
    public static String refusal(Channel ch) {
        PeerCredentials c = of(ch);
        if (c == null) return "cannot read the peer's credentials";
        if (c.uid() != OWN_UID) return "peer uid " + c.uid() + " (pid " + c.pid() + ") is not this primary's uid " + OWN_UID;
        return null;
    }
}
