package io.jcluster.cli.metrics;

/**
 * One garbage collector of a worker, as its agent reports it.
 *
 * @param name   the JVM's name for it ({@code G1 Young Generation})
 * @param count  collections since the worker started
 * @param millis time spent in them since the worker started
 * @param pauses whether its collections stop the world (false for the concurrent-cycle collectors
 *               of ZGC and Shenandoah, named {@code ... Cycles}): only those count in GC/s and GC ms/s
 */
public record GcCollector(String name, long count, long millis, boolean pauses) {}
