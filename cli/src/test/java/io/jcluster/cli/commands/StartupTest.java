package io.jcluster.cli.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jcluster.cli.Main;
import io.jcluster.cli.config.AppConfig;
import io.jcluster.cli.config.ConfigLoader;
import io.jcluster.cli.config.Home;
import io.jcluster.cli.config.Overrides;
import io.jcluster.cli.config.StartSpec;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code jcluster startup systemd}: the unit matches a fixture, holds no secret from the app's
 * environment, and passes {@code systemd-analyze verify} where that is installed.
 */
class StartupTest {
    @TempDir
    Path dir;
    Path config;
    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();

    @BeforeEach
    void setUp() throws IOException {
        Files.createDirectories(dir.resolve("srv"));
        Files.write(dir.resolve("srv/app.jar"), new byte[] {'P', 'K', 3, 4});
        config = Files.writeString(dir.resolve("srv/jcluster.toml"), """
                [app]
                name = "hello"
                jar = "app.jar"
                [app.env]
                DATABASE_PASSWORD = "hunter2"
                [reload]
                drain_timeout = "15s"
                """);
        Path launcher = dir.resolve("dist/bin/jcluster");
        Files.createDirectories(launcher.getParent());
        Files.writeString(launcher, "#!/bin/sh\nexit 0\n");
        Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
        System.setProperty("jcluster.home", dir.resolve("home").toString());
        System.setProperty("jcluster.dist", dir.resolve("dist").toString());
    }

    @AfterEach
    void tearDown() {
        System.clearProperty("jcluster.home");
        System.clearProperty("jcluster.dist");
    }

    @Test
    void unitMatchesTheFixture() throws Exception {
        AppConfig app = ConfigLoader.load(new StartSpec(config.toString(), Overrides.none(), dir.toString()));
        String unit = Startup.unit(app, config, dir.resolve("dist/bin/jcluster"), Path.of("/usr/lib/jvm/java-17/bin/java"),
                new Home(dir.resolve("home")), false, "alice");
        String expected;
        try (InputStream in = StartupTest.class.getResourceAsStream("/startup/jcluster-hello.service")) {
            expected = new String(in.readAllBytes(), StandardCharsets.UTF_8).replace("@DIR@", dir.toString());
        }
        assertEquals(expected, unit);
    }

    @Test
    void userUnitRunsAsTheUserAndStartsWithTheSession() throws Exception {
        AppConfig app = ConfigLoader.load(new StartSpec(config.toString(), Overrides.none(), dir.toString()));
        String unit = Startup.unit(app, config, dir.resolve("dist/bin/jcluster"), Path.of("/usr/bin/java"),
                new Home(dir.resolve("home")), true, "alice");
        assertFalse(unit.contains("User="), unit);
        assertTrue(unit.contains("WantedBy=default.target\n"), unit);
    }

    @Test
    void printedUnitHasNoSecretsAndPassesSystemdAnalyze() throws Exception {
        assertEquals(0, run("startup", "systemd", "--config", config.toString()), err.toString());
        String unit = out.toString();
        assertFalse(unit.contains("hunter2") || unit.contains("DATABASE_PASSWORD"), "no environment secrets: " + unit);
        assertTrue(unit.contains("ExecStart=" + dir.resolve("dist/bin/jcluster") + " start --foreground " + config), unit);
        assertTrue(unit.contains("Restart=on-failure\n"), unit);
        assertTrue(unit.contains("Environment=JCLUSTER_JAVA=/"), "a java path: " + unit);
        assertTrue(unit.contains("TimeoutStopSec=30\n"), "drain 15s + stop 5s + 10s: " + unit);

        Path systemdAnalyze = Path.of("/usr/bin/systemd-analyze");
        assumeTrue(Files.isExecutable(systemdAnalyze), "systemd-analyze is installed (the fixture test covers the rest)");
        Path file = Files.writeString(dir.resolve("jcluster-hello.service"), unit);
        Process p = new ProcessBuilder(systemdAnalyze.toString(), "verify", file.toString()).redirectErrorStream(true).start();
        String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), said);
        // verify only warns about unknown keys and bad values: it must have nothing to say about ours
        assertEquals("", said.lines().filter(l -> l.contains(file.getFileName().toString())).reduce("", (a, b) -> a + b + "\n"));
    }

    @Test
    void installWritesTheUnitFile() throws Exception {
        Path units = dir.resolve("units");
        assertEquals(0, run("startup", "systemd", "--user", "--config", config.toString(), "--install", "--unit-dir", units.toString()),
                err.toString());
        Path file = units.resolve("jcluster-hello.service");
        assertTrue(Files.readString(file).contains("WantedBy=default.target"));
        assertTrue(out.toString().contains("systemctl --user enable --now jcluster-hello.service"), out.toString());
    }

    @Test
    void missingConfigIsAUsageError() {
        assertEquals(2, run("startup", "systemd", "--config", dir.resolve("nope.toml").toString()));
        assertTrue(err.toString().contains("no such config file"), err.toString());
        assertEquals(2, run("startup", "upstart"));
    }

    @Test
    void stableJavaPrefersAnUnversionedLinkBesideJavaHome() throws IOException {
        Path jvm = dir.resolve("jvm");
        Path real = Files.createDirectories(jvm.resolve("java-17-openjdk-17.0.9.0.9-1.el9.x86_64"));
        Files.createSymbolicLink(jvm.resolve("jre-17"), real);
        Files.createSymbolicLink(jvm.resolve("java-17"), real);
        Files.createSymbolicLink(jvm.resolve("java-21"), Files.createDirectories(jvm.resolve("java-21-openjdk")));
        assertEquals(jvm.resolve("java-17/bin/java"), Startup.stableJava(real));
        Path debian = Files.createDirectories(dir.resolve("deb/java-17-openjdk-amd64"));
        Files.createSymbolicLink(dir.resolve("deb/java-1.17.0-openjdk-amd64"), debian);
        assertEquals(debian.resolve("bin/java"), Startup.stableJava(debian));
    }

    private int run(String... args) {
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        return cl.execute(args);
    }
}
