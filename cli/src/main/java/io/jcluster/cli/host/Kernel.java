package io.jcluster.cli.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What the kernel allows and how it is set, as far as zero-drop serving depends on it. */
public final class Kernel {
    private static final Path MIGRATE = Path.of("/proc/sys/net/ipv4/tcp_migrate_req");

    private Kernel() {}

    /** {@code net.ipv4.tcp_migrate_req}: "1", "0", or null when this kernel has no such setting (before 5.14). */
    public static String migrateSetting() {
        return read(MIGRATE);
    }

    public static boolean migrateEnabled() {
        return "1".equals(migrateSetting());
    }

    /** One sentence on what {@code tcp_migrate_req} means for closing a listener, for start, reload and doctor. */
    public static String migrateAdvice() {
        String v = migrateSetting();
        if (v == null) {
            return "this kernel has no net.ipv4.tcp_migrate_req (Linux 5.14+): a worker that closes its own listener "
                    + "resets the connections queued on it";
        }
        if (v.equals("1")) return "net.ipv4.tcp_migrate_req=1: connections queued on a closing listener move to the others";
        return "net.ipv4.tcp_migrate_req=0: a worker that closes its own listener resets the connections queued on it; "
                + "for zero-drop reloads run: sysctl -w net.ipv4.tcp_migrate_req=1 (see jcluster doctor)";
    }

    /** {@code net.core.somaxconn}, or null. */
    public static String somaxconn() {
        return read(Path.of("/proc/sys/net/core/somaxconn"));
    }

    /** The kernel release, e.g. 6.1.0-18-amd64. */
    public static String release() {
        String r = read(Path.of("/proc/sys/kernel/osrelease"));
        return r == null ? System.getProperty("os.version") : r;
    }

    /** The soft and hard open-file limits of this process, from /proc/self/limits: "1024 / 1048576". */
    public static String openFileLimit() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
                if (line.startsWith("Max open files")) {
                    String[] f = line.substring("Max open files".length()).trim().split("\\s+");
                    return f[0] + " / " + f[1];
                }
            }
        } catch (IOException ignored) {
            // unknown
        }
        return null;
    }

    private static String read(Path p) {
        try {
            return Files.readString(p).trim();
        } catch (IOException e) {
            return null;
        }
    }
}
