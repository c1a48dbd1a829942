package io.jcluster.cli.primary.sockets;

import io.jcluster.cli.host.PortOwners;

import java.io.IOException;

/** The app's port is held by a process that is not this app. */
public final class PortInUseException extends IOException {
    private final int port;

    public PortInUseException(String host, int port) {
        super("port " + port + " is already in use by " + PortOwners.describeOwner(port)
                + (host.equals("0.0.0.0") || host.equals("::") ? "" : " (on " + host + ")")
                + ": stop it or choose another port");
        this.port = port;
    }

    public int port() {
        return port;
    }
}
