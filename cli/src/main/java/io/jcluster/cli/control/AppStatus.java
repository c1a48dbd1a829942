package io.jcluster.cli.control;

import java.util.List;

/**
 * One app as {@code ls} reports it.
 *
 * @param reason why the app is not online, in words, or null
 * @param nextRecycleAtEpochMillis when {@code [recycle] every} replaces the workers next, or null
 * @param spares the warm spares ({@code [app] spares}): slot -1, -2, …; state {@code spare} once warm
 *     (waiting in its bind for a slot), {@code starting} before
 */
public record AppStatus(String name, String state, int port, String listen, long primaryPid, long uptimeMillis,
                        String reason, List<WorkerStatus> workers, Long nextRecycleAtEpochMillis, List<WorkerStatus> spares) {
    public AppStatus {
        spares = spares == null ? List.of() : List.copyOf(spares);
    }

    /** An app without spares. */
    public AppStatus(String name, String state, int port, String listen, long primaryPid, long uptimeMillis,
                     String reason, List<WorkerStatus> workers, Long nextRecycleAtEpochMillis) {
        this(name, state, port, listen, primaryPid, uptimeMillis, reason, workers, nextRecycleAtEpochMillis, List.of());
    }

    /** An app with no recycle scheduled. */
    public AppStatus(String name, String state, int port, String listen, long primaryPid, long uptimeMillis,
                     String reason, List<WorkerStatus> workers) {
        this(name, state, port, listen, primaryPid, uptimeMillis, reason, workers, null);
    }
}
