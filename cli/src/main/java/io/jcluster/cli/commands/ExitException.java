package io.jcluster.cli.commands;

/** Ends a command with an exit code and a message for the user: 1 failure, 2 bad usage or config. */
public final class ExitException extends RuntimeException {
    public static final int FAILURE = 1;
    public static final int USAGE = 2;

    private final int code;

    public ExitException(int code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    public int code() {
        return code;
    }
}
