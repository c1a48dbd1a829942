package io.jcluster.cli;

import io.jcluster.cli.commands.CommandLines;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;

/**
 * The training run for the CLI's class-data archive, at build time (see {@code cli/pom.xml}): runs
 * the commands people type most, in one JVM started with {@code -XX:DumpLoadedClassList}, so that
 * the list names every class they load. {@code ls} and {@code stop} talk to a stand-in primary that
 * answers with a canned reply, so that reading a reply and printing the table are in the list too.
 */
public final class CdsTraining {
    /** The answer to every request: an app with a worker and the figures {@code ls} shows (fields it does not know are ignored, missing ones are null). */
    private static final String REPLY = "{\"ok\":true,\"status\":{\"name\":\"train\",\"state\":\"online\",\"port\":8080,"
            + "\"listen\":\"handoff\",\"primaryPid\":1,\"uptimeMillis\":1000,\"workers\":[{\"slot\":0,\"pid\":2,"
            + "\"state\":\"ready\",\"generation\":1,\"restarts\":1,\"uptimeMillis\":900,\"lastExit\":{\"slot\":0,\"pid\":3,"
            + "\"generation\":1,\"code\":137,\"signal\":\"KILL\",\"atEpochMillis\":1,\"reason\":\"crashed\",\"lastLines\":[\"x\"]},"
            + "\"heartbeat\":{\"heapUsed\":\"1\"}}]},"
            + "\"metrics\":{\"app\":\"train\",\"state\":\"online\",\"atEpochMillis\":1,"
            + "\"intervalMillis\":1000,\"workers\":[{\"slot\":0,\"pid\":2,\"state\":\"ready\",\"generation\":1,\"restarts\":1,"
            + "\"uptimeMillis\":900,\"cpuPercent\":1.5,\"rssBytes\":1048576,\"heapUsedBytes\":1024,\"heapMaxBytes\":4096,"
            + "\"requestsPerSecond\":10.0,\"latencyP99Millis\":1.25,\"gcPerSecond\":0.5}]}}\n";

    private CdsTraining() {}

    public static void main(String[] args) throws Exception {
        Main.startUp();
        Path home = Files.createTempDirectory("jcluster-cds-");
        System.setProperty("jcluster.home", home.toString());
        Path run = Files.createDirectories(home.resolve("run/train"));
        Path socket = run.resolve("control.sock");
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX).bind(UnixDomainSocketAddress.of(socket));
        Thread primary = new Thread(() -> answer(server), "stand-in primary");
        primary.setDaemon(true);
        primary.start();

        Path toml = Files.writeString(home.resolve("jcluster.toml"), "[app]\njar = \"missing.jar\"\nport = 8080\n[restart]\nmax_failures = 3\n");
        List<List<String>> commands = new ArrayList<>(List.of(List.of("--help"), List.of("--version"), List.of("ls"),
                List.of("ls", "--json"), List.of("ls", "train"), List.of("start", toml.toString()),
                List.of("start", home.resolve("missing.jar").toString()), List.of("nope")));
        for (String sub : CommandLines.full().getSubcommands().keySet()) commands.add(List.of(sub, "--help"));
        commands.add(List.of("stop", "train"));
        for (List<String> c : commands) {
            String[] line = c.toArray(String[]::new);
            CommandLine cl = CommandLines.forArgs(line);
            StringWriter err = new StringWriter();
            cl.setOut(new PrintWriter(new StringWriter()));
            cl.setErr(new PrintWriter(err));
            int code = cl.execute(line);
            if (c.get(0).equals("ls") && code != 0) System.out.println("training: ls failed: " + err);
        }
        server.close();
        try (var files = Files.walk(home)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        // quiet when it went as planned (a build under -q prints nothing); the class list says what it loaded
    }

    /** Answers every request line of every connection with {@link #REPLY}. */
    private static void answer(ServerSocketChannel server) {
        while (server.isOpen()) {
            try (SocketChannel ch = server.accept()) {
                StringBuilder line = new StringBuilder();
                ByteBuffer in = ByteBuffer.allocate(4096);
                while (ch.read(in.clear()) > 0) {
                    for (int i = 0; i < in.position(); i++) {
                        char c = (char) in.get(i);
                        if (c != '\n') {
                            line.append(c);
                            continue;
                        }
                        ch.write(ByteBuffer.wrap(REPLY.getBytes(StandardCharsets.UTF_8)));
                        line.setLength(0);
                    }
                }
            } catch (IOException e) {
                if (!server.isOpen()) return;
            }
        }
    }
}
