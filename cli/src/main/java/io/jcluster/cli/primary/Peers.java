package io.jcluster.cli.primary;

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

    /** Null when {@code ch}'s peer may talk to us, else the reason to refuse it. */
    public static String refusal(Channel ch) {
        PeerCredentials c = of(ch);
        if (c == null) return "cannot read the peer's credentials";
        if (c.uid() != OWN_UID) return "peer uid " + c.uid() + " (pid " + c.pid() + ") is not this primary's uid " + OWN_UID;
        return null;
    }
}
