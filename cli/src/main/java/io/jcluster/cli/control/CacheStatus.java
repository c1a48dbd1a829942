package io.jcluster.cli.control;

import java.util.List;

/**
 * The cache workers start from, as {@code describe} shows it ({@code [app] aot_cache}).
 *
 * @param kind      "AOT cache" (JDK 25 and later) or "CDS archive" (JDK 17 to 24); null when none can be had
 * @param state     ready, training, not made yet, off, or none and why
 * @param file      the cache file (made or to be made), or null
 * @param sizeBytes its size when it is there
 * @param workers   each worker: whether its JVM maps the file, and its proportional set size (PSS)
 */
public record CacheStatus(String kind, String state, String file, Long sizeBytes, List<Worker> workers) {
    public CacheStatus {
        workers = workers == null ? List.of() : List.copyOf(workers);
    }

    /**
     * One worker's use of the cache.
     *
     * @param slot     its slot (-1 for a spare)
     * @param pid      its process
     * @param mapped   whether its JVM maps the cache file; null when it is gone
     * @param pssBytes its proportional set size: private pages plus its share of pages mapped with others
     */
    public record Worker(int slot, long pid, Boolean mapped, Long pssBytes) {}
}
