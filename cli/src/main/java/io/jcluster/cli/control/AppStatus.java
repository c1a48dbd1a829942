package io.jcluster.cli.control;

import java.util.List;

/**
 * One app as {@code ls} reports it.
 *
 * @param reason why the app is not online, in words, or null
 * @param nextRecycleAtEpochMillis when {@code [recycle] every} replaces the workers next, or null
 */
public record AppStatus(String name, String state, int port, String listen, long primaryPid, long uptimeMillis,
                        String reason, List<WorkerStatus> workers, Long nextRecycleAtEpochMillis) {
    /** An app with no recycle scheduled. */
    public AppStatus(String name, String state, int port, String listen, long primaryPid, long uptimeMillis,
                     String reason, List<WorkerStatus> workers) {
        this(name, state, port, listen, primaryPid, uptimeMillis, reason, workers, null);
    }
}
