package io.jcluster.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcluster.cli.Needs;
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
        Needs.that(Files.isRegularFile(Sandbox.HELLO_JAR), "hello-netty.jar is built");
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

    /**
     * The primary holds neither jackson-databind nor the TOML parser (a fifth of its classes, see
     * bench/RESULTS.md): it runs the config that start resolved, and a reload has a short-lived
     * {@code jcluster __config} read the file again. Checked in the live JVM's loaded classes, before and
     * after a reload whose new config the new worker runs.
     */
    @Test
    void thePrimaryLoadsNoDatabindNorTomlParserAndStillReloadsItsConfig() throws Exception {
        Needs.that(Files.isRegularFile(Sandbox.HELLO_JAR), "hello-netty.jar is built");
        try (Sandbox sb = new Sandbox()) {
            String toml = "[app]\nname = \"lean\"\njar = \"" + Sandbox.HELLO_JAR.toAbsolutePath() + "\"\ninstances = 1\nport = "
                    + Sandbox.freePort() + "\n[reload]\nwarmup = \"0s\"\n";
            sb.write("jcluster.toml", toml);
            Sandbox.Result r = sb.cli("start", "jcluster.toml");
            assertEquals(0, r.code(), () -> r.all() + sb.primaryLog("lean"));
            long primary = printedPid(r.out());
            assertLean(primary);
            sb.write("jcluster.toml", toml.replace("[reload]", "[app.env]\nLEAN_MARK = \"reloaded\"\n[reload]"));
            Sandbox.Result reload = sb.cli("reload", "lean");
            assertEquals(0, reload.code(), () -> reload.all() + sb.primaryLog("lean"));
            long worker = sb.worker("lean", 0).get("pid").asLong();
            String environ = Files.readString(Path.of("/proc", Long.toString(worker), "environ"));
            assertTrue(List.of(environ.split("\0")).contains("LEAN_MARK=reloaded"), "the new worker runs the config read again");
            assertLean(primary);
            assertEquals(0, sb.cli("stop", "lean").code());
        }
    }

    /** The classes loaded in the JVM of {@code pid}, listed by jcmd, hold the primary's but no databind or TOML parser. */
    private static void assertLean(long pid) throws Exception {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid), "VM.class_hierarchy").redirectErrorStream(true).start();
        String classes = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), classes);
        assertTrue(classes.contains("io.jcluster.cli.primary.supervisor.Supervisor"), "the listing is the primary's: " + classes.length() + " chars");
        assertFalse(classes.contains("com.fasterxml.jackson.databind."), "the primary loaded jackson-databind");
        assertFalse(classes.contains("com.fasterxml.jackson.dataformat.toml."), "the primary loaded the TOML parser");
    }

    @Test
    void aPrimaryThatCannotTakeItsMetricsPortExitsWithAUsageErrorAndItsReason() throws Exception {
        Needs.that(Files.isRegularFile(Sandbox.HELLO_JAR), "hello-netty.jar is built");
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
        Needs.that(Files.isRegularFile(Sandbox.HELLO_JAR), "hello-netty.jar is built");
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
