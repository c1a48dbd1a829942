package io.jcluster.cli.logs;

import io.jcluster.cli.config.Timestamps;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeFormatter;

/**
 * {@code [logs] format = "json"}: each line a worker writes becomes one JSON object,
 * {@code {"time":…,"app":…,"slot":…,"pid":…,"generation":…,"stream":"out"|"err","message":…}}, keys
 * in that order ({@code time} first, so the files still merge by time). {@code time} is always
 * there: UTC, or local time with its offset for {@code timestamps = "local"}. Thread-safe.
 */
final class JsonLines {
    private final DateTimeFormatter format;
    private final String rest;
    private volatile Cached cached;

    private record Cached(long millis, byte[] out, byte[] err) {}

    /** @param generation the worker's generation, or 0 when it is not known (written as null) */
    JsonLines(String app, int slot, long pid, long generation, Timestamps timestamps) {
        this.format = LinePrefix.formatter(timestamps);
        this.rest = "\",\"app\":" + quote(app) + ",\"slot\":" + slot + ",\"pid\":" + pid + ",\"generation\":"
                + (generation > 0 ? Long.toString(generation) : "null") + ",\"stream\":\"";
    }

    /** Everything before the message of a line read at {@code epochMillis}, up to and including the message's opening quote. */
    byte[] head(long epochMillis, boolean err) {
        Cached c = cached;
        if (c == null || c.millis != epochMillis) {
            String time = "{\"time\":\"" + format.format(Instant.ofEpochMilli(epochMillis)) + rest;
            c = new Cached(epochMillis, (time + "out\",\"message\":\"").getBytes(StandardCharsets.UTF_8),
                    (time + "err\",\"message\":\"").getBytes(StandardCharsets.UTF_8));
            cached = c;
        }
        return err ? c.err : c.out;
    }

    /** What ends every line after its message. */
    static final byte[] TAIL = "\"}".getBytes(StandardCharsets.US_ASCII);

    /**
     * {@code len} bytes of {@code buf} from {@code from} as the inside of a JSON string: as they are
     * when they need no escape, else decoded as UTF-8 (a malformed byte becomes U+FFFD) and escaped.
     */
    static byte[] escape(byte[] buf, int from, int len) {
        boolean plain = true;
        for (int i = from; i < from + len && plain; i++) {
            int b = buf[i] & 0xff;
            plain = b >= 0x20 && b < 0x7f && b != '"' && b != '\\';
        }
        if (plain) return java.util.Arrays.copyOfRange(buf, from, from + len);
        String text = new String(buf, from, len, StandardCharsets.UTF_8);
        StringBuilder s = new StringBuilder(len + 16);
        escapeInto(text, s);
        return s.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** {@code text} as a JSON string literal, quotes included. */
    static String quote(String text) {
        StringBuilder s = new StringBuilder(text.length() + 2).append('"');
        escapeInto(text, s);
        return s.append('"').toString();
    }

    private static void escapeInto(String text, StringBuilder s) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> s.append("\\\"");
                case '\\' -> s.append("\\\\");
                case '\n' -> s.append("\\n");
                case '\r' -> s.append("\\r");
                case '\t' -> s.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f) s.append(String.format("\\u%04x", (int) c));
                    else s.append(c);
                }
            }
        }
    }
}
