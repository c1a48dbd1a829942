package io.jcluster.cli.host;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Who listens on a TCP port, read from {@code /proc/net/tcp{,6}} and {@code /proc/<pid>/fd}.
 * Used for readiness of apps that link nothing and to name the process that holds a port.
 */
public final class PortOwners {
    private static final String LISTEN = "0A";

    private PortOwners() {}

    /** True when a plain (non-reuseport) bind of {@code host:port} would succeed right now. */
    public static boolean isFree(String host, int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(host, port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** One listening socket as /proc/net/tcp{,6} shows it. */
    private record ListenRow(int port, long inode, int acceptQueue) {}

    /** Every listening TCP socket of this network namespace, IPv4 and IPv6. */
    private static List<ListenRow> listenRows() {
        List<ListenRow> rows = new java.util.ArrayList<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            List<String> lines;
            try {
                lines = Files.readAllLines(Path.of(table));
            } catch (IOException e) {
                continue;
            }
            for (int i = 1; i < lines.size(); i++) {
                String[] f = lines.get(i).trim().split("\\s+");
                if (f.length < 10 || !LISTEN.equals(f[3])) continue;
                String local = f[1];
                String queues = f[4];
                rows.add(new ListenRow(Integer.parseInt(local.substring(local.lastIndexOf(':') + 1), 16),
                        Long.parseLong(f[9]), Integer.parseInt(queues.substring(queues.indexOf(':') + 1), 16)));
            }
        }
        return rows;
    }

    /** Socket inodes listening on {@code port}, any address, IPv4 or IPv6. */
    public static Set<Long> listeningInodes(int port) {
        Set<Long> inodes = new HashSet<>();
        for (ListenRow row : listenRows()) {
            if (row.port() == port) inodes.add(row.inode());
        }
        return inodes;
    }

    /** The accept queue length of the listening socket with {@code inode} (-1 when not found). */
    public static int acceptQueue(long inode) {
        for (ListenRow row : listenRows()) {
            if (row.inode() == inode) return row.acceptQueue();
        }
        return -1;
    }

    /** Socket inodes among the open fds of {@code pid} (empty if it is gone or not ours to read). */
    public static Set<Long> socketInodes(long pid) {
        Set<Long> inodes = new HashSet<>();
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "fd"))) {
            for (Path fd : fds) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[")) {
                        inodes.add(Long.parseLong(target.substring(8, target.length() - 1)));
                    }
                } catch (IOException | NumberFormatException ignored) {
                    // the fd closed while we looked
                }
            }
        } catch (IOException ignored) {
            // the process is gone
        }
        return inodes;
    }

    /** True when process {@code pid} holds a socket listening on {@code port}. */
    public static boolean listens(long pid, int port) {
        Set<Long> listening = listeningInodes(port);
        if (listening.isEmpty()) return false;
        for (long inode : socketInodes(pid)) {
            if (listening.contains(inode)) return true;
        }
        return false;
    }

    /** A process holding a listener on {@code port}, when one can be found (needs the right to read its fds). */
    public static Optional<ProcessHandle> ownerOf(int port) {
        Set<Long> listening = listeningInodes(port);
        if (listening.isEmpty()) return Optional.empty();
        return ProcessHandle.allProcesses()
                .filter(p -> socketInodes(p.pid()).stream().anyMatch(listening::contains))
                .findFirst();
    }

    /** "pid 1234 (java -jar other.jar)", or "another process" when it cannot be seen. */
    public static String describeOwner(int port) {
        return ownerOf(port).map(p -> "pid " + p.pid() + p.info().commandLine().map(c -> " (" + abbreviate(c) + ")").orElse(""))
                .orElse("another process");
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }
}
