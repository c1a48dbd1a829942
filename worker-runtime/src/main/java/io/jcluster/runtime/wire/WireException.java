package io.jcluster.runtime.wire;

import java.io.IOException;

/**
 * A frame on the worker channel that breaks the protocol: too long, truncated, not UTF-8, or not
 * made of a type line and {@code key=value} lines. The receiver closes the connection.
 */
public class WireException extends IOException {

    private static final long serialVersionUID = 1L;

    public WireException(String message) {
        super(message);
    }

    public WireException(String message, Throwable cause) {
        super(message, cause);
    }
}
