package io.jcluster.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The primary that {@code start} launches runs in a session of its own and is no child of the CLI
 * (so the CLI returns the moment the app is ready); a primary that dies at start is still reported
 * with its own output and its exit code, which the CLI learns from the primary's log.
 */
@Timeout(180)
class DetachedStartIT {
    private static final Pattern PID = Pattern.compile("primary pid (\\d+)");

    @Test
    void theDetachedPrimaryLeadsASessionOfItsOwnAndItsPidIsTheOneStartPrinted() throws Exception {
        assumeTrue(Files.isRegularFile(Sandbox.HELLO_JAR), "hello-netty.jar is built");
        try (Sandbox sb = new Sandbox()) {
            Sandbox.Result r = sb.cli("start", Sandbox.HELLO_JAR.toAbsolutePath().toString(), "-i", "1",
                    "-p", Integer.toString(Sandbox.freePort()), "--name", "detached");
            assertEquals(0, r.code(), () -> r.all() + sb.primaryLog("detached"));
            long printed = printedPid(r.out());
            long recorded = Long.parseLong(Files.readString(sb.home.resolve("run/detached/primary.pid")).trim());
            assertEquals(recorded, printed, r.out());
            String stat = Files.readString(Path.of("/proc", Long.toString(recorded), "stat"));
            String[] after = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            assertEquals(Long.toString(recorded), after[3], "the primary leads its own session: " + stat);
            assertEquals(0, sb.cli("stop", "detached").code());
            assertFalse(Sandbox.alive(recorded));
            assertTrue(sb.primaryLog("detached").contains("] the primary exits with code 0"), sb.primaryLog("detached"));
        }
    }

    @Test
    void aPrimaryThatCannotTakeItsMetricsPortExitsWithAUsageErrorAndItsReason() throws Exception {
        assumeTrue(Files.isRegularFile(Sandbox.HELLO_JAR), "hello-netty.jar is built");
        try (Sandbox sb = new Sandbox(); ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            sb.write("jcluster.toml", "[app]\nname = \"taken\"\njar = \"" + Sandbox.HELLO_JAR.toAbsolutePath() + "\"\n"
                    + "instances = 1\nport = " + Sandbox.freePort() + "\n[metrics]\nlisten = \"127.0.0.1:" + taken.getLocalPort() + "\"\n");
            Sandbox.Result r = sb.cli("start", "jcluster.toml");
            assertEquals(2, r.code(), () -> r.all() + sb.primaryLog("taken"));
            assertTrue(r.err().contains("cannot serve Prometheus metrics on 127.0.0.1:" + taken.getLocalPort()), r.all());
            assertFalse(r.err().contains("exits with code"), "the exit line is the CLI's to read, not to show: " + r.err());
            assertFalse(Sandbox.alive(printedPid(r.out())));
            assertEquals(List.of(), sb.leftovers());
        }
    }

    @Test
    void aPrimaryWhoseJvmCannotStartIsReportedWithTheJvmsWords() throws Exception {
        assumeTrue(Files.isRegularFile(Sandbox.HELLO_JAR), "hello-netty.jar is built");
        try (Sandbox sb = new Sandbox()) {
            Sandbox.Result r = sb.cli(Map.of("JCLUSTER_PRIMARY_JVM_ARGS", "-XX:+NoSuchOptionForJcluster"), "start",
                    Sandbox.HELLO_JAR.toAbsolutePath().toString(), "-i", "1", "-p", Integer.toString(Sandbox.freePort()),
                    "--name", "nojvm");
            assertEquals(1, r.code(), r.all());
            assertTrue(r.err().contains("Unrecognized VM option 'NoSuchOptionForJcluster'"), r.all());
            assertEquals(List.of(), sb.leftovers());
        }
    }

    private static long printedPid(String out) {
        Matcher m = PID.matcher(out);
        assertTrue(m.find(), out);
        return Long.parseLong(m.group(1));
    }
}
