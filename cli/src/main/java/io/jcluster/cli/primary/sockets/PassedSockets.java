package io.jcluster.cli.primary.sockets;

import io.jcluster.cli.config.AppConfig;
import io.jcluster.cli.systemd.ListenFds;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The slot sockets systemd passed (socket activation: a {@code .socket} unit with one
 * {@code ListenStream=} per slot and {@code ReusePort=yes}), in slot order: the i-th belongs to slot i.
 * Slots beyond them open their own {@link SlotSocket}; sockets beyond the slots stay spare.
 */
public final class PassedSockets {
    private PassedSockets() {}

    /**
     * Adopts the passed fds bound to {@code port}, in fd order; none when systemd passed none. Throws
     * when it passed sockets but none on {@code port} (the {@code .socket} unit and the config disagree),
     * or passed something that is no TCP listener, with the fix in the message. Adopted sockets are
     * closed again when a later one fails. An app of several ports refuses them: the {@code .socket}
     * unit holds one port's sockets.
     */
    public static List<SlotSocket> adopt(ListenFds fds, AppConfig config) throws IOException {
        if (!fds.isEmpty() && config.severalPorts()) {
            throw new IOException("systemd passed sockets (socket activation), and app " + config.name() + " has ports "
                    + config.portsText() + ": socket activation hands over the sockets of one port only; run an app of"
                    + " several ports without the .socket unit (jcluster startup systemd without --socket)");
        }
        return adopt(fds, config.port());
    }

    /** {@link #adopt(ListenFds, AppConfig)} for an app of the one port {@code port}. */
    public static List<SlotSocket> adopt(ListenFds fds, int port) throws IOException {
        if (fds.isEmpty()) return List.of();
        List<ListenFds.ListenFd> mine = fds.forPort(port);
        if (mine.isEmpty()) {
            String passed = fds.all().stream().map(f -> f.fd() + " (" + f.name() + ")").collect(Collectors.joining(", "));
            throw new IOException("systemd passed sockets " + passed + ", none on port " + port
                    + ": the .socket unit and the config disagree (write it again: jcluster startup systemd --socket)");
        }
        List<SlotSocket> sockets = new ArrayList<>(mine.size());
        try {
            for (ListenFds.ListenFd fd : mine) sockets.add(SlotSocket.adopt(fd.fd()));
        } catch (IOException | RuntimeException e) {
            sockets.forEach(SlotSocket::close);
            throw e;
        }
        return sockets;
    }
}
