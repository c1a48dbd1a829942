package io.jcluster.runtime;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Function;

/**
 * The {@code JCLUSTER_*} environment the primary gives each worker, and typed access to it.
 *
 * <p>The constants are the contract with the primary (see {@code docs/worker-protocol.md}). An
 * instance reads one source of variables: {@link #system()} the process environment,
 * {@link #of(Map)} a map (tests, or a primary building a worker's environment). Accessors never
 * throw: a missing or malformed number reads as the documented default. Instances are immutable
 * when their source is.
 */
public final class WorkerEnv {

    /** Absolute path of the app's {@code workers.sock}; set means the process is a managed worker. */
    public static final String SOCKET = "JCLUSTER_WORKER_SOCKET";
    /** The app name. */
    public static final String APP = "JCLUSTER_APP";
    /** The slot number, 0..N-1; unset in a warm spare, which learns no slot number. */
    public static final String SLOT = "JCLUSTER_SLOT";
    /**
     * {@code 1} in a warm spare: it waits, without a time limit, in its request for the slot's
     * socket (the preload library's bind, {@code SlotListener.serve}) until the primary gives it a slot.
     */
    public static final String SPARE = "JCLUSTER_SPARE";
    /** The generation: 1 for the first start, +1 per reload. */
    public static final String GENERATION = "JCLUSTER_GENERATION";
    /** {@code 1} in a training run of the start cache: the app without a primary, stopped at its first bind. */
    public static final String TRAINING = "JCLUSTER_TRAINING";
    /** The app's port: its first, when it has several (see {@link #PORTS}). */
    public static final String PORT = "JCLUSTER_PORT";
    /** The app's ports, comma-separated, {@link #PORT} first: the binds the preload library adopts (it falls back to {@link #PORT}). */
    public static final String PORTS = "JCLUSTER_PORTS";
    /** {@link #LISTEN_HANDOFF} or {@link #LISTEN_SELF}. */
    public static final String LISTEN = "JCLUSTER_LISTEN";
    /** The heartbeat interval in milliseconds. */
    public static final String HEARTBEAT_MILLIS = "JCLUSTER_HEARTBEAT_MILLIS";
    /** How long a drain may take, in milliseconds. */
    public static final String DRAIN_TIMEOUT_MILLIS = "JCLUSTER_DRAIN_TIMEOUT_MILLIS";

    /** Shed requests (fast 503) while this many are in flight in the worker; unset or 0 = never. */
    public static final String OVERLOAD_MAX_INFLIGHT = "JCLUSTER_OVERLOAD_MAX_INFLIGHT";
    /** Shed requests (fast 503) while an event loop lags more than this many milliseconds; unset or 0 = never. */
    public static final String OVERLOAD_MAX_LAG_MILLIS = "JCLUSTER_OVERLOAD_MAX_LAG_MILLIS";

    /** {@link #LISTEN} value: ask the primary for the slot's listening socket. */
    public static final String LISTEN_HANDOFF = "handoff";
    /** {@link #LISTEN} value: bind the port with SO_REUSEPORT. */
    public static final String LISTEN_SELF = "self";

    public static final long DEFAULT_HEARTBEAT_MILLIS = 1000;
    public static final long DEFAULT_DRAIN_TIMEOUT_MILLIS = 10_000;

    private static final WorkerEnv SYSTEM = new WorkerEnv(System::getenv);

    private final Function<String, String> source;

    private WorkerEnv(Function<String, String> source) {
        this.source = source;
    }

    /** The environment of this process. */
    public static WorkerEnv system() {
        return SYSTEM;
    }

    /** An environment read from a map (not copied). */
    public static WorkerEnv of(Map<String, String> vars) {
        Objects.requireNonNull(vars, "vars");
        return new WorkerEnv(vars::get);
    }

    /** The raw value of a variable, or null; a blank value counts as unset. */
    public String get(String name) {
        String value = source.apply(name);
        return value == null || value.isBlank() ? null : value.trim();
    }

    /** Whether this process runs under a jcluster primary ({@link #SOCKET} is set). */
    public boolean isManaged() {
        return get(SOCKET) != null;
    }

    /** The worker socket path, when managed. */
    public Optional<Path> socket() {
        return Optional.ofNullable(get(SOCKET)).map(Path::of);
    }

    /** The app name, or null when unset. */
    public String app() {
        return get(APP);
    }

    /** Whether this worker is a warm spare ({@link #SPARE}). */
    public boolean spare() {
        return "1".equals(get(SPARE));
    }

    /** The slot, or -1 when unset. */
    public int slot() {
        long slot = number(SLOT, -1);
        return slot >= 0 && slot <= Integer.MAX_VALUE ? (int) slot : -1;
    }

    /** The generation, or 0 when unset. */
    public long generation() {
        return number(GENERATION, 0);
    }

    /** The port the primary assigned, when set and valid (0..65535). */
    public OptionalInt port() {
        long port = number(PORT, -1);
        return port >= 0 && port <= 65535 ? OptionalInt.of((int) port) : OptionalInt.empty();
    }

    /**
     * The listen mode: {@link #LISTEN_HANDOFF} or {@link #LISTEN_SELF}; a managed worker without
     * {@link #LISTEN} uses {@link #LISTEN_HANDOFF}, the default of jcluster.
     */
    public String listen() {
        String mode = get(LISTEN);
        return LISTEN_SELF.equalsIgnoreCase(mode) ? LISTEN_SELF : LISTEN_HANDOFF;
    }

    /** The heartbeat interval, {@link #DEFAULT_HEARTBEAT_MILLIS} when unset or not positive. */
    public long heartbeatMillis() {
        long millis = number(HEARTBEAT_MILLIS, DEFAULT_HEARTBEAT_MILLIS);
        return millis > 0 ? millis : DEFAULT_HEARTBEAT_MILLIS;
    }

    /** The drain timeout, {@link #DEFAULT_DRAIN_TIMEOUT_MILLIS} when unset or negative. */
    public long drainTimeoutMillis() {
        long millis = number(DRAIN_TIMEOUT_MILLIS, DEFAULT_DRAIN_TIMEOUT_MILLIS);
        return millis >= 0 ? millis : DEFAULT_DRAIN_TIMEOUT_MILLIS;
    }

    /** The in-flight bound of load shedding, or 0 when shedding on it is off (unset, 0 or malformed). */
    public long overloadMaxInflight() {
        return Math.max(0, number(OVERLOAD_MAX_INFLIGHT, 0));
    }

    /** The event-loop lag bound of load shedding in milliseconds, or 0 when off (unset, 0 or malformed). */
    public long overloadMaxLagMillis() {
        return Math.max(0, number(OVERLOAD_MAX_LAG_MILLIS, 0));
    }

    private long number(String name, long dflt) {
        String value = get(name);
        if (value == null) {
            return dflt;
        }
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            return dflt;
        }
    }
}
