package io.jcluster.cli.primary;

import io.netty.channel.epoll.Epoll;
import io.netty.channel.unix.Socket;
import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * The listening socket a slot owns for the app's whole life. The primary binds it with
 * SO_REUSEPORT, never accepts on it and never registers it with an event loop; the slot's worker
 * receives a copy of its fd and serves it. Closing a copy loses nothing while the primary holds the
 * original, so crashes and reloads never reset queued connections.
 */
final class SlotSocket implements AutoCloseable {
    static final int BACKLOG = 4096;
    private final Socket socket;

    private SlotSocket(Socket socket) {
        this.socket = socket;
    }

    static SlotSocket open(String host, int port) throws IOException {
        Epoll.ensureAvailability();
        Socket s = Socket.newSocketStream();
        try {
            s.setReuseAddress(true);
            s.setReusePort(true);
            s.bind(new InetSocketAddress(host, port));
            s.listen(BACKLOG);
            return new SlotSocket(s);
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /** The fd number to hand over; valid until {@link #close()}. */
    int fd() {
        return socket.intValue();
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing a listener we own cannot fail in a way we could act on
        }
    }
}
