package io.jcluster.cli.metrics;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/**
 * One slot and its worker at one snapshot. Figures the worker does not report are null (shown as
 * {@code -}, never 0): the JVM figures come from the agent of every worker; the request figures from
 * the app (worker-runtime's netty integration, or the server's MBeans) or, for any HTTP/1.x app whose
 * port the preload library adopted, from the socket ({@link #requestSource}). Rates and the latency
 * and lag figures cover the interval since the previous snapshot; {@code *Total} figures count since
 * the worker started.
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
 * @param errorsPerSecond  responses with a 5xx status per second
 * @param responsesTotal   responses since start by status class ({@code 2xx} to {@code 5xx}), as far as known
 * @param abortsTotal      connections closed with a request read and not answered, since start
 * @param acceptsTotal     connections accepted from the app's adopted sockets since start
 * @param requestSource    where the request figures come from: {@code app} (worker-runtime), {@code tomcat},
 *                         {@code jetty} (their MBeans), {@code socket} (the preload library), or one of the
 *                         first three with {@code +socket} when the socket gave what the app does not
 *                         (the latency distribution, the status classes)
 * @param latencyBuckets   requests since start whose latency is at most each of {@link #LATENCY_BOUNDS_SECONDS}
 *                         (a cumulative histogram, as Prometheus has it), then all requests with a known
 *                         latency; null while no latency distribution is known
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
        List<GcCollector> collectors,
        Double errorsPerSecond,
        Map<String, Long> responsesTotal,
        Long abortsTotal,
        Long acceptsTotal,
        String requestSource,
        List<Long> latencyBuckets) {

    /** The upper bounds of {@link #latencyBuckets}, in seconds. */
    public static final List<Double> LATENCY_BOUNDS_SECONDS = List.of(
            0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0);

    /** A slot with only what the primary knows of it: no worker figures. */
    public static WorkerSnapshot bare(int slot, long pid, String state, long generation, int restarts, long uptimeMillis,
                                      Long rssBytes) {
        return new WorkerSnapshot(slot, pid, state, generation, restarts, uptimeMillis, null, rssBytes, null, null, null,
                null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
                null, null, null, null, null, null);
    }
}
