package io.jcluster.cli.primary.sockets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcluster.cli.Needs;
import io.netty.channel.epoll.Epoll;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Real sockets: three slot sockets in one SO_REUSEPORT group, new connections steered with the
 * BPF program, counted in each socket's accept queue (nobody accepts).
 */
@Timeout(60)
class SteeringTest {
    private final List<SlotSocket> sockets = new ArrayList<>();
    private final List<Socket> clients = new ArrayList<>();

    @AfterEach
    void closeAll() throws IOException {
        for (Socket c : clients) c.close();
        for (SlotSocket s : sockets) s.close();
    }

    @Test
    void newConnectionsGoOnlyToTheHealthySockets() throws Exception {
        Needs.that(Epoll.isAvailable(), "netty's native epoll transport");
        int port = freePort();
        Steering steering = new Steering();
        group(steering, port, 3, sockets);
        assertTrue(steering.steerTo(Set.of(sockets.get(1), sockets.get(2))), steering.unavailable());
        connect(port, 60, clients);
        assertEquals(0, sockets.get(0).queued(), "slot 0 gets nothing");
        assertEquals(60, sockets.get(1).queued() + sockets.get(2).queued());
        assertTrue(sockets.get(1).queued() > 0 && sockets.get(2).queued() > 0, "both healthy slots get some: " + sockets.get(1).queued() + "/" + sockets.get(2).queued());

        // Slot 1 leaves: the last socket takes its index, and steering follows it.
        steering.leaving(sockets.get(0));
        sockets.get(0).close();
        int before2 = sockets.get(2).queued();
        assertTrue(steering.steerTo(Set.of(sockets.get(2))), steering.unavailable());
        connect(port, 20, clients);
        assertEquals(before2 + 20, sockets.get(2).queued(), "only slot 2 gets the new ones");

        // All healthy: the program is detached and the kernel hashes over both again.
        assertTrue(steering.steerTo(Set.of(sockets.get(1), sockets.get(2))), steering.unavailable());
        int total = sockets.get(1).queued() + sockets.get(2).queued();
        connect(port, 40, clients);
        assertEquals(total + 40, sockets.get(1).queued() + sockets.get(2).queued());
    }

    /** A slot whose new worker warms up takes a small share of the new connections, the others the rest. */
    @Test
    void sharesSplitNewConnectionsInProportion() throws Exception {
        Needs.that(Epoll.isAvailable(), "netty's native epoll transport");
        int port = freePort();
        Steering steering = new Steering();
        group(steering, port, 3, sockets);
        assertTrue(steering.steerTo(java.util.Map.of(sockets.get(0), 10, sockets.get(1), Steering.FULL_SHARE,
                sockets.get(2), Steering.FULL_SHARE)), steering.unavailable());
        connect(port, 420, clients);
        int warming = sockets.get(0).queued();
        String counts = warming + "/" + sockets.get(1).queued() + "/" + sockets.get(2).queued();
        assertEquals(420, warming + sockets.get(1).queued() + sockets.get(2).queued(), counts);
        // expected 20 of 420 (sd 4.4), 200 each for the others
        assertTrue(warming > 0 && warming < 60, "the slot at a share of 10 gets a few: " + counts);
        assertTrue(sockets.get(1).queued() > 140 && sockets.get(2).queued() > 140, "the others split the rest: " + counts);
    }

    /**
     * {@code jcluster upgrade}: a new primary's steering takes the group over in the old one's order,
     * whether the old primary left a program attached or not, and steers it from there.
     */
    @Test
    void aSuccessorTakesTheGroupOverWithOrWithoutTheOldProgram() throws Exception {
        Needs.that(Epoll.isAvailable(), "netty's native epoll transport");
        int port = freePort();
        Steering old = new Steering();
        group(old, port, 3, sockets);
        // the old primary steers everything to slot 0 when it hands over
        assertTrue(old.steerTo(Set.of(sockets.get(0))), old.unavailable());
        Steering successor = new Steering();
        successor.inherit(old.group());
        assertTrue(successor.steerTo(Set.copyOf(sockets)), successor.unavailable());
        connect(port, 90, clients);
        for (SlotSocket s : sockets) assertTrue(s.queued() > 0, "every slot gets some again: " + queues(sockets));
        int before2 = sockets.get(2).queued();
        assertTrue(successor.steerTo(Set.of(sockets.get(2))), successor.unavailable());
        connect(port, 20, clients);
        assertEquals(before2 + 20, sockets.get(2).queued(), "the successor steers by the inherited order: " + queues(sockets));
        assertTrue(successor.steerTo(Set.copyOf(sockets)), "and detaches its own program: " + successor.unavailable());

        // no program attached at all (the old primary's group was all healthy): no ENOENT
        Steering next = new Steering();
        next.inherit(successor.group());
        assertTrue(next.steerTo(Set.copyOf(sockets)), next.unavailable());
        assertTrue(next.steerTo(Set.of(sockets.get(1))), next.unavailable());
    }

    private static List<Integer> queues(List<SlotSocket> sockets) {
        return sockets.stream().map(SlotSocket::queued).toList();
    }

    private static int freePort() throws IOException {
        try (ServerSocket probe = new ServerSocket(0)) {
            return probe.getLocalPort();
        }
    }

    /** {@code n} slot sockets of {@code port} in {@code steering}'s group, in {@code into}. */
    private static void group(Steering steering, int port, int n, List<SlotSocket> into) throws IOException {
        for (int i = 0; i < n; i++) {
            SlotSocket s = SlotSocket.open("127.0.0.1", port);
            into.add(s);
            steering.joined(s);
        }
    }

    private static void connect(int port, int n, List<Socket> into) throws IOException {
        for (int i = 0; i < n; i++) {
            Socket c = new Socket();
            c.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            into.add(c);
        }
    }
}
