package io.jcluster.cli.systemd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcluster.cli.Needs;
import io.jcluster.cli.systemd.ListenFds.ListenFd;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.unix.Socket;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** sd_listen_fds semantics on the variables alone; SocketActivationTest hands real fds to a child JVM. */
class ListenFdsTest {
    @Test
    void fdsCountFromThreeWithTheirNames() {
        ListenFds fds = ListenFds.parse(Map.of("LISTEN_PID", "42", "LISTEN_FDS", "3", "LISTEN_FDNAMES", "port-8080:port-8080:admin"), 42);
        assertEquals(List.of(new ListenFd(3, "port-8080"), new ListenFd(4, "port-8080"), new ListenFd(5, "admin")), fds.all());
    }

    @Test
    void withoutNamesEachIsUnknown() {
        assertEquals(List.of(new ListenFd(3, "unknown")), ListenFds.parse(Map.of("LISTEN_PID", "7", "LISTEN_FDS", "1"), 7).all());
    }

    @Test
    void fdsForAnotherProcessAreNotOurs() {
        assertTrue(ListenFds.parse(Map.of("LISTEN_PID", "42", "LISTEN_FDS", "2"), 43).isEmpty(), "a parent's fds");
        assertTrue(ListenFds.parse(Map.of("LISTEN_FDS", "2"), 43).isEmpty(), "no LISTEN_PID: not for us");
        assertTrue(ListenFds.parse(Map.of(), 43).isEmpty());
    }

    @Test
    void nonsenseForUsIsAnError() {
        assertEquals("LISTEN_FDS=two is not a count",
                assertThrows(IllegalArgumentException.class, () -> ListenFds.parse(Map.of("LISTEN_PID", "1", "LISTEN_FDS", "two"), 1)).getMessage());
        assertEquals("LISTEN_FDNAMES=a names 1 fds, LISTEN_FDS=2", assertThrows(IllegalArgumentException.class,
                () -> ListenFds.parse(Map.of("LISTEN_PID", "1", "LISTEN_FDS", "2", "LISTEN_FDNAMES", "a"), 1)).getMessage());
        assertEquals("LISTEN_PID=me is not a pid",
                assertThrows(IllegalArgumentException.class, () -> ListenFds.parse(Map.of("LISTEN_PID", "me", "LISTEN_FDS", "1"), 1)).getMessage());
    }

    @Test
    void childrenLoseTheVariables() {
        Map<String, String> env = new HashMap<>(Map.of("LISTEN_PID", "1", "LISTEN_FDS", "1", "LISTEN_FDNAMES", "x", "HOME", "/root"));
        ListenFds.removeFrom(env);
        assertEquals(Map.of("HOME", "/root"), env);
    }

    @Test
    void aPassedFdThatIsNoListeningTcpSocketIsReported() throws Exception {
        Needs.that(Epoll.isAvailable(), "netty's native epoll transport");
        assertTrue(assertThrows(IOException.class, () -> new ListenFd(9999, "gone").address()).getMessage()
                .startsWith("fd 9999 (gone) from systemd is not open"));
        assertTrue(assertThrows(IOException.class, () -> new ListenFd(0, "stdin").address()).getMessage()
                .startsWith("fd 0 (stdin) from systemd is not"));
        Socket udp = Socket.newSocketDgram();
        Socket unbound = Socket.newSocketStream();
        Socket listener = Socket.newSocketStream();
        Socket connection = Socket.newSocketStream();
        try {
            assertEquals("fd " + udp.intValue() + " (udp) from systemd is not a stream socket (ListenStream=)",
                    assertThrows(IOException.class, () -> new ListenFd(udp.intValue(), "udp").address()).getMessage());
            assertEquals("fd " + unbound.intValue() + " (tcp) from systemd is not bound to a port",
                    assertThrows(IOException.class, () -> new ListenFd(unbound.intValue(), "tcp").address()).getMessage());
            listener.bind(new InetSocketAddress("127.0.0.1", 0));
            listener.listen(4);
            int port = ((InetSocketAddress) listener.localAddress()).getPort();
            assertEquals(port, new ListenFd(listener.intValue(), "l").address().getPort());
            assertTrue(new ListenFd(listener.intValue(), "l").listening());
            boolean connected = connection.connect(new InetSocketAddress("127.0.0.1", port)); // non-blocking
            for (int i = 0; !connected && i < 100; i++) {
                Thread.sleep(10);
                connected = connection.finishConnect();
            }
            assertTrue(connected);
            assertEquals("fd " + connection.intValue() + " (c) from systemd is a connection, not a listener (Accept=yes?)",
                    assertThrows(IOException.class, () -> new ListenFd(connection.intValue(), "c").address()).getMessage());
        } finally {
            udp.close();
            unbound.close();
            listener.close();
            connection.close();
        }
    }
}
