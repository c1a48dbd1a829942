package io.jcluster.cli.primary;

import io.jcluster.cli.systemd.ListenFds;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A JVM started with sockets passed the systemd way ({@code LISTEN_FDS}), as a primary under a
 * {@code .socket} unit is: it adopts each fd as a {@link SlotSocket} and says what it found, one line
 * each; then, per line {@code queued} on stdin, the connections waiting in those sockets; it closes
 * them and exits when stdin ends.
 */
public final class ListenFdsChild {
    private ListenFdsChild() {}

    public static void main(String[] args) throws Exception {
        ListenFds fds = ListenFds.fromEnvironment();
        List<SlotSocket> slots = new ArrayList<>();
        int port = -1;
        for (ListenFds.ListenFd fd : fds.all()) {
            port = fd.address().getPort();
            boolean was = fd.listening();
            SlotSocket s = SlotSocket.adopt(fd.fd());
            slots.add(s);
            System.out.println("fd=" + fd.fd() + " name=" + fd.name() + " port=" + port + " inode=" + s.inode()
                    + " listened=" + was + " listens=" + fd.listening());
        }
        System.out.println("forPort=" + (port < 0 ? 0 : fds.forPort(port).size()) + " otherPort=" + fds.forPort(1).size());
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
