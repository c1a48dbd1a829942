package io.jcluster.cli.control;

/** A line on {@code control.sock} that is not a control request; the message says why, for the primary's log. */
public final class BadRequestException extends Exception {
    public BadRequestException(String message) {
        super(message);
    }
}
