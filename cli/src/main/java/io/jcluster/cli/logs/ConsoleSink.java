package io.jcluster.cli.logs;

import java.io.IOException;
import java.io.OutputStream;

/**
 * {@code [logs] to = "stdout"}: worker lines go to the primary's stdout (a worker's stdout) or
 * stderr (its stderr), whole lines at a time, for container platforms that collect both.
 */
final class ConsoleSink implements LineSink {
    private final OutputStream out;

    ConsoleSink(OutputStream out) {
        this.out = out;
    }

    @Override
    public void write(byte[] lines, int len) {
        synchronized (out) {
            try {
                out.write(lines, 0, len);
                out.flush();
            } catch (IOException ignored) {
                // a closed stdout (the container runtime went away) must not stop the workers
            }
        }
    }

    @Override
    public void close() {
        // the primary's stdout is not ours to close
    }
}
