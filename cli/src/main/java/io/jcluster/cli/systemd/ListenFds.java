package io.jcluster.cli.systemd;

import io.netty.channel.epoll.Epoll;
import io.netty.channel.unix.Socket;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The sockets systemd passed to this process, as {@code sd_listen_fds_with_names(3)} finds them:
 * {@code LISTEN_PID} must be this process, {@code LISTEN_FDS} of them from fd 3 on, named by the
 * colon-separated {@code LISTEN_FDNAMES} (else {@code "unknown"}). Read once, at the primary's start.
 *
 * <p>Java cannot unset its own environment, so the variables stay in this process; what matters is
 * that children do not see them ({@link #removeFrom}), and a JVM child sees none of the fds anyway
 * ({@code ProcessBuilder} closes every fd above 2).
 */
public final class ListenFds {
    /** The first passed fd, {@code SD_LISTEN_FDS_START}. */
    public static final int START = 3;
    /** The variables that pass the fds: children must not inherit them. */
    public static final List<String> VARIABLES = List.of("LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES");

    /** One passed fd and the name systemd gave it ({@code FileDescriptorName=}, or the socket unit's name). */
    public record ListenFd(int fd, String name) {
        /**
         * The TCP address (IPv4 or IPv6) it is bound to, when it is a TCP listener: one that listens, or
         * one that a previous primary stopped ({@code SlotSocket.stopListening}, when every slot was
         * errored) and that keeps its port, which adopting it undoes. Throws otherwise, naming the fd.
         * Reads the socket without taking it: closing stays with whoever adopts the fd.
         */
        public InetSocketAddress address() throws IOException {
            Socket s = socket();
            if (intOption(s, SO_TYPE) != SOCK_STREAM) {
                throw new IOException("fd " + fd + " (" + name + ") from systemd is not a stream socket (ListenStream=)");
            }
            SocketAddress local = s.localAddress();
            if (!(local instanceof InetSocketAddress inet)) {
                throw new IOException("fd " + fd + " (" + name + ") from systemd is not a TCP socket: " + local);
            }
            if (s.remoteAddress() != null) {
                throw new IOException("fd " + fd + " (" + name + ") from systemd is a connection, not a listener (Accept=yes?)");
            }
            if (inet.getPort() == 0) throw new IOException("fd " + fd + " (" + name + ") from systemd is not bound to a port");
            return inet;
        }

        /** Whether it listens now (SO_ACCEPTCONN). */
        public boolean listening() throws IOException {
            return intOption(socket(), SO_ACCEPTCONN) != 0;
        }

        private Socket socket() throws IOException {
            Epoll.ensureAvailability();
            String link;
            try {
                link = Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
            } catch (IOException e) {
                throw new IOException("fd " + fd + " (" + name + ") from systemd is not open", e);
            }
            if (!link.startsWith("socket:")) throw new IOException("fd " + fd + " (" + name + ") from systemd is not a socket: " + link);
            return new Socket(fd);
        }
    }

    private static final int SOL_SOCKET = 1;
    private static final int SO_TYPE = 3;
    private static final int SO_ACCEPTCONN = 30;
    private static final int SOCK_STREAM = 1;

    private final List<ListenFd> fds;

    private ListenFds(List<ListenFd> fds) {
        this.fds = List.copyOf(fds);
    }

    /** The fds passed to this process; none when systemd passed none, or passed them to another process. */
    public static ListenFds fromEnvironment() {
        return parse(System.getenv(), ProcessHandle.current().pid());
    }

    /**
     * The fds {@code env} passes to a process with pid {@code pid}. Throws IllegalArgumentException,
     * with a message fit for a person, when the variables are for us but make no sense (as
     * {@code sd_listen_fds} returns {@code -EINVAL}).
     */
    static ListenFds parse(Map<String, String> env, long pid) {
        String forPid = env.get("LISTEN_PID");
        String count = env.get("LISTEN_FDS");
        if (forPid == null || count == null) return new ListenFds(List.of());
        long p;
        try {
            p = Long.parseLong(forPid.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("LISTEN_PID=" + forPid + " is not a pid");
        }
        if (p != pid) return new ListenFds(List.of());
        int n;
        try {
            n = Integer.parseInt(count.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("LISTEN_FDS=" + count + " is not a count");
        }
        if (n < 0 || n > 4096) throw new IllegalArgumentException("LISTEN_FDS=" + count + " is not a count (0 to 4096)");
        String names = env.get("LISTEN_FDNAMES");
        List<String> named = names == null ? null : Arrays.asList(names.split(":", -1));
        if (named != null && named.size() != n) {
            throw new IllegalArgumentException("LISTEN_FDNAMES=" + names + " names " + named.size() + " fds, LISTEN_FDS=" + n);
        }
        List<ListenFd> fds = new ArrayList<>(n);
        for (int i = 0; i < n; i++) fds.add(new ListenFd(START + i, named == null ? "unknown" : named.get(i)));
        return new ListenFds(fds);
    }

    /** Removes {@link #VARIABLES} from a child's environment. */
    public static void removeFrom(Map<String, String> env) {
        VARIABLES.forEach(env::remove);
    }

    /** Every passed fd, in fd order. */
    public List<ListenFd> all() {
        return fds;
    }

    /** Whether systemd passed no fd. */
    public boolean isEmpty() {
        return fds.isEmpty();
    }

    /**
     * The passed fds bound to TCP port {@code port}, in fd order (= {@code ListenStream=} order): the
     * loop gives the i-th to slot i. Throws when a passed fd is no TCP listener (see
     * {@link ListenFd#address()}), since a unit that passes something else is a mistake to report,
     * not to skip.
     */
    public List<ListenFd> forPort(int port) throws IOException {
        List<ListenFd> out = new ArrayList<>();
        for (ListenFd fd : fds) {
            if (fd.address().getPort() == port) out.add(fd);
        }
        return out;
    }

    private static int intOption(Socket s, int option) throws IOException {
        ByteBuffer b = ByteBuffer.allocateDirect(4).order(ByteOrder.nativeOrder());
        s.getRawOpt(SOL_SOCKET, option, b);
        return b.getInt(0);
    }
}
