package io.jcluster.cli.config;

/**
 * The {@code [logs]} table: where the workers' stdout and stderr go, and the caps that keep the
 * files from growing without bound.
 *
 * @param to {@code files} (default) or {@code stdout}
 * @param maxSize a file is rotated when a line would take it past this size (default 10MB)
 * @param maxFiles rotated files kept per slot and stream: {@code 0.log.1} … {@code 0.log.N} (default 5)
 * @param maxTotal the cap on all of the app's log files together; the oldest rotated files go first (default 200MB)
 * @param timestamps start every line with the time it was read, in UTC (default true)
 * @param slotTags start every line with {@code app/slot} (default false; always on with {@code to = "stdout"})
 */
public record LogPolicy(LogTarget to, ByteSize maxSize, Integer maxFiles, ByteSize maxTotal, Boolean timestamps,
                        Boolean slotTags) {
    public LogPolicy {
        if (to == null) to = LogTarget.FILES;
        if (maxSize == null) maxSize = ByteSize.ofMegabytes(10);
        if (maxFiles == null) maxFiles = 5;
        if (maxTotal == null) maxTotal = ByteSize.ofMegabytes(200);
        if (timestamps == null) timestamps = true;
        if (slotTags == null) slotTags = false;
    }

    public static LogPolicy defaults() {
        return new LogPolicy(null, null, null, null, null, null);
    }
}
