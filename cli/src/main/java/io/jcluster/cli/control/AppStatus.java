package io.jcluster.cli.control;

import java.util.List;

/**
 * One app as {@code ls} reports it.
 *
 * @param port the app's first port (its one port, for most apps)
 * @param reason why the app is not online, in words, or null
 * @param nextRecycleAtEpochMillis when {@code [recycle] every} replaces the workers next, or null
 * @param ports every port of the app, {@code port} first; from a primary that predates it, {@code [port]}
 * @param spares the warm spares ({@code [app] spares}): slot -1, -2, …; state {@code spare} once warm
 *     (waiting in its bind for a slot), {@code starting} before
 */
public record AppStatus(String name, String state, int port, String listen, long primaryPid, long uptimeMillis,
                        String reason, List<WorkerStatus> workers, Long nextRecycleAtEpochMillis, List<Integer> ports,
                        List<WorkerStatus> spares) {
    public AppStatus {
        ports = ports == null || ports.isEmpty() ? (port > 0 ? List.of(port) : List.of()) : List.copyOf(ports);
        spares = spares == null ? List.of() : List.copyOf(spares);
    }

    /** An app of one port, without spares. */
    public AppStatus(String name, String state, int port, String listen, long primaryPid, long uptimeMillis,
                     String reason, List<WorkerStatus> workers, Long nextRecycleAtEpochMillis) {
        this(name, state, port, listen, primaryPid, uptimeMillis, reason, workers, nextRecycleAtEpochMillis, null, null);
    }

    /** An app of one port with no recycle scheduled. */
    public AppStatus(String name, String state, int port, String listen, long primaryPid, long uptimeMillis,
                     String reason, List<WorkerStatus> workers) {
        this(name, state, port, listen, primaryPid, uptimeMillis, reason, workers, null, null, null);
    }

    /** The ports as people write them: {@code 8080}, or {@code 8080,8081}. */
    public String portsText() {
        if (ports.isEmpty()) return Integer.toString(port);
        StringBuilder b = new StringBuilder();
        for (int p : ports) b.append(b.length() == 0 ? "" : ",").append(p);
        return b.toString();
    }
}
