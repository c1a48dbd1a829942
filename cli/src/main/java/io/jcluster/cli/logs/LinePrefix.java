package io.jcluster.cli.logs;

import io.jcluster.cli.config.Timestamps;
import java.nio.charset.StandardCharsets;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * What goes before each line a worker writes: the time it was read (UTC or local with its offset,
 * millisecond precision, fixed width) and/or the {@code app/slot} tag. Thread-safe.
 */
public final class LinePrefix {
    /** {@code 2025-06-01T10:00:00.123Z}: fixed width, sorts as text. */
    public static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);
    /** Length of a {@link #TIME} stamp. */
    public static final int TIME_LENGTH = 24;
    /** {@code 2025-06-01T12:00:00.123+02:00}: local time with its offset, fixed width. */
    public static final DateTimeFormatter LOCAL_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSxxx");
    /** Length of a {@link #LOCAL_TIME} stamp. */
    public static final int LOCAL_TIME_LENGTH = 29;

    private final Timestamps timestamps;
    private final DateTimeFormatter format;
    private final byte[] tag;

    /**
     * @param tag {@code "app/slot"} to tag lines with, or null for none
     */
    public LinePrefix(Timestamps timestamps, String tag) {
        this.timestamps = timestamps;
        this.format = formatter(timestamps);
        this.tag = tag == null ? null : (tag + " | ").getBytes(StandardCharsets.UTF_8);
    }

    /** UTC timestamps ({@code true}) or none, and the tag. */
    public LinePrefix(boolean timestamps, String tag) {
        this(timestamps ? Timestamps.UTC : Timestamps.NONE, tag);
    }

    /** The formatter of {@code timestamps}: UTC (also for none, where a time is still needed), or local with its offset. */
    static DateTimeFormatter formatter(Timestamps timestamps) {
        return timestamps == Timestamps.LOCAL ? LOCAL_TIME.withZone(ZoneId.systemDefault()) : TIME;
    }

    /** The prefix for a line read at {@code epochMillis}. Do not modify the array: it is shared. */
    public byte[] at(long epochMillis) {
        boolean stamped = timestamps != Timestamps.NONE;
        if (!stamped && tag == null) return EMPTY;
        Cached c = cached;
        if (c != null && (c.millis == epochMillis || !stamped)) return c.bytes;
        byte[] b = make(epochMillis, stamped);
        cached = new Cached(epochMillis, b);
        return b;
    }

    private record Cached(long millis, byte[] bytes) {}

    private volatile Cached cached;

    private byte[] make(long epochMillis, boolean stamped) {
        StringBuilder s = new StringBuilder(48);
        if (stamped) format.formatTo(java.time.Instant.ofEpochMilli(epochMillis), s);
        if (stamped) s.append(' ');
        byte[] time = s.toString().getBytes(StandardCharsets.US_ASCII);
        if (tag == null) return time;
        byte[] all = new byte[time.length + tag.length];
        System.arraycopy(time, 0, all, 0, time.length);
        System.arraycopy(tag, 0, all, time.length, tag.length);
        return all;
    }

    private static final byte[] EMPTY = new byte[0];
}
