package io.jcluster.cli.control;

import java.util.List;

/**
 * How a worker ended: its exit code, or the signal that killed it, when, and the last lines of its log.
 *
 * @param code the exit status as the JDK reports it (128 + n for signal n), or -1 when it never started
 * @param signal the signal name ({@code KILL}, {@code TERM}…) when it was killed by one, else null
 * @param atEpochMillis when it ended
 * @param reason why jcluster thinks it ended, in words
 */
public record ExitRecord(int slot, long pid, long generation, int code, String signal, long atEpochMillis, String reason,
                         List<String> lastLines) {

    /** "exit code 1" or "signal KILL". */
    public String describe() {
        if (code < 0) return "did not start";
        return signal != null ? "signal " + signal : "exit code " + code;
    }

    /** The signal's name for an exit status of 128 + n, or null. */
    public static String signalName(int code) {
        if (code <= 128 || code > 128 + 64) return null;
        return switch (code - 128) {
            case 1 -> "HUP";
            case 2 -> "INT";
            case 3 -> "QUIT";
            case 4 -> "ILL";
            case 6 -> "ABRT";
            case 7 -> "BUS";
            case 8 -> "FPE";
            case 9 -> "KILL";
            case 11 -> "SEGV";
            case 13 -> "PIPE";
            case 14 -> "ALRM";
            case 15 -> "TERM";
            default -> Integer.toString(code - 128);
        };
    }
}
