package io.jcluster.cli.logs;

/** One line read from a log, without its line end. */
public record LogLine(LogSource source, String text) {
    /** The timestamp the line starts with ({@code 2025-06-01T10:00:00.123Z}), or null. */
    String timestamp() {
        if (text.length() < LinePrefix.TIME_LENGTH) return null;
        String t = text.substring(0, LinePrefix.TIME_LENGTH);
        return t.charAt(4) == '-' && t.charAt(10) == 'T' && t.charAt(23) == 'Z' ? t : null;
    }
}
