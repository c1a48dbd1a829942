package io.jcluster.cli.primary.sockets;

import io.jcluster.cli.host.PortOwners;

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
public final class SlotSocket implements AutoCloseable {
    static final int BACKLOG = 4096;
    private final Socket socket;
    /** False between {@link #stopListening()} and {@link #listenAgain()}. Confined to the supervisor thread. */
    private boolean listening = true;

    private SlotSocket(Socket socket) {
        this.socket = socket;
    }

    public static SlotSocket open(String host, int port) throws IOException {
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

    /**
     * A slot socket over a bound TCP listener this process already holds: one that systemd passed
     * (socket activation, see {@code io.jcluster.cli.systemd.ListenFds}), or one the previous primary
     * handed over ({@code jcluster upgrade}, see {@code PreviousPrimary}). It listens again, as
     * {@link #listenAgain()} does, in case a previous primary stopped it (systemd's socket outlives
     * the primary that shut it down); on a socket that listens, that only sets the backlog. Closing it
     * closes this process's fd, not systemd's.
     */
    public static SlotSocket adopt(int fd) throws IOException {
        Epoll.ensureAvailability();
        Socket s = new Socket(fd);
        s.listen(BACKLOG);
        s.setReuseAddress(true);
        return new SlotSocket(s);
    }

    /**
     * Stops listening and keeps the port: the kernel resets the connections queued here and
     * refuses new ones. {@link #listenAgain()} undoes it (Linux allows {@code listen()} on a
     * listener that was shut down). SO_REUSEADDR goes first: the kernel lets a socket with it bind
     * beside sockets that have it and do not listen, and the JDK's server sockets set it.
     */
    public void stopListening() throws IOException {
        socket.setReuseAddress(false);
        socket.shutdown(true, false);
        listening = false;
    }

    /** Listens again after {@link #stopListening()}; fails when another socket took the port meanwhile. */
    public void listenAgain() throws IOException {
        socket.listen(BACKLOG);
        socket.setReuseAddress(true);
        listening = true;
    }

    /** Whether it listens: true from {@link #open} until {@link #stopListening()}. */
    public boolean listening() {
        return listening;
    }

    /** Sets a socket option the JDK and netty have no name for (used for the reuseport BPF program). */
    void setRawOption(int level, int option, java.nio.ByteBuffer value) throws IOException {
        socket.setRawOpt(level, option, value);
    }

    /** The socket's inode, as {@code /proc} names it. */
    long inode() {
        try {
            String link = java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/self/fd/" + fd())).toString();
            return Long.parseLong(link.substring(link.indexOf('[') + 1, link.indexOf(']')));
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** Connections waiting in this socket's accept queue right now (-1 when unknown). */
    public int queued() {
        return PortOwners.acceptQueue(inode());
    }

    /** The fd number to hand over; valid until {@link #close()}. */
    public int fd() {
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
