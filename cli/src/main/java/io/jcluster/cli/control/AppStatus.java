package io.jcluster.cli.control;

import java.util.List;

/**
 * One app as {@code ls} reports it.
 *
 * @param reason why the app is not online, in words, or null
 */
public record AppStatus(String name, String state, int port, String listen, long primaryPid, long uptimeMillis,
                        String reason, List<WorkerStatus> workers) {}
