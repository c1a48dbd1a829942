package io.jcluster.cli.logs;

/**
 * Where worker output goes, a batch of whole lines at a time. Implementations are thread-safe:
 * every generation of a slot's worker writes to the same one, and a batch is never interleaved
 * with another's.
 */
interface LineSink extends AutoCloseable {
    /** Writes the first {@code len} bytes of {@code lines}: whole lines, each with its prefix and ending in {@code '\n'}. */
    void write(byte[] lines, int len);

    @Override
    void close();
}
