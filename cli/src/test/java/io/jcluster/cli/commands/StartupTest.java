package io.jcluster.cli.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcluster.cli.Needs;
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
                instances = 3
                [app.env]
                DATABASE_PASSWORD = "hunter2"
                [reload]
                drain_timeout = "15s"
                ready_timeout = "45s"
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
                new Home(dir.resolve("home")), false, "alice", 252, false);
        assertEquals(fixture("jcluster-hello.service"), unit);
    }

    private String fixture(String name) throws IOException {
        try (InputStream in = StartupTest.class.getResourceAsStream("/startup/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).replace("@DIR@", dir.toString());
        }
    }

    @Test
    void systemd253AndLaterReloadByNotifyReload() throws Exception {
        AppConfig app = ConfigLoader.load(new StartSpec(config.toString(), Overrides.none(), dir.toString()));
        String unit = Startup.unit(app, config, dir.resolve("dist/bin/jcluster"), Path.of("/usr/bin/java"),
                new Home(dir.resolve("home")), false, "alice", 253, false);
        String old = Startup.unit(app, config, dir.resolve("dist/bin/jcluster"), Path.of("/usr/bin/java"),
                new Home(dir.resolve("home")), false, "alice", 252, false);
        assertTrue(unit.contains("\nType=notify-reload\nNotifyAccess=main\n"), unit);
        assertFalse(unit.contains("ExecReload="), "notify-reload sends SIGHUP itself: " + unit);
        assertTrue(old.contains("\nType=notify\n") && old.contains("\nExecReload=/bin/kill -HUP $MAINPID\n"), old);
        String unknown = Startup.unit(app, config, dir.resolve("dist/bin/jcluster"), Path.of("/usr/bin/java"),
                new Home(dir.resolve("home")), false, "alice", 0, false);
        assertEquals(old, unknown, "an unknown systemd gets the unit every systemd runs");
    }

    @Test
    void theSystemdVersionIsReadFromSystemctl() {
        assertEquals(252, Startup.systemdVersion("systemd 252 (252.38-1~deb12u1)\n+PAM +AUDIT +SELINUX\n"));
        assertEquals(257, Startup.systemdVersion("systemd 257 (257.9-1)\n"));
        assertEquals(0, Startup.systemdVersion("bash: systemctl: command not found\n"));
        assertEquals(0, Startup.systemdVersion(""));
    }

    @Test
    void socketUnitHoldsOneReusePortSocketPerSlot() throws Exception {
        AppConfig app = ConfigLoader.load(new StartSpec(config.toString(), Overrides.none(), dir.toString()));
        assertEquals(fixture("jcluster-hello.socket"), Startup.socketUnit(app, false));
        String unit = Startup.unit(app, config, dir.resolve("dist/bin/jcluster"), Path.of("/usr/bin/java"),
                new Home(dir.resolve("home")), false, "alice", 252, true);
        assertTrue(unit.contains("\nRequires=jcluster-hello.socket\nAfter=jcluster-hello.socket\n"), unit);
    }

    @Test
    void socketNeedsHandoff() throws Exception {
        Files.writeString(config, Files.readString(config).replace("instances = 3", "instances = 3\nlisten = \"self\""));
        assertEquals(2, run("startup", "systemd", "--socket", "--config", config.toString()));
        assertTrue(err.toString().contains("--socket needs listen = \"handoff\""), err.toString());
    }

    @Test
    void socketIsRefusedForAnAppOfSeveralPortsAndThePlainUnitIsNot() throws Exception {
        Files.writeString(config, Files.readString(config).replace("instances = 3", "instances = 3\nports = [8080, 8081]"));
        assertEquals(2, run("startup", "systemd", "--socket", "--config", config.toString()));
        assertTrue(err.toString().contains("--socket: app hello has ports 8080, 8081, and socket activation hands the primary the"
                + " sockets of one port only"), err.toString());
        assertEquals(0, run("startup", "systemd", "--config", config.toString()));
    }

    @Test
    void printedSocketUnitsPassSystemdAnalyze() throws Exception {
        int version = Startup.installedSystemd();
        assertEquals(0, run("startup", "systemd", "--socket", "--systemd-version", Integer.toString(version), "--config", config.toString()),
                err.toString());
        String[] units = out.toString().split("\n\n# ---- ");
        assertEquals(2, units.length, out.toString());
        assertTrue(units[0].startsWith("# ---- /etc/systemd/system/jcluster-hello.service\n"), units[0]);
        assertTrue(units[1].startsWith("/etc/systemd/system/jcluster-hello.socket\n"), units[1]);
        Path service = Files.writeString(dir.resolve("jcluster-hello.service"), units[0].substring(units[0].indexOf('\n') + 1));
        Path socket = Files.writeString(dir.resolve("jcluster-hello.socket"), units[1].substring(units[1].indexOf('\n') + 1));
        assertTrue(Files.readString(socket).contains("ListenStream=0.0.0.0:8080\nListenStream=0.0.0.0:8080\nListenStream=0.0.0.0:8080\n"));
        assertSystemdAnalyzeQuiet(service, socket);
    }

    @Test
    void userUnitRunsAsTheUserAndStartsWithTheSession() throws Exception {
        AppConfig app = ConfigLoader.load(new StartSpec(config.toString(), Overrides.none(), dir.toString()));
        String unit = Startup.unit(app, config, dir.resolve("dist/bin/jcluster"), Path.of("/usr/bin/java"),
                new Home(dir.resolve("home")), true, "alice", 252, false);
        assertFalse(unit.contains("User="), unit);
        assertTrue(unit.contains("WantedBy=default.target\n"), unit);
    }

    @Test
    void printedUnitHasNoSecretsAndPassesSystemdAnalyze() throws Exception {
        assertEquals(0, run("startup", "systemd", "--systemd-version", Integer.toString(Startup.installedSystemd()),
                "--config", config.toString()), err.toString());
        String unit = out.toString();
        assertFalse(unit.contains("hunter2") || unit.contains("DATABASE_PASSWORD"), "no environment secrets: " + unit);
        assertTrue(unit.contains("ExecStart=" + dir.resolve("dist/bin/jcluster") + " start --foreground " + config), unit);
        assertTrue(unit.contains("Restart=on-failure\n"), unit);
        assertTrue(unit.contains("Environment=JCLUSTER_JAVA=/"), "a java path: " + unit);
        assertTrue(unit.contains("TimeoutStopSec=30\n"), "drain 15s + stop 5s + 10s: " + unit);
        assertTrue(unit.contains("TimeoutStartSec=75\n"), "ready 45s + 30s: " + unit);
        assertSystemdAnalyzeQuiet(Files.writeString(dir.resolve("jcluster-hello.service"), unit));
    }

    /** {@code systemd-analyze verify} accepts the units and has nothing to say about them (it only warns about unknown keys and bad values). */
    private static void assertSystemdAnalyzeQuiet(Path... files) throws Exception {
        Path systemdAnalyze = Path.of("/usr/bin/systemd-analyze");
        Needs.that(Files.isExecutable(systemdAnalyze), "systemd-analyze (apt-get install -y systemd)");
        java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of(systemdAnalyze.toString(), "verify"));
        for (Path f : files) command.add(f.toString());
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), said);
        for (Path f : files) {
            String name = f.getFileName().toString();
            assertEquals("", said.lines().filter(l -> l.contains(name)).reduce("", (a, b) -> a + b + "\n"), said);
        }
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
    void installWithSocketWritesBothUnits() throws Exception {
        Path units = dir.resolve("units");
        assertEquals(0, run("startup", "systemd", "--user", "--socket", "--config", config.toString(), "--install",
                "--unit-dir", units.toString()), err.toString());
        assertTrue(Files.readString(units.resolve("jcluster-hello.service")).contains("Requires=jcluster-hello.socket\n"));
        assertTrue(Files.readString(units.resolve("jcluster-hello.socket")).startsWith("# jcluster app hello: made by jcluster startup systemd --socket --user\n"));
        assertTrue(out.toString().contains("systemctl --user enable --now jcluster-hello.socket jcluster-hello.service"), out.toString());
    }

    @Test
    void aFileOfSeveralAppsGetsOneUnitPerApp() throws Exception {
        Path multi = Files.writeString(dir.resolve("srv/apps.toml"), """
                [[app]]
                name = "db"
                jar = "app.jar"
                port = 9001
                [[app]]
                name = "api"
                jar = "app.jar"
                port = 9002
                after = ["db"]
                [app.env_production]
                MODE = "prod"
                """);
        assertEquals(2, run("startup", "systemd", "--config", multi.toString()));
        assertTrue(err.toString().contains("has 2 apps (db, api): a unit runs one primary; make one unit per app with --only <app>"),
                err.toString());
        assertEquals(0, run("startup", "systemd", "--config", multi.toString(), "--only", "api", "--env", "production"),
                err.toString());
        String unit = out.toString();
        assertTrue(unit.contains("Description=jcluster app api ("), unit);
        assertTrue(unit.contains(" start --foreground " + multi + " --only api --env production\n"), unit);
        assertEquals(2, run("startup", "systemd", "--config", multi.toString(), "--only", "web"));
        assertTrue(err.toString().contains("--only: no app 'web' in " + multi + " (its apps: db, api)"), err.toString());
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
        CommandLine cl = CommandLines.full();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        return cl.execute(args);
    }
}
