package io.jcluster.runtime.wire;

/** The message types of the worker channel; see {@code docs/worker-protocol.md}. */
public final class MessageTypes {

    /** Worker → primary, first frame of the agent connection: slot, generation, pid, version. */
    public static final String HELLO = "hello";
    /** Worker → primary: the app called {@code JCluster.ready()}. */
    public static final String READY = "ready";
    /** Worker → primary: a metrics snapshot, every {@code JCLUSTER_HEARTBEAT_MILLIS}. */
    public static final String HEARTBEAT = "heartbeat";
    /** Worker → primary: a drain finished or timed out; {@code inflight} is what was left. */
    public static final String DRAINED = "drained";
    /** Primary → worker: stop accepting, finish in-flight work within {@code timeoutMillis}. */
    public static final String DRAIN = "drain";
    /**
     * Primary → worker: the slot's next worker is ready and warms up beside this one. Keep serving,
     * and move the open connections over gradually within {@code spreadMillis}; a {@link #DRAIN} follows.
     */
    public static final String HANDOVER = "handover";
    /**
     * Primary → worker, to a warm spare that takes a slot: {@code slot}. The agent makes it the worker's
     * slot ({@code JCluster.slot()}, the {@code jcluster.slot} system property) and answers with a
     * {@code slot} of its own; only then does the primary answer the spare's held requests for the
     * slot's socket, so the app, once its bind or listener request returns, sees its slot.
     */
    public static final String SLOT = "slot";
    /** Worker → primary, on the listener connection: asks for the slot's listening socket. */
    public static final String LISTENER = "listener";
    /**
     * Worker → primary, from the preload library: the app binds {@code port} ({@code family} inet or
     * inet6); the answer is the slot's socket for that port (SCM_RIGHTS) or an {@link #ERROR}.
     */
    public static final String BIND = "bind";
    /** Worker → primary, from the preload library, one-way: the app listens on {@code port} (once per port). */
    public static final String LISTENING = "listening";
    /**
     * Worker → primary, on the preload library's session (its first frame opens it): the app's
     * connections accepted from adopted sockets, {@code open} now and {@code accepted} since start, and
     * the request figures measured at the socket ({@code http.requests}, {@code http.status.2xx}…,
     * {@code http.aborts}, {@code http.latency.sum}, {@code http.latency.b<n>} since start,
     * {@code http.latency.max}); every second, and at each change while draining. The primary sends
     * {@link #DRAIN} on it.
     */
    public static final String CONNS = "conns";
    /** Primary → worker, on a listener or bind connection: the request was refused ({@code message}). */
    public static final String ERROR = "error";

    private MessageTypes() {
    }
}
