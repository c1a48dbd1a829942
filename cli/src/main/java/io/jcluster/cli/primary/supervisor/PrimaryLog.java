package io.jcluster.cli.primary.supervisor;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;

/** The primary's own event log: one timestamped line per event, to its log file (or the terminal in the foreground). */
public final class PrimaryLog {
    private final PrintStream out;
    private final String app;

    public PrimaryLog(PrintStream out, String app) {
        this.out = out;
        this.app = app;
    }

    public void info(String format, Object... args) {
        out.println(Instant.now() + " [" + app + "] " + String.format(format, args));
        out.flush();
    }

    /** {@code what} happened, and the throw behind it with its stack. */
    public void error(String what, Throwable e) {
        StringWriter trace = new StringWriter();
        e.printStackTrace(new PrintWriter(trace));
        info("%s:%n%s", what, trace.toString().stripTrailing());
    }
}
