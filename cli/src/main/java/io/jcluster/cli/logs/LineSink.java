package io.jcluster.cli.logs;

/** Where whole lines of worker output go. Implementations are thread-safe: several workers of one slot share one. */
interface LineSink extends AutoCloseable {
    /**
     * Writes {@code prefix}, {@code len} bytes of {@code line} from {@code off} (without its line
     * end), and a line end, as one unit.
     */
    void line(byte[] prefix, byte[] line, int off, int len);

    @Override
    void close();
}
