package io.jcluster.cli.systemd;

import io.jcluster.cli.host.NativeTransport;
import io.netty.channel.unix.Socket;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Tells systemd how the service is doing, as {@code sd_notify(3)} does: one datagram of
 * {@code KEY=value} lines per call to the {@code AF_UNIX} socket named by {@code NOTIFY_SOCKET} (a path,
 * or {@code @name} in the abstract namespace). When that variable is unset every method does nothing,
 * so a primary that no systemd started calls it all the same.
 *
 * <p>JDK 17 has no datagram Unix sockets: this sends through one of netty's native sockets, created
 * non-blocking and never registered with an event loop. A call is one {@code sendto}; it never waits,
 * so the supervisor loop may call it. A message that cannot go (systemd's queue full, the socket gone)
 * is dropped, as {@code sd_notify} callers drop its errors, and said once to {@code warn} per kind of
 * failure, never thrown: a service manager that stopped listening must not stop the loop.
 *
 * <p>Thread-safe; its methods are meant for the supervisor loop.
 */
public final class SdNotify implements AutoCloseable {
    /** The variables systemd sets for the main process: workers must not inherit them (see {@link #removeFrom}). */
    public static final List<String> VARIABLES = List.of("NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID");

    private final Socket socket;
    private final byte[] address;
    private final Duration watchdogInterval;
    private final LongSupplier nanos;
    private final Consumer<String> warn;
    private final Set<String> warned = new HashSet<>();
    private String status;

    private SdNotify(Socket socket, byte[] address, Duration watchdogInterval, LongSupplier nanos, Consumer<String> warn) {
        this.socket = socket;
        this.address = address;
        this.watchdogInterval = watchdogInterval;
        this.nanos = nanos;
        this.warn = warn;
    }

    /** From this process's environment and pid; {@code warn} hears of messages that could not be sent. */
    public static SdNotify fromEnvironment(Consumer<String> warn) {
        return of(System.getenv(), ProcessHandle.current().pid(), System::nanoTime, warn);
    }

    /**
     * From {@code env} as if this process had pid {@code pid}; {@code nanos} is CLOCK_MONOTONIC in
     * nanoseconds (HotSpot's {@code System.nanoTime} on Linux is exactly that:
     * {@code clock_gettime(CLOCK_MONOTONIC)}, see {@code os::javaTimeNanos} in {@code os_posix.cpp}).
     */
    public static SdNotify of(Map<String, String> env, long pid, LongSupplier nanos, Consumer<String> warn) {
        String where = env.get("NOTIFY_SOCKET");
        Duration watchdog = watchdogInterval(env, pid);
        if (where == null || where.isEmpty()) return new SdNotify(null, null, watchdog, nanos, warn);
        byte[] address = address(where);
        if (address == null) {
            warn.accept("NOTIFY_SOCKET=" + where + " is neither an absolute path nor @abstract: not telling systemd anything");
            return new SdNotify(null, null, null, nanos, warn);
        }
        String noEpoll = NativeTransport.unavailable();
        if (noEpoll != null) {
            warn.accept("NOTIFY_SOCKET is set but " + noEpoll + ": not telling systemd anything");
            return new SdNotify(null, null, null, nanos, warn);
        }
        return new SdNotify(Socket.newSocketDomainDgram(), address, watchdog, nanos, warn);
    }

    /** The bytes of {@code sun_path}: a path as it is, {@code @name} with a NUL for the {@code @}; null when neither. */
    static byte[] address(String where) {
        if (!where.startsWith("/") && !where.startsWith("@")) return null;
        byte[] b = where.getBytes(StandardCharsets.UTF_8);
        if (b.length < 2 || b.length > 108) return null; // sizeof(sun_path), and "@" or "/" alone is no socket
        if (b[0] == '@') b[0] = 0;
        return b;
    }

    /**
     * How often to send {@code WATCHDOG=1}: half of {@code WATCHDOG_USEC}, as {@code sd_watchdog_enabled(3)}
     * advises; null when there is no watchdog, or it is meant for another process ({@code WATCHDOG_PID}).
     */
    static Duration watchdogInterval(Map<String, String> env, long pid) {
        String usec = env.get("WATCHDOG_USEC");
        if (usec == null) return null;
        String forPid = env.get("WATCHDOG_PID");
        try {
            if (forPid != null && Long.parseLong(forPid.trim()) != pid) return null;
            long us = Long.parseLong(usec.trim());
            return us <= 0 ? null : Duration.ofNanos(us * 500);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** Removes the variables of {@link #VARIABLES} from a child's environment (workers are not the service's main process). */
    public static void removeFrom(Map<String, String> env) {
        VARIABLES.forEach(env::remove);
    }

    /** Whether systemd is listening: {@code NOTIFY_SOCKET} names a socket. */
    public boolean enabled() {
        return socket != null;
    }

    /**
     * How often the supervisor loop should call {@link #watchdog()}, or null when systemd set no
     * watchdog for this process (or there is no socket to send to).
     */
    public Duration watchdogInterval() {
        return socket == null ? null : watchdogInterval;
    }

    /** {@code READY=1} and {@code STATUS=}: start-up or a reload is done. */
    public boolean ready(String status) {
        return send("READY=1", statusLine(status));
    }

    /**
     * {@code RELOADING=1} with {@code MONOTONIC_USEC} (CLOCK_MONOTONIC now, in µs, which
     * {@code Type=notify-reload} requires to be later than its SIGHUP) and {@code STATUS=}. Follow it
     * with {@link #ready} when the reload is over, whether it worked or not.
     */
    public boolean reloading(String status) {
        return send("RELOADING=1", "MONOTONIC_USEC=" + monotonicMicros(), statusLine(status));
    }

    /** {@code STOPPING=1} and {@code STATUS=}: the primary is stopping. */
    public boolean stopping(String status) {
        return send("STOPPING=1", statusLine(status));
    }

    /** {@code STATUS=}, only when it differs from the status last sent, so the loop may call it after every event. */
    public boolean status(String status) {
        synchronized (this) {
            if (socket == null || oneLine(status).equals(this.status)) return false;
        }
        return send(statusLine(status));
    }

    /** {@code WATCHDOG=1}: the loop is alive. Send it from the loop itself, every {@link #watchdogInterval()}. */
    public boolean watchdog() {
        return send("WATCHDOG=1");
    }

    /** {@code MAINPID=}: another process is now the service's main process (an upgraded primary). */
    public boolean mainPid(long pid) {
        return send("MAINPID=" + pid);
    }

    /**
     * {@code EXTEND_TIMEOUT_USEC=}: systemd waits at least {@code d} more for the start, reload or stop
     * under way (a rolling reload of many slots takes longer than {@code TimeoutStartSec}).
     */
    public boolean extendTimeout(Duration d) {
        return send("EXTEND_TIMEOUT_USEC=" + Math.max(1, d.toNanos() / 1000));
    }

    /** CLOCK_MONOTONIC now, in microseconds. */
    long monotonicMicros() {
        return nanos.getAsLong() / 1000;
    }

    /**
     * Sends one datagram of {@code lines} joined by newlines. True when systemd has it; false when
     * disabled, or the message was dropped (said once per kind of failure to {@code warn}).
     */
    public synchronized boolean send(String... lines) {
        if (socket == null) return false;
        String text = String.join("\n", lines);
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        ByteBuffer buf = ByteBuffer.allocateDirect(bytes.length).put(bytes).flip();
        try {
            int sent = socket.sendToDomainSocket(buf, 0, bytes.length, address);
            if (sent != bytes.length) {
                once("full", "systemd's notify socket is full: dropped " + firstKey(text) + (sent == 0 ? "" : " (cut short)"));
                return false;
            }
        } catch (IOException e) {
            once(String.valueOf(e.getMessage()), "cannot tell systemd " + firstKey(text) + ": " + e.getMessage());
            return false;
        }
        for (String line : lines) {
            if (line.startsWith("STATUS=")) status = line.substring("STATUS=".length());
        }
        return true;
    }

    /** Says {@code problem} the first time a failure of this {@code kind} happens: a dead socket would fail every ping. */
    private void once(String kind, String problem) {
        if (warned.add(kind)) warn.accept(problem + " (said once)");
    }

    private static String firstKey(String text) {
        int eq = text.indexOf('=');
        return eq < 0 ? text : text.substring(0, eq);
    }

    private static String statusLine(String status) {
        return "STATUS=" + oneLine(status);
    }

    /** A status is one line: systemd reads a newline as the start of the next assignment. */
    private static String oneLine(String s) {
        return s.replace('\n', ' ').replace('\r', ' ');
    }

    @Override
    public synchronized void close() {
        if (socket == null) return;
        try {
            socket.close();
        } catch (IOException ignored) {
            // an unbound datagram socket has nothing to flush
        }
    }
}
