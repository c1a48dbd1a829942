package io.jcluster.cli.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The checks of single keys (and of keys that go together) that {@link ConfigLoader} runs on an app's
 * bound tables: each refuses a value no supervisor could work with, naming the key (and, through
 * {@link Where}, the file and line).
 */
final class KeyChecks {
    /** An IPv4 or IPv6 literal, or a host name (RFC 1123): anything else is refused before any name lookup. */
    private static final Pattern HOST = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*(%[A-Za-z0-9_.-]+)?|\\[[0-9A-Fa-f:.]+]"
            + "|[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\\.?");

    private KeyChecks() {}

    /** Most warm spares an app may keep. */
    static final int MAX_SPARES = 64;

    /** {@code [app] spares}: 0..{@value #MAX_SPARES}, and only where a spare can wait for its slot (handoff). */
    static int spares(Where at, AppSection app) throws ConfigException {
        int n = app.spares();
        if (n < 0 || n > MAX_SPARES) throw at.error("app.spares", n + " is not a spare count (0 to " + MAX_SPARES + ")");
        if (n > 0 && app.listen() == Listen.SELF) {
            throw at.error("app.spares", "warm spares need listen = \"handoff\": a spare waits in its bind until jcluster gives it"
                    + " a slot's socket, and with listen = \"self\" the app binds the port itself and would serve at once");
        }
        return n;
    }

    /** The app's ports: {@code ports}, or {@code port} (default 8080); not both, none twice, each a TCP port. */
    static List<Integer> ports(Where at, AppSection app) throws ConfigException {
        if (app.ports() != null && app.port() != null) {
            throw at.error("app.ports", "port and ports are both set: write port = N for one port, or ports = [N, M, ...]"
                    + " for several (the first is the one PORT and JCLUSTER_PORT name)");
        }
        if (app.ports() == null) {
            int port = app.port() == null ? 8080 : app.port();
            if (port < 1 || port > 65535) throw at.error("app.port", port + " is not a TCP port (1 to 65535)");
            return List.of(port);
        }
        if (app.ports().isEmpty()) {
            throw at.error("app.ports", "no ports: give at least one (ports = [8080]), or leave the key out for port 8080");
        }
        List<Integer> seen = new ArrayList<>();
        for (Integer port : app.ports()) {
            if (port == null) throw at.error("app.ports", "an empty value is not a TCP port (1 to 65535)");
            if (port < 1 || port > 65535) throw at.error("app.ports", port + " is not a TCP port (1 to 65535)");
            if (seen.contains(port)) throw at.error("app.ports", "port " + port + " is listed twice");
            seen.add(port);
        }
        return List.copyOf(seen);
    }

    /** The listeners bind {@code host}: it must be an address of this machine's kind, or a name that resolves. */
    static void checkHost(Where at, String host) throws ConfigException {
        if (!HOST.matcher(host).matches()) {
            throw at.error("app.host", "'" + host + "' is not an address to listen on (e.g. 0.0.0.0 or 127.0.0.1)");
        }
        try {
            InetAddress.getByName(host);
        } catch (UnknownHostException | SecurityException e) {
            throw at.error("app.host", "'" + host + "' is not an address to listen on: it does not resolve");
        }
    }

    /** Arguments and environment reach execve: a NUL would cut them short. */
    static void checkStrings(Where at, String key, List<String> values) throws ConfigException {
        for (String v : values) {
            if (v.indexOf('\0') >= 0) throw at.error(key, "a value contains a NUL character");
        }
    }

    static void checkEnv(Where at, Map<String, String> env) throws ConfigException {
        for (Map.Entry<String, String> e : env.entrySet()) {
            String k = e.getKey();
            if (k.isEmpty() || k.indexOf('=') >= 0 || k.indexOf('\0') >= 0) {
                throw at.error("app.env." + k, "not an environment variable name (it must not be empty or contain '=')");
            }
            if (e.getValue().indexOf('\0') >= 0) {
                throw at.error("app.env." + k, "the value contains a NUL character");
            }
        }
    }

    /** Values that bind but that no supervisor could work with. */
    static void checkPolicies(Where at, ConfigFile raw) throws ConfigException {
        RestartPolicy r = raw.restart();
        double m = r.backoffMultiplier();
        if (!Double.isFinite(m) || m < 1) {
            throw at.error("restart.backoff_multiplier", m + " is not a multiplier (a number from 1, e.g. 2.0)");
        }
        if (r.maxFailures() < 1) {
            throw at.error("restart.max_failures", r.maxFailures() + " is not a count (at least 1)");
        }
        positive(at, "restart.failure_window", r.failureWindow());
        for (int code : r.okExitCodes()) {
            if (code < 0 || code > 255) throw at.error("restart.ok_exit_codes", code + " is not an exit code (0 to 255)");
        }
        positive(at, "reload.ready_timeout", raw.reload().readyTimeout());
        int share = raw.reload().startShare();
        if (share < 1 || share > 100) {
            throw at.error("reload.start_share", share + " is not a share (1 to 100, percent of a serving worker's CPU share; 100 turns it off)");
        }
        positive(at, "health.heartbeat_interval", raw.health().heartbeatInterval());
        HealthPolicy h = raw.health();
        if (h.heartbeatTimeout().compareTo(h.heartbeatInterval()) <= 0) {
            throw at.error("health.heartbeat_timeout", Durations.format(h.heartbeatTimeout())
                    + " is not longer than heartbeat_interval (" + Durations.format(h.heartbeatInterval())
                    + "): every worker would look hung");
        }
        if (h.maxMemory().bytes() > 0 && h.maxMemory().bytes() < MIN_MEMORY) {
            throw at.error("health.max_memory", h.maxMemory() + " is less than any JVM needs (at least 16MB; 0 turns the limit off)");
        }
    }

    /** The smallest {@code max_memory} that is not a mistake: no JVM runs in less. */
    private static final long MIN_MEMORY = 16L << 20;

    private static void positive(Where at, String key, Duration d) throws ConfigException {
        if (d.isZero()) throw at.error(key, "must be longer than 0");
    }

    /** {@code [logs]}: sizes and counts a rotation can work with. */
    static LogPolicy checkedLogs(Where at, LogPolicy logs) throws ConfigException {
        if (logs.maxSize().bytes() < 1024) {
            throw at.error("logs.max_size", logs.maxSize() + " is too small (at least 1KB)");
        }
        if (logs.maxFiles() < 0 || logs.maxFiles() > 1000) {
            throw at.error("logs.max_files", logs.maxFiles() + " is not from 0 to 1000");
        }
        if (logs.maxTotal().bytes() < logs.maxSize().bytes()) {
            throw at.error("logs.max_total", logs.maxTotal() + " is smaller than max_size (" + logs.maxSize() + ")");
        }
        return logs;
    }
}
