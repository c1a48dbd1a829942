package io.jcluster.cli.primary.supervisor;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/** What the JDK cannot do to a process by itself: send it an arbitrary signal. */
public final class Signals {
    private Signals() {}

    private static final java.util.List<String> NAMES = java.util.List.of("HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS",
            "FPE", "KILL", "USR1", "SEGV", "USR2", "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN",
            "TTOU", "URG", "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS");

    /** The signal's name as {@code kill} takes it ({@code USR1}) for {@code sigusr1}, {@code SIGUSR1}, {@code USR1} or {@code 10}; null when it is none. */
    public static String name(String text) {
        if (text == null) return null;
        String t = text.trim().toUpperCase(java.util.Locale.ROOT);
        if (t.startsWith("SIG")) t = t.substring(3);
        if (NAMES.contains(t)) return t;
        try {
            int n = Integer.parseInt(t);
            if (n >= 1 && n <= NAMES.size()) return NAMES.get(n - 1);
            if (n >= 34 && n <= 64) return Integer.toString(n); // real-time signals go by number
        } catch (NumberFormatException e) {
            // not a number either
        }
        return null;
    }

    /** Sends {@code signal} (a name like {@code QUIT}) to {@code pid}; false when it could not be sent. */
    public static boolean send(long pid, String signal) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return kill.waitFor(5, TimeUnit.SECONDS) && kill.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
