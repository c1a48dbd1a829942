package io.jcluster.cli.primary.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcluster.cli.config.AppConfig;
import io.jcluster.cli.config.ConfigLoader;
import io.jcluster.cli.config.StartSpec;
import io.jcluster.cli.primary.sockets.SlotSocket;
import io.jcluster.runtime.wire.Wire;
import io.jcluster.runtime.wire.WireMessage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.unix.FileDescriptor;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The primary's answers to the preload library: {@code bind}, {@code listening}, {@code conns} and the drain. */
class PortAdoptionTest {
    @TempDir
    Path dir;
    private final ByteArrayOutputStream logged = new ByteArrayOutputStream();
    private final List<String> readies = new ArrayList<>();

    @Test
    void aBindGetsTheSlotSocketAndListeningOnEveryPortMakesTheWorkerReady() throws Exception {
        Worker w = worker("");
        try (SlotSocket socket = SlotSocket.open("127.0.0.1", 0)) {
            PortAdoption adoption = adoption(socket);
            assertFalse(adoption.adopted(w));
            EmbeddedChannel bind = new EmbeddedChannel();
            adoption.bind(bind, w, WireMessage.of("bind", "port", 8080, "family", "inet6"));
            FileDescriptor fd = bind.readOutbound();
            assertEquals(socket.fd(), fd.intValue(), "the slot's own socket");
            assertFalse(bind.isOpen(), "closed once the descriptor is out");
            assertTrue(adoption.adopted(w));
            assertFalse(adoption.listenedAll(w));
            assertEquals(List.of(), readies, "bound is not ready: the app has not listened yet");

            EmbeddedChannel listening = new EmbeddedChannel();
            adoption.listening(listening, w, WireMessage.of("listening", "port", 8080));
            assertFalse(listening.isOpen());
            assertTrue(adoption.listenedAll(w));
            assertEquals(List.of("4242: listening on port 8080"), readies);
            adoption.forget(w);
            assertFalse(adoption.adopted(w));
        }
    }

    @Test
    void withSeveralPortsEachBindGetsItsPortsSocketAndReadyWaitsForTheLastListen() throws Exception {
        Files.write(dir.resolve("app.jar"), new byte[] {'P', 'K', 3, 4});
        Path file = Files.writeString(dir.resolve("jcluster.toml"), "[app]\nname = \"fake\"\njar = \"app.jar\"\nports = [8080, 8081]\n");
        AppConfig config = ConfigLoader.load(new StartSpec(file.toString(), null, dir.toString()));
        try (SlotSocket first = SlotSocket.open("127.0.0.1", 0); SlotSocket second = SlotSocket.open("127.0.0.1", 0)) {
            Slot slot = new Slot(0, List.of(first, second), config, 1);
            assertEquals(first, slot.socket(), "the first port's socket");
            assertEquals(second, slot.socket(8081));
            assertNull(slot.socket(9999));
            Worker w = new Worker(slot, 1, config, new FakeLauncher.FakeProcess(4242), java.time.Instant.now());
            PrimaryLog log = new PrimaryLog(new PrintStream(logged, true), "fake");
            PortAdoption adoption = new PortAdoption(log, java.time.Instant::now, (x, port) -> x.slot().socket(port), (x, how) -> readies.add(x.pid() + ": " + how),
                    x -> readies.add(x.pid() + ": drained"));
            assertEquals(List.of(8080, 8081), PortAdoption.ports(w));
            for (int port : List.of(8081, 8080)) {
                EmbeddedChannel bind = new EmbeddedChannel();
                adoption.bind(bind, w, WireMessage.of("bind", "port", port, "family", "inet6"));
                FileDescriptor fd = bind.readOutbound();
                assertEquals(slot.socket(port).fd(), fd.intValue(), "port " + port + " gets its own slot socket");
            }
            adoption.listening(new EmbeddedChannel(), w, WireMessage.of("listening", "port", 8080));
            assertFalse(adoption.listenedAll(w));
            assertEquals(List.of(), readies, "not ready while port 8081 is not listened on");
            adoption.listening(new EmbeddedChannel(), w, WireMessage.of("listening", "port", 8081));
            assertTrue(adoption.listenedAll(w));
            assertEquals(List.of("4242: listening on ports 8080, 8081"), readies);
        }
    }

    @Test
    void withReadinessByCallListeningDoesNotMakeReady() throws Exception {
        Worker w = worker("[reload]\nready = \"call\"\n");
        try (SlotSocket socket = SlotSocket.open("127.0.0.1", 0)) {
            PortAdoption adoption = adoption(socket);
            adoption.bind(new EmbeddedChannel(), w, WireMessage.of("bind", "port", 8080, "family", "inet"));
            adoption.listening(new EmbeddedChannel(), w, WireMessage.of("listening", "port", 8080));
            assertTrue(adoption.listenedAll(w));
            assertEquals(List.of(), readies);
        }
    }

    @Test
    void aBindOfAnotherPortOrWithoutASocketIsRefusedWithTheReason() throws Exception {
        Worker w = worker("");
        try (SlotSocket socket = SlotSocket.open("127.0.0.1", 0)) {
            EmbeddedChannel other = new EmbeddedChannel();
            adoption(socket).bind(other, w, WireMessage.of("bind", "port", 9999, "family", "inet"));
            assertEquals("port 9999 is not a port of app fake ([8080])", error(other).get("message"));
            assertFalse(other.isOpen());
        }
        EmbeddedChannel gone = new EmbeddedChannel();
        PortAdoption noSocket = adoption(null);
        noSocket.bind(gone, w, WireMessage.of("bind", "port", 8080, "family", "inet"));
        assertTrue(error(gone).get("message").startsWith("slot 0 has no socket for port 8080"), logged.toString());
        assertFalse(noSocket.adopted(w));
        assertTrue(logged.toString().contains("refused the bind of port 8080 to worker pid 4242"), logged.toString());
    }

    @Test
    void listeningWithoutABindIsIgnored() throws Exception {
        Worker w = worker("");
        PortAdoption adoption = adoption(null);
        adoption.listening(new EmbeddedChannel(), w, WireMessage.of("listening", "port", 8080));
        assertFalse(adoption.adopted(w));
        assertEquals(List.of(), readies);
        assertTrue(logged.toString().contains("which it did not bind through jcluster: ignored"), logged.toString());
    }

    @Test
    void aDrainingWorkerEndsWhenItsLastConnectionCloses() throws Exception {
        Worker w = worker("[reload]\nshutdown = \"late\"\n");
        PortAdoption adoption = draining(w, 3, 3);
        assertFalse(adoption.agentDrained(w), "three connections are open");
        now = now.plusSeconds(5);
        conns(adoption, w, 3, 3);
        assertEquals(List.of(), readies, "late: connections only the app can end still hold it");
        conns(adoption, w, 0, 0);
        assertEquals(List.of("4242: drained"), readies);
        assertTrue(logged.toString().contains("its last connection closed"), logged.toString());
    }

    @Test
    void autoLeavesConnectionsOnlyTheAppCanEndToItOnceNoneClosedForASecond() throws Exception {
        Worker w = worker("");
        PortAdoption adoption = draining(w, 4, 1);
        assertFalse(adoption.agentDrained(w));
        now = now.plusMillis(1500);
        conns(adoption, w, 3, 2);
        assertEquals(List.of(), readies, "one of them the library still ends itself (a response to come with Connection: close)");
        conns(adoption, w, 2, 2);
        assertEquals(List.of(), readies, "one just closed: the others may follow");
        now = now.plusMillis(999);
        conns(adoption, w, 2, 2);
        assertEquals(List.of(), readies);
        now = now.plusMillis(1);
        conns(adoption, w, 2, 2);
        assertEquals(List.of("4242: drained"), readies, "a second with no close, and each left is the app's to end");
        assertTrue(logged.toString().contains("its 2 open connection(s) are ones only the app can end"), logged.toString());
    }

    @Test
    void autoWithALibraryThatDoesNotSayWaitsForTheConnections() throws Exception {
        Worker w = worker("");
        PortAdoption adoption = draining(w, 2, -1);
        assertFalse(adoption.agentDrained(w));
        now = now.plusSeconds(5);
        conns(adoption, w, 2, -1);
        assertEquals(List.of(), readies);
    }

    @Test
    void earlyLeavesEveryConnectionToTheAppOnceTheAgentDrained() throws Exception {
        Worker w = worker("[reload]\nshutdown = \"early\"\n");
        PortAdoption adoption = draining(w, 5, 0);
        assertTrue(adoption.agentDrained(w), "SIGTERM now: the app's graceful shutdown ends its connections");
        assertTrue(logged.toString().contains("its 5 open connection(s) are left to the app's own shutdown"), logged.toString());
    }

    @Test
    void aDrainTimeoutNamesTheConnectionsStillOpen() throws Exception {
        Worker w = worker("");
        PortAdoption adoption = draining(w, 7, 0);
        adoption.drainTimedOut(w);
        assertTrue(logged.toString().contains("drain timeout (10s) with 7 open connection(s): SIGTERM"), logged.toString());
    }

    private java.time.Instant now = java.time.Instant.parse("2025-06-01T10:00:00Z");
    private EmbeddedChannel session;

    /** A worker whose library session counts {@code open} connections ({@code left} of them only the app's to end; -1: not said), draining. */
    private PortAdoption draining(Worker w, long open, long left) {
        PrimaryLog log = new PrimaryLog(new PrintStream(logged, true), "fake");
        PortAdoption adoption = new PortAdoption(log, () -> now, (x, port) -> null, (x, how) -> readies.add(x.pid() + ": " + how),
                x -> readies.add(x.pid() + ": drained"));
        session = new EmbeddedChannel();
        conns(adoption, w, open, left);
        adoption.drain(w, 10_000);
        ByteBuf drain = session.readOutbound();
        assertTrue(drain != null, "the library gets drain");
        drain.release();
        return adoption;
    }

    private void conns(PortAdoption adoption, Worker w, long open, long left) {
        adoption.conns(session, w, left < 0 ? WireMessage.of("conns", "open", open, "accepted", 10)
                : WireMessage.of("conns", "open", open, "accepted", 10, "left", left));
    }

    private PortAdoption adoption(SlotSocket socket) {
        PrimaryLog log = new PrimaryLog(new PrintStream(logged, true), "fake");
        return new PortAdoption(log, java.time.Instant::now, (w, port) -> socket, (w, how) -> readies.add(w.pid() + ": " + how), w -> readies.add(w.pid() + ": drained"));
    }

    private static WireMessage error(EmbeddedChannel ch) throws Exception {
        ByteBuf frame = ch.readOutbound();
        byte[] bytes = ByteBufUtil.getBytes(frame);
        frame.release();
        WireMessage m = Wire.read(new java.io.ByteArrayInputStream(bytes));
        assertEquals("error", m.type());
        return m;
    }

    private Worker worker(String toml) throws Exception {
        Files.write(dir.resolve("app.jar"), new byte[] {'P', 'K', 3, 4});
        Path file = dir.resolve("jcluster.toml");
        Files.writeString(file, "[app]\nname = \"fake\"\njar = \"app.jar\"\nport = 8080\ninstances = 1\n" + toml);
        AppConfig config = ConfigLoader.load(new StartSpec(file.toString(), null, dir.toString()));
        return new Worker(new Slot(0, (SlotSocket) null, config, 1), 1, config, new FakeLauncher.FakeProcess(4242), java.time.Instant.now());
    }
}
