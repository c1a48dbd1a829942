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
    /** Worker → primary, on the listener connection: asks for the slot's listening socket. */
    public static final String LISTENER = "listener";
    /** Primary → worker, on the listener connection: the request was refused ({@code message}). */
    public static final String ERROR = "error";

    private MessageTypes() {
    }
}
