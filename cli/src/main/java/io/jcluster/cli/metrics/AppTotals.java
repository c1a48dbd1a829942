package io.jcluster.cli.metrics;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The app's figures at one snapshot: sums over its workers, and percentiles over all of their
 * requests together (not an average of the workers' percentiles). Null when no worker reports the
 * figure.
 *
 * @param workers slots
 * @param ready   slots whose worker is ready
 * @param errorsPerSecond responses with a 5xx status per second
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AppTotals(
        long atEpochMillis,
        int workers,
        int ready,
        int restarts,
        Double requestsPerSecond,
        Double latencyP50Millis,
        Double latencyP99Millis,
        Double latencyMaxMillis,
        Double loopLagP99Millis,
        Double shedPerSecond,
        Long openConnections,
        Double cpuPercent,
        Long rssBytes,
        Long heapUsedBytes,
        Double errorsPerSecond) {}
