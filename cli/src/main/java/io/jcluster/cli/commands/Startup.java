package io.jcluster.cli.commands;

import io.jcluster.cli.config.AppConfig;
import io.jcluster.cli.config.ConfigException;
import io.jcluster.cli.config.ConfigLoader;
import io.jcluster.cli.config.Home;
import io.jcluster.cli.config.Overrides;
import io.jcluster.cli.config.StartSpec;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code jcluster startup systemd}: a systemd unit that runs an app's primary in the foreground,
 * restarts it on failure and starts it at boot. The unit names the config file and a java; the
 * app's environment stays in the config file, never in the unit.
 */
@Command(name = "startup", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Print (or --install) a systemd unit that runs an app at boot.",
                "The unit runs jcluster start --foreground <config>, restarts it on failure, and names",
                "the config file and a java, never the app's environment."})
final class Startup implements Callable<Integer> {
    /** Time systemd gives the primary to stop, beyond the app's drain and stop timeouts. */
    static final Duration STOP_MARGIN = Duration.ofSeconds(10);

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "<systemd>", completionCandidates = InitSystems.class,
            description = "The init system: systemd.")
    String init;

    @Option(names = "--config", paramLabel = "<jcluster.toml>", description = "The app's config file (default: ./jcluster.toml).")
    Path config;

    @Option(names = "--user", description = "A user unit (systemctl --user), instead of a system unit that runs as you.")
    boolean user;

    @Option(names = "--install", description = "Write the unit file (and run systemctl daemon-reload) instead of printing it.")
    boolean install;

    @Option(names = "--unit-dir", paramLabel = "<dir>",
            description = "Where --install writes the unit (default: /etc/systemd/system, or ~/.config/systemd/user with --user).")
    Path unitDir;

    @Option(names = "--java", paramLabel = "<path>",
            description = "The java that runs the primary (default: a stable path to the java running this command).")
    Path java;

    static final class InitSystems extends java.util.ArrayList<String> {
        InitSystems() {
            super(List.of("systemd"));
        }
    }

    @Override
    public Integer call() throws ConfigException, IOException, InterruptedException {
        if (!"systemd".equals(init)) {
            throw new ExitException(ExitException.USAGE, "no startup support for '" + init + "': only systemd");
        }
        Path cwd = Path.of("").toAbsolutePath();
        Path file = (config == null ? cwd.resolve("jcluster.toml") : cwd.resolve(config)).toAbsolutePath().normalize();
        if (!Files.isRegularFile(file)) {
            throw new ExitException(ExitException.USAGE, file + ": no such config file (a unit runs an app from its"
                    + " jcluster.toml: give it with --config)");
        }
        AppConfig app = ConfigLoader.load(new StartSpec(file.toString(), Overrides.none(), cwd.toString()));
        String dist = System.getProperty("jcluster.dist");
        if (dist == null) {
            throw new ExitException(ExitException.FAILURE, "run this from jcluster's distribution (bin/jcluster): the unit needs its path");
        }
        Path launcher = Path.of(dist).resolve("bin/jcluster").toAbsolutePath().normalize();
        Path javaPath = java != null ? java.toAbsolutePath() : stableJava(Path.of(System.getProperty("java.home")));
        String unit = unit(app, file, launcher, javaPath, Home.fromEnvironment(), user, System.getProperty("user.name"));
        String unitName = unitName(app.name());
        PrintWriter out = spec.commandLine().getOut();
        if (!install) {
            out.print(unit);
            out.flush();
            return 0;
        }
        Path dir = unitDir != null ? unitDir
                : user ? Path.of(System.getProperty("user.home"), ".config/systemd/user") : Path.of("/etc/systemd/system");
        Files.createDirectories(dir);
        Path target = dir.resolve(unitName);
        Files.writeString(target, unit);
        out.println("wrote " + target);
        String ctl = user ? "systemctl --user" : "systemctl";
        if (unitDir == null && Files.isDirectory(Path.of("/run/systemd/system"))) {
            List<String> reload = new java.util.ArrayList<>(List.of(ctl.split(" ")));
            reload.add("daemon-reload");
            Process r = new ProcessBuilder(reload).inheritIO().start();
            if (!r.waitFor(30, TimeUnit.SECONDS) || r.exitValue() != 0) {
                out.println("(" + ctl + " daemon-reload did not succeed: run it yourself)");
            }
        }
        out.println("start it now and at every boot: " + ctl + " enable --now " + unitName);
        if (user) out.println("to run it without a login session: loginctl enable-linger " + System.getProperty("user.name"));
        out.flush();
        return 0;
    }

    static String unitName(String app) {
        return "jcluster-" + app + ".service";
    }

    /** The unit for {@code app}. A pure function of its arguments, so tests compare it with a fixture. */
    static String unit(AppConfig app, Path configFile, Path launcher, Path java, Home home, boolean user, String userName) {
        Duration stop = app.reload().drainTimeout().plus(app.reload().stopTimeout()).plus(STOP_MARGIN);
        StringBuilder u = new StringBuilder();
        u.append("# jcluster app ").append(app.name()).append(": made by jcluster startup systemd").append(user ? " --user" : "").append('\n');
        u.append("# The app's settings and environment are in its config file, not here.\n");
        u.append("[Unit]\n");
        u.append("Description=jcluster app ").append(app.name()).append(" (").append(configFile).append(")\n");
        u.append("After=network-online.target\n");
        u.append("Wants=network-online.target\n");
        u.append('\n');
        u.append("[Service]\n");
        u.append("Type=simple\n");
        if (!user && userName != null && !userName.equals("root")) u.append("User=").append(userName).append('\n');
        u.append("WorkingDirectory=").append(quoteIfNeeded(configFile.getParent().toString())).append('\n');
        u.append("Environment=").append(quoteIfNeeded("JCLUSTER_HOME=" + home.root())).append('\n');
        u.append("Environment=").append(quoteIfNeeded("JCLUSTER_JAVA=" + java)).append('\n');
        u.append("ExecStart=").append(quoteIfNeeded(launcher.toString())).append(" start --foreground ")
                .append(quoteIfNeeded(configFile.toString())).append('\n');
        u.append("# SIGTERM goes to the primary only: it drains its workers, then SIGKILL reaches what is left.\n");
        u.append("KillMode=mixed\n");
        u.append("TimeoutStopSec=").append(stop.toSeconds()).append('\n');
        u.append("Restart=on-failure\n");
        u.append("RestartSec=2\n");
        u.append("# Exit code 2 is a bad config or a port in use: restarting will not help.\n");
        u.append("RestartPreventExitStatus=2\n");
        u.append("LimitNOFILE=65536\n");
        u.append('\n');
        u.append("[Install]\n");
        u.append("WantedBy=").append(user ? "default.target" : "multi-user.target").append('\n');
        return u.toString();
    }

    private static String quoteIfNeeded(String s) {
        if (s.matches("[A-Za-z0-9_@%+=:,./-]+")) return s;
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    /**
     * A path to {@code javaHome}'s java that survives updates: of {@code javaHome} and the symlinks
     * beside it that resolve to the same directory ({@code /usr/lib/jvm/java-17} for a versioned
     * {@code java-17-openjdk-17.0.9…}), the name with the fewest digits.
     */
    static Path stableJava(Path javaHome) {
        Path best = javaHome;
        try {
            Path real = javaHome.toRealPath();
            Path parent = javaHome.getParent();
            if (parent != null) {
                try (DirectoryStream<Path> s = Files.newDirectoryStream(parent)) {
                    for (Path p : s) {
                        if (!Files.isSymbolicLink(p)) continue;
                        try {
                            if (!p.toRealPath().equals(real)) continue;
                        } catch (IOException e) {
                            continue;
                        }
                        if (digits(p) < digits(best) || digits(p) == digits(best) && best != javaHome
                                && p.getFileName().toString().compareTo(best.getFileName().toString()) < 0) {
                            best = p;
                        }
                    }
                }
            }
        } catch (IOException e) {
            // java.home as it is
        }
        return best.resolve("bin/java");
    }

    private static long digits(Path p) {
        return p.getFileName().toString().chars().filter(Character::isDigit).count();
    }
}
