package io.jcluster.cli.primary;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcluster.cli.Needs;
import io.jcluster.cli.config.AppConfig;
import io.jcluster.cli.config.Home;
import io.jcluster.cli.config.StartSpec;
import io.jcluster.cli.control.AppStatus;
import io.jcluster.cli.control.HandOverReply;
import io.jcluster.cli.control.RecordJson;
import io.jcluster.cli.host.AgentJar;
import io.jcluster.cli.host.PortOwners;
import io.jcluster.cli.primary.supervisor.SupervisedApp;
import io.netty.channel.epoll.Epoll;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A primary that {@code jcluster upgrade} started, against a fake running primary on a real
 * {@code control.sock}: the upgrade request that comes before the take-over begins (the CLI connects
 * as soon as the new primary's control socket exists) follows the take-over instead of being told
 * that none runs; and a refused hand-over fails the upgrade before anything starts. No worker is
 * launched: the apps run with {@code listen = "self"}, so no socket is handed over.
 */
class TakeOverRaceTest {
    @TempDir
    Path dir;
    private Home home;
    private AppConfig config;
    private final ByteArrayOutputStream log = new ByteArrayOutputStream();

    @BeforeEach
    void app() throws Exception {
        Needs.that(Epoll.isAvailable(), "netty's native epoll transport");
        // a primary finds the worker agent beside worker-runtime's jar: mvn verify (or package) makes it
        Needs.that(Files.isRegularFile(AgentJar.runtimeJar()), "worker-runtime's jar (run the tests with mvn verify)");
        home = new Home(dir.resolve("home"));
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        config = SupervisedApp.config(dir, port, "");
        home.prepare(config.name());
    }

    /** The running primary: answers the hand-over with {@code reply}, then holds the lease until it closes; says what it read. */
    private CompletableFuture<List<String>> runningPrimary(HandOverReply reply) throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(home.controlSocket(config.name())));
        CompletableFuture<List<String>> heard = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            List<String> lines = new ArrayList<>();
            try (server; SocketChannel lease = server.accept()) {
                BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(lease), StandardCharsets.UTF_8));
                lines.add(in.readLine());
                lease.write(ByteBuffer.wrap((RecordJson.write(reply) + "\n").getBytes(StandardCharsets.UTF_8)));
                for (String line; (line = in.readLine()) != null; ) lines.add(line); // until the lease closes
                heard.complete(lines);
            } catch (IOException e) {
                heard.completeExceptionally(e);
            }
        }, "running-primary");
        t.setDaemon(true);
        t.start();
        return heard;
    }

    private HandOverReply offer() {
        return new HandOverReply(true, null, HandOverReply.PROTOCOL, ProcessHandle.current().pid(), 1L, 2, config.port(),
                config.host(), "self", List.of());
    }

    private Primary takingOver() throws IOException {
        StartSpec spec = new StartSpec(dir.resolve("jcluster.toml").toString(), null, dir.toString());
        return Primary.takingOver(home, spec, config, new PrintStream(log, true, StandardCharsets.UTF_8));
    }

    @Test
    void anUpgradeRequestBeforeTheTakeOverBeginsFollowsIt() throws Exception {
        CompletableFuture<List<String>> heard = runningPrimary(offer());
        Primary primary = takingOver();
        try {
            CompletableFuture<AppStatus> upgrade = primary.upgrade(step -> {}); // before takeOver(control): the race
            primary.status().get(10, TimeUnit.SECONDS); // the loop has handled the upgrade request, which came first
            assertFalse(upgrade.isCompletedExceptionally(), () -> "answered: " + upgrade.handle((s, e) -> e.getMessage()).join());
            assertFalse(upgrade.isDone(), "it waits for the take-over's outcome");
        } finally {
            primary.close();
        }
        List<String> lines = heard.get(10, TimeUnit.SECONDS);
        assertEquals("{\"command\":\"hand-over\"}", lines.get(0));
        assertEquals(1, lines.size(), "closing the lease without retire: the running primary carries on");
    }

    @Test
    void aRefusedHandOverFailsTheUpgradeBeforeAnythingStarts() throws Exception {
        CompletableFuture<List<String>> heard = runningPrimary(HandOverReply.refused("cannot upgrade now: a scale from 2 to 3 is running;"
                + " wait for it to finish"));
        IOException e = assertThrows(IOException.class, this::takingOver);
        assertEquals("the running primary refuses the hand-over: cannot upgrade now: a scale from 2 to 3 is running; wait for it"
                + " to finish", e.getMessage());
        assertEquals(1, heard.get(10, TimeUnit.SECONDS).size(), "the lease closed at once");
        assertFalse(Files.exists(home.pidFile(config.name())), "no pid file was written");
        assertTrue(PortOwners.isFree(config.host(), config.port()), "no port was bound");
    }
}
