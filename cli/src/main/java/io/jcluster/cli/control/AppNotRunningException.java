package io.jcluster.cli.control;

import java.io.IOException;

/** No primary answers for the app: it is not started, or its primary is gone. */
public final class AppNotRunningException extends IOException {
    public AppNotRunningException(String message) {
        super(message);
    }
}
