package io.jcluster.cli.primary.supervisor;

import java.util.List;

/**
 * A start, reload, scale or restart that did not happen or did not finish: the reason, the
 * failing worker's last log lines, and the exit code the CLI should end with (2 when the request
 * itself was bad, such as a config that does not parse; 1 otherwise).
 */
public final class ChangeFailed extends RuntimeException {
    private final List<String> lastLines;
    private final int exitCode;

    public ChangeFailed(String message, List<String> lastLines) {
        this(message, lastLines, 1);
    }

    public ChangeFailed(String message, List<String> lastLines, int exitCode) {
        super(message, null, false, false);
        this.lastLines = List.copyOf(lastLines);
        this.exitCode = exitCode;
    }

    public List<String> lastLines() {
        return lastLines;
    }

    public int exitCode() {
        return exitCode;
    }
}
