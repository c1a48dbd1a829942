package io.jcluster.cli.host;

import io.netty.channel.epoll.Epoll;
import java.io.IOException;

/**
 * netty's native epoll transport, which the primary needs for its Unix sockets, SO_REUSEPORT and
 * file-descriptor passing: whether it loads here, and why not.
 */
public final class NativeTransport {
    private NativeTransport() {}

    /** Why epoll cannot load here, in a sentence a person can act on; null when it loads. */
    public static String unavailable() {
        if (Epoll.isAvailable()) return null;
        return "netty's epoll transport is not available here (" + Epoll.unavailabilityCause() + "); jcluster needs Linux"
                + " with glibc on x86_64 or aarch64";
    }

    /** Throws what {@link #unavailable()} says, with netty's cause, when epoll cannot load here. */
    public static void require() throws IOException {
        String why = unavailable();
        if (why != null) throw new IOException(why, Epoll.unavailabilityCause());
    }
}
