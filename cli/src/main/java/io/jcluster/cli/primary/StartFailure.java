package io.jcluster.cli.primary;

import java.util.List;

/** The app could not get every worker ready: the reason, and the failing worker's last log lines. */
public final class StartFailure extends RuntimeException {
    private final List<String> lastLines;

    public StartFailure(String message, List<String> lastLines) {
        super(message, null, false, false);
        this.lastLines = List.copyOf(lastLines);
    }

    public List<String> lastLines() {
        return lastLines;
    }
}
