package io.jcluster.cli.top;

import io.jcluster.cli.control.ControlClient;
import io.jcluster.cli.control.ControlReply;
import io.jcluster.cli.control.ControlRequest;
import java.io.IOException;

/** {@code top}'s feed from an app's primary: the {@code metrics} stream of its control socket. */
public final class ControlTopFeed implements TopFeed {
    private final String app;
    private final ControlClient client;
    private volatile boolean closed;

    /** Takes over {@code client}, connected to {@code app}'s primary; closing the feed closes it. */
    public ControlTopFeed(String app, ControlClient client) {
        this.app = app;
        this.client = client;
    }

    @Override
    public void start(Listener listener) {
        Thread reader = new Thread(() -> read(listener), "top-feed");
        reader.setDaemon(true);
        reader.start();
    }

    private void read(Listener listener) {
        try {
            client.send(ControlRequest.metricsStream());
            ControlReply first = client.next();
            if (!first.ok()) {
                listener.failed(app + ": " + first.error());
                return;
            }
            if (first.history() != null) listener.history(first.history());
            if (first.metrics() != null) listener.snapshot(first.metrics());
            while (!closed) {
                ControlReply next = client.next();
                if (next.metrics() != null) listener.snapshot(next.metrics());
            }
        } catch (IOException | RuntimeException e) {
            if (!closed) listener.failed("lost " + app + "'s primary: " + (e.getMessage() != null ? e.getMessage() : e.toString()));
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            client.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
