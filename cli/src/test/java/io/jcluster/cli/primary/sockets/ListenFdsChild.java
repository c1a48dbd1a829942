package io.jcluster.cli.primary.sockets;

import io.jcluster.cli.systemd.ListenFds;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A JVM started with sockets passed the systemd way ({@code LISTEN_FDS}), as a primary under a
 * {@code .socket} unit is, with the app's port as its argument: it adopts the fds on that port as
 * {@link SlotSocket}s ({@link PassedSockets}) and says what it found, one line
 * each; then, per line {@code queued} on stdin, the connections waiting in those sockets; it closes
 * them and exits when stdin ends.
 */
public final class ListenFdsChild {
    private ListenFdsChild() {}

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        ListenFds fds = ListenFds.fromEnvironment();
        List<Boolean> was = new ArrayList<>();
        for (ListenFds.ListenFd fd : fds.all()) was.add(fd.listening());
        List<SlotSocket> slots = PassedSockets.adopt(fds, port);
        for (int i = 0; i < slots.size(); i++) {
            ListenFds.ListenFd fd = fds.all().get(i);
            System.out.println("fd=" + fd.fd() + " name=" + fd.name() + " port=" + fd.address().getPort() + " inode=" + slots.get(i).inode()
                    + " listened=" + was.get(i) + " listens=" + fd.listening());
        }
        String other;
        try {
            PassedSockets.adopt(fds, 1);
            other = "adopted";
        } catch (java.io.IOException e) {
            other = e.getMessage();
        }
        System.out.println("otherPort=" + other);
        ProcessBuilder env = new ProcessBuilder("/usr/bin/env");
        ListenFds.removeFrom(env.environment());
        String childEnv = new String(env.start().getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        System.out.println("childSeesListenVars=" + childEnv.lines().anyMatch(l -> l.startsWith("LISTEN_")));
        System.out.println("ready");
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null; ) {
            if (line.equals("queued")) {
                int queued = 0;
                for (SlotSocket s : slots) queued += Math.max(0, s.queued());
                System.out.println("queued=" + queued);
                System.out.flush();
            }
        }
        slots.forEach(SlotSocket::close);
    }
}
