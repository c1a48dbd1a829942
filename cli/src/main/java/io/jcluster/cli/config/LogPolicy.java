package io.jcluster.cli.config;

/**
 * The {@code [logs]} table: where the workers' stdout and stderr go, how each line is written, and
 * the caps that keep the files from growing without bound.
 *
 * @param to {@code files} (default) or {@code stdout}
 * @param maxSize a file is rotated when a line would take it past this size (default 10MB)
 * @param maxFiles rotated files kept per slot and stream: {@code 0.log.1} … {@code 0.log.N} (default 5)
 * @param maxTotal the cap on all of the app's log files together; the oldest rotated files go first (default 200MB)
 * @param timestamps the time each line was read: UTC (default), local with its offset, or none
 * @param slotTags start every line with {@code app/slot} (default false; always on with {@code to = "stdout"})
 * @param format {@code text} (default) or {@code json}: one object a line with time, app, slot, pid,
 *               generation, stream and message
 */
public record LogPolicy(LogTarget to, ByteSize maxSize, Integer maxFiles, ByteSize maxTotal, Timestamps timestamps,
                        Boolean slotTags, LogFormat format) {
    public LogPolicy {
        if (to == null) to = LogTarget.FILES;
        if (maxSize == null) maxSize = ByteSize.ofMegabytes(10);
        if (maxFiles == null) maxFiles = 5;
        if (maxTotal == null) maxTotal = ByteSize.ofMegabytes(200);
        if (timestamps == null) timestamps = Timestamps.UTC;
        if (slotTags == null) slotTags = false;
        if (format == null) format = LogFormat.TEXT;
    }

    public static LogPolicy defaults() {
        return new LogPolicy(null, null, null, null, null, null, null);
    }
}
