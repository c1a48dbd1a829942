package io.jcluster.cli.logs;

import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * What goes before each line a worker writes: the time it was read (UTC, millisecond precision,
 * fixed width) and/or the {@code app/slot} tag. Thread-safe.
 */
public final class LinePrefix {
    /** {@code 2025-06-01T10:00:00.123Z}: fixed width, sorts as text. */
    public static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);
    /** Length of a {@link #TIME} stamp. */
    public static final int TIME_LENGTH = 24;

    private final boolean timestamps;
    private final byte[] tag;

    /**
     * @param tag {@code "app/slot"} to tag lines with, or null for none
     */
    public LinePrefix(boolean timestamps, String tag) {
        this.timestamps = timestamps;
        this.tag = tag == null ? null : (tag + " | ").getBytes(StandardCharsets.UTF_8);
    }

    /** The prefix for a line read at {@code epochMillis}. Do not modify the array: it is shared. */
    public byte[] at(long epochMillis) {
        if (!timestamps && tag == null) return EMPTY;
        Cached c = cached;
        if (c != null && (c.millis == epochMillis || !timestamps)) return c.bytes;
        byte[] b = make(epochMillis);
        cached = new Cached(epochMillis, b);
        return b;
    }

    private record Cached(long millis, byte[] bytes) {}

    private volatile Cached cached;

    private byte[] make(long epochMillis) {
        StringBuilder s = new StringBuilder(48);
        if (timestamps) TIME.formatTo(java.time.Instant.ofEpochMilli(epochMillis), s);
        if (timestamps) s.append(' ');
        byte[] time = s.toString().getBytes(StandardCharsets.US_ASCII);
        if (tag == null) return time;
        byte[] all = new byte[time.length + tag.length];
        System.arraycopy(time, 0, all, 0, time.length);
        System.arraycopy(tag, 0, all, time.length, tag.length);
        return all;
    }

    private static final byte[] EMPTY = new byte[0];
}
