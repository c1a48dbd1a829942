package io.jcluster.cli.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcluster.cli.Main;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Every bad start gives its exact error, exits 2 and starts nothing. Runs {@code jcluster start}
 * in-process through picocli with captured output.
 */
class StartErrorsTest {
    @TempDir
    Path dir;
    Path jar;
    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();

    @BeforeEach
    void setUp() throws IOException {
        System.setProperty("jcluster.home", dir.resolve("home").toString());
        jar = Files.write(dir.resolve("app.jar"), new byte[] {'P', 'K', 3, 4});
    }

    @AfterEach
    void tearDown() {
        System.clearProperty("jcluster.home");
    }

    private int start(String... args) {
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        String[] all = new String[args.length + 1];
        all[0] = "start";
        System.arraycopy(args, 0, all, 1, args.length);
        return cl.execute(all);
    }

    private Path config(String text) throws IOException {
        return Files.writeString(dir.resolve("jcluster.toml"), text);
    }

    private void assertNothingStarted() {
        assertFalse(Files.exists(dir.resolve("home/run")), "no run directory was created");
    }

    @Test
    void unknownKeyNamesFileLineAndKey() throws IOException {
        Path c = config("[app]\njar = \"app.jar\"\ninstancess = 2\n");
        assertEquals(2, start(c.toString()));
        assertEquals("jcluster: " + c + ":3: app.instancess: unknown key; [app] takes after, aot_cache, args, cwd, env, host, instances, "
                + "jar, java, jvm_args, listen, name, port, ports, spares, and the tables env_<name>, restart, reload, health, logs, metrics, "
                + "overload, recycle, watch\n", err.toString());
        assertNothingStarted();
    }

    @Test
    void unknownTableNamesIt() throws IOException {
        Path c = config("[app]\njar = \"app.jar\"\n\n[restarts]\nmax_failures = 3\n");
        assertEquals(2, start(c.toString()));
        assertTrue(err.toString().startsWith("jcluster: " + c + ":4: restarts: unknown key; the top level takes app, health, logs, metrics, overload, recycle, reload, restart, watch"),
                err.toString());
    }

    @Test
    void wrongTypeNamesFileLineAndKey() throws IOException {
        Path c = config("[app]\njar = \"app.jar\"\nport = \"8080\"\n");
        assertEquals(2, start(c.toString()));
        assertEquals("jcluster: " + c + ":3: app.port: expected a whole number, got \"8080\"\n", err.toString());
        assertNothingStarted();
    }

    @Test
    void badDurationNamesFileLineAndKey() throws IOException {
        Path c = config("[app]\njar = \"app.jar\"\n[restart]\nbackoff_initial = \"fast\"\n");
        assertEquals(2, start(c.toString()));
        assertEquals("jcluster: " + c + ":4: restart.backoff_initial: 'fast' is not a duration (write it like 500ms, 5s, 2m or 1h)\n",
                err.toString());
    }

    @Test
    void badInstancesNamesFileLineAndKey() throws IOException {
        Path c = config("[app]\njar = \"app.jar\"\ninstances = 0\n");
        assertEquals(2, start(c.toString()));
        assertEquals("jcluster: " + c + ":3: app.instances: '0' is not a worker count (write auto or a number from 1 to 1024)\n",
                err.toString());
    }

    @Test
    void missingJarInConfigNamesFileLineAndKey() throws IOException {
        Path c = config("# my app\n[app]\njar = \"missing.jar\"\n");
        assertEquals(2, start(c.toString()));
        assertEquals("jcluster: " + c + ":3: app.jar: no such jar: " + dir.resolve("missing.jar") + "\n", err.toString());
        assertNothingStarted();
    }

    @Test
    void missingJarOnTheCommandLine() {
        assertEquals(2, start("nope.jar"));
        assertTrue(err.toString().startsWith("jcluster: nope.jar: no such jar (looked for "), err.toString());
        assertNothingStarted();
    }

    @Test
    void syntaxErrorNamesFileAndLine() throws IOException {
        Path c = config("[app]\njar = \"app.jar\"\nport = = 3\n");
        assertEquals(2, start(c.toString()));
        assertTrue(err.toString().startsWith("jcluster: " + c + ":3: not valid TOML"), err.toString());
    }

    @Test
    void missingConfigFile() {
        assertEquals(2, start(dir.resolve("nope.toml").toString()));
        assertEquals("jcluster: " + dir.resolve("nope.toml") + ": no such config file\n", err.toString());
    }

    @Test
    void portTakenByAnotherProcessNamesTheKeyAndTheHolder() throws IOException {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress("0.0.0.0", 0));
            int port = taken.getLocalPort();
            Path c = config("[app]\njar = \"app.jar\"\nport = " + port + "\n");
            assertEquals(2, start(c.toString()));
            assertTrue(err.toString().startsWith("jcluster: " + c + ":3: app.port: port " + port
                    + " is already in use by pid " + ProcessHandle.current().pid()), err.toString());
            assertNothingStarted();
        }
    }

    @Test
    void eachOfSeveralPortsMustBeFree() throws IOException {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress("0.0.0.0", 0));
            int port = taken.getLocalPort();
            int free = port == 65535 ? port - 1 : port + 1;
            Path c = config("[app]\njar = \"app.jar\"\nports = [" + free + ", " + port + "]\n");
            assertEquals(2, start(c.toString()));
            assertTrue(err.toString().startsWith("jcluster: " + c + ":3: app.ports: port " + port
                    + " is already in use by pid " + ProcessHandle.current().pid()), err.toString());
            assertNothingStarted();
        }
    }

    @Test
    void theFlagTakesSeveralPortsAsAListOrRepeated() {
        // both forms reach the config checks: a port twice is the same error either way
        assertEquals(2, start(jar.toString(), "-p", "9000,9000"));
        assertEquals("jcluster: app.ports: port 9000 is listed twice\n", err.toString());
        err.getBuffer().setLength(0);
        assertEquals(2, start(jar.toString(), "-p", "9000", "--port", "9000"));
        assertEquals("jcluster: app.ports: port 9000 is listed twice\n", err.toString());
        err.getBuffer().setLength(0);
        assertEquals(2, start(jar.toString(), "-p", "9000,http"));
        assertTrue(err.toString().contains("'http' is not an int"), err.toString());
        assertNothingStarted();
    }

    @Test
    void badFlagIsAUsageError() {
        assertEquals(2, start("app.jar", "--instances", "many"));
        assertTrue(err.toString().contains("'many' is not a worker count"), err.toString());
    }

    @Test
    void noArgumentWithoutAJclusterTomlHereIsAUsageError() {
        assertEquals(2, start());
        assertEquals("jcluster: nothing to start: give a jar or a config file (there is no jcluster.toml in "
                + Path.of("").toAbsolutePath() + ")\n", err.toString());
        assertNothingStarted();
    }

    @Test
    void flagsForOneAppAreRefusedForSeveral() throws IOException {
        Path c = config("[[app]]\nname = \"a\"\njar = \"app.jar\"\n[[app]]\nname = \"b\"\njar = \"app.jar\"\n");
        assertEquals(2, start(c.toString(), "-p", "9000"));
        assertEquals("jcluster: --port is for one app, and this starts 2 (a, b): pick one with --only\n", err.toString());
        assertNothingStarted();
        assertEquals(2, start(jar.toString(), "--only", "a"));
        assertTrue(err.toString().endsWith("jcluster: --only picks apps of a config file, not of a jar\n"), err.toString());
        assertEquals(2, start(c.toString(), "--env", "prod"));
        assertTrue(err.toString().endsWith(c + ":1: app 'a': app.env_prod: --env prod: no app of this file has [app.env_prod]"
                + " (it has no named environments)\n"), err.toString());
        assertNothingStarted();
    }
}
