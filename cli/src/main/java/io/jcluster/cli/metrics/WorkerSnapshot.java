package io.jcluster.cli.metrics;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * One slot and its worker at one snapshot. Figures the worker does not report are null (shown as
 * {@code -}, never 0): the JVM figures come from the agent of every worker, the request figures only
 * from apps that link worker-runtime's netty integration. Rates and the latency and lag figures
 * cover the interval since the previous snapshot; {@code *Total} figures count since the worker
 * started.
 *
 * @param pid              0 when the slot has no worker
 * @param state            the slot's state ({@code ready}, {@code starting}, {@code backoff}…)
 * @param cpuPercent       process CPU, 100 = one core
 * @param rssBytes         resident memory, read by the primary from {@code /proc}
 * @param requestsPerSecond requests answered per second (shed ones not included)
 * @param loopLagP99Millis the 99th percentile of the event loops' lag
 * @param gcPerSecond      stop-the-world collections per second
 * @param gcMillisPerSecond milliseconds per second spent in them
 * @param gcPauseMaxMillis the longest pause of the interval
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record WorkerSnapshot(
        int slot,
        long pid,
        String state,
        long generation,
        int restarts,
        long uptimeMillis,
        Double cpuPercent,
        Long rssBytes,
        Long heapUsedBytes,
        Long heapCommittedBytes,
        Long heapMaxBytes,
        Integer threads,
        Double requestsPerSecond,
        Double latencyP50Millis,
        Double latencyP99Millis,
        Double latencyMaxMillis,
        Double loopLagP99Millis,
        Long openConnections,
        Long inflightRequests,
        Double shedPerSecond,
        Long requestsTotal,
        Long shedTotal,
        Double latencySumSeconds,
        Double cpuSecondsTotal,
        Double gcPerSecond,
        Double gcMillisPerSecond,
        Long gcPauseMaxMillis,
        List<GcCollector> collectors) {

    /** A slot with only what the primary knows of it: no worker figures. */
    public static WorkerSnapshot bare(int slot, long pid, String state, long generation, int restarts, long uptimeMillis,
                                      Long rssBytes) {
        return new WorkerSnapshot(slot, pid, state, generation, restarts, uptimeMillis, null, rssBytes, null, null, null,
                null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null);
    }
}
