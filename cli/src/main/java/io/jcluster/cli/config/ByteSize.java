package io.jcluster.cli.config;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A size in bytes as people write it in config files: {@code 512KB}, {@code 10MB}, {@code 1GB}
 * (powers of 1024; {@code K}, {@code KiB} and a bare number of bytes are accepted too).
 */
public record ByteSize(long bytes) {
    private static final Pattern FORMAT = Pattern.compile("(\\d+)\\s*(b|k|kb|kib|m|mb|mib|g|gb|gib)?");

    public ByteSize {
        if (bytes < 0) throw new IllegalArgumentException("a size cannot be negative");
    }

    public static ByteSize ofMegabytes(long mb) {
        return new ByteSize(mb * 1024 * 1024);
    }

    /** Parses {@code text}; throws IllegalArgumentException with a message fit for a person. */
    public static ByteSize parse(String text) {
        Matcher m = FORMAT.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a size (write it like 512KB, 10MB or 1GB)");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "b" : m.group(2);
        long factor = switch (unit.charAt(0)) {
            case 'k' -> 1024L;
            case 'm' -> 1024L * 1024;
            case 'g' -> 1024L * 1024 * 1024;
            default -> 1L;
        };
        if (n > Long.MAX_VALUE / factor) throw new IllegalArgumentException("'" + text + "' is too large");
        return new ByteSize(n * factor);
    }

    /** "612 MiB": for messages. */
    public String human() {
        if (bytes >= 10L << 30) return (bytes >> 30) + " GiB";
        if (bytes >= 10L << 20) return (bytes >> 20) + " MiB";
        if (bytes >= 10L << 10) return (bytes >> 10) + " KiB";
        return bytes + " B";
    }

    /** The shortest exact way to write this size back: {@code 10MB}, {@code 512KB}, {@code 1000B}. */
    @Override
    public String toString() {
        if (bytes > 0 && bytes % (1024L * 1024 * 1024) == 0) return bytes / (1024L * 1024 * 1024) + "GB";
        if (bytes > 0 && bytes % (1024L * 1024) == 0) return bytes / (1024L * 1024) + "MB";
        if (bytes > 0 && bytes % 1024 == 0) return bytes / 1024 + "KB";
        return bytes + "B";
    }
}
