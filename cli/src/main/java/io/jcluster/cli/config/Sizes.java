package io.jcluster.cli.config;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Byte sizes as people write them: {@code 512m}, {@code 1g}, {@code 300MiB}, {@code 65536}. Binary multiples. */
public final class Sizes {
    private static final Pattern FORMAT = Pattern.compile("(\\d+)\\s*(b|k|kb|kib|m|mb|mib|g|gb|gib)?");

    private Sizes() {}

    public static long parse(String text) {
        Matcher m = FORMAT.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a size (write it like 512m, 1g or 300MiB)");
        }
        String unit = m.group(2) == null ? "b" : m.group(2);
        int shift = switch (unit.charAt(0)) {
            case 'k' -> 10;
            case 'm' -> 20;
            case 'g' -> 30;
            default -> 0;
        };
        long n;
        try {
            n = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            n = Long.MAX_VALUE;
        }
        if (n > Long.MAX_VALUE >> shift) {
            throw new IllegalArgumentException("'" + text + "' is too large a size");
        }
        return n << shift;
    }

    public static String format(long bytes) {
        if (bytes >= 1L << 30 && bytes % (1L << 30) == 0) return (bytes >> 30) + "g";
        if (bytes >= 1L << 20 && bytes % (1L << 20) == 0) return (bytes >> 20) + "m";
        if (bytes >= 1L << 10 && bytes % (1L << 10) == 0) return (bytes >> 10) + "k";
        return Long.toString(bytes);
    }

    /** "612 MiB": for messages. */
    public static String human(long bytes) {
        if (bytes >= 10L << 30) return (bytes >> 30) + " GiB";
        if (bytes >= 10L << 20) return (bytes >> 20) + " MiB";
        if (bytes >= 10L << 10) return (bytes >> 10) + " KiB";
        return bytes + " B";
    }
}
