package io.jcluster.cli.commands;

import io.jcluster.cli.config.AppConfig;
import io.jcluster.cli.config.ConfigException;
import io.jcluster.cli.config.ConfigLoader;
import io.jcluster.cli.config.Durations;
import io.jcluster.cli.config.Home;
import io.jcluster.cli.config.Listen;
import io.jcluster.cli.config.Overrides;
import io.jcluster.cli.config.StartSpec;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code jcluster startup systemd}: a systemd unit that runs an app's primary in the foreground,
 * restarts it on failure and starts it at boot. The unit names the config file and a java; the
 * app's environment stays in the config file, never in the unit. The primary speaks sd_notify
 * ({@code Type=notify}, or {@code notify-reload} from systemd 253), is watched by systemd's watchdog,
 * and with {@code --socket} takes its listening sockets from a {@code .socket} unit beside the service.
 */
@Command(name = "startup", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Print (or --install) a systemd unit that runs an app at boot.",
                "The unit runs jcluster start --foreground <config>, restarts it on failure, and names",
                "the config file and a java, never the app's environment."})
final class Startup implements Callable<Integer> {
    /** Time systemd gives the primary to stop, beyond the app's drain and stop timeouts. */
    static final Duration STOP_MARGIN = Duration.ofSeconds(10);
    /** Time systemd gives the primary to start, beyond the workers' ready timeout: its own JVM, a restart or two. */
    static final Duration START_MARGIN = Duration.ofSeconds(30);
    /** A supervisor loop silent this long (it pings at half of it) is wedged. */
    static final Duration WATCHDOG = Duration.ofSeconds(30);
    /** From the watchdog's thread dump (SIGQUIT) to SIGKILL. */
    static final Duration ABORT = Duration.ofSeconds(10);
    /** The first systemd with {@code Type=notify-reload}. */
    static final int NOTIFY_RELOAD_SINCE = 253;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "<systemd>", completionCandidates = InitSystems.class,
            description = "The init system: systemd.")
    String init;

    @Option(names = "--config", paramLabel = "<jcluster.toml>", description = "The app's config file (default: ./jcluster.toml).")
    Path config;

    @Option(names = "--only", paramLabel = "<app>",
            description = "The app of a config file of several: one unit per app (it runs start --foreground <config> --only <app>).")
    String only;

    @Option(names = "--env", paramLabel = "<name>", description = "The unit starts the app with --env <name>.")
    String env;

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

    @Option(names = "--socket",
            description = {"Also write a .socket unit that holds the app's listening sockets, one per slot, and passes",
                    "them to the primary (LISTEN_FDS): the port stays open while the primary restarts."})
    boolean socket;

    @Option(names = "--systemd-version", paramLabel = "<n>",
            description = {"The systemd the unit is for (default: what systemctl --version says here, else 0):",
                    "253 or newer gets Type=notify-reload, older Type=notify with ExecReload."})
    Integer systemdVersion;

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
        StartSpec startSpec = new StartSpec(file.toString(), Overrides.none(), cwd.toString(), null, env);
        List<String> apps = ConfigLoader.appNames(startSpec);
        if (only == null && apps.size() > 1) {
            throw new ExitException(ExitException.USAGE, file + " has " + apps.size() + " apps (" + String.join(", ", apps)
                    + "): a unit runs one primary; make one unit per app with --only <app>");
        }
        if (only != null && !apps.contains(only)) {
            throw new ExitException(ExitException.USAGE, "--only: no app '" + only + "' in " + file + " (its apps: "
                    + String.join(", ", apps) + ")");
        }
        AppConfig app = ConfigLoader.load(apps.size() > 1 ? startSpec.withApp(only) : startSpec);
        String startArgs = (apps.size() > 1 ? " --only " + only : "") + (env == null ? "" : " --env " + quoteIfNeeded(env));
        if (socket && app.listen() != Listen.HANDOFF) {
            throw new ExitException(ExitException.USAGE, "--socket needs listen = \"handoff\": with \"" + app.listen().id()
                    + "\" every worker binds the port itself, and nothing would take systemd's sockets");
        }
        if (socket && app.severalPorts()) {
            throw new ExitException(ExitException.USAGE, "--socket: app " + app.name() + " has ports " + app.portsText()
                    + ", and socket activation hands the primary the sockets of one port only; leave --socket out (the"
                    + " primary then opens every port's sockets itself)");
        }
        String dist = System.getProperty("jcluster.dist");
        if (dist == null) {
            throw new ExitException(ExitException.FAILURE, "run this from jcluster's distribution (bin/jcluster): the unit needs its path");
        }
        Path launcher = Path.of(dist).resolve("bin/jcluster").toAbsolutePath().normalize();
        Path javaPath = java != null ? java.toAbsolutePath() : stableJava(Path.of(System.getProperty("java.home")));
        int version = systemdVersion != null ? systemdVersion : installedSystemd();
        String unit = unit(app, file, launcher, javaPath, Home.fromEnvironment(), user, System.getProperty("user.name"), version, socket,
                startArgs);
        String unitName = unitName(app.name());
        PrintWriter out = spec.commandLine().getOut();
        Path dir = unitDir != null ? unitDir
                : user ? Path.of(System.getProperty("user.home"), ".config/systemd/user") : Path.of("/etc/systemd/system");
        if (!install) {
            if (socket) out.println("# ---- " + dir.resolve(unitName));
            out.print(unit);
            if (socket) {
                out.println();
                out.println("# ---- " + dir.resolve(socketUnitName(app.name())));
                out.print(socketUnit(app, user));
            }
            out.flush();
            return 0;
        }
        Files.createDirectories(dir);
        Path target = dir.resolve(unitName);
        Files.writeString(target, unit);
        out.println("wrote " + target);
        if (socket) {
            Path socketTarget = dir.resolve(socketUnitName(app.name()));
            Files.writeString(socketTarget, socketUnit(app, user));
            out.println("wrote " + socketTarget);
        }
        String ctl = user ? "systemctl --user" : "systemctl";
        if (unitDir == null && Files.isDirectory(Path.of("/run/systemd/system"))) {
            List<String> reload = new java.util.ArrayList<>(List.of(ctl.split(" ")));
            reload.add("daemon-reload");
            Process r = new ProcessBuilder(reload).inheritIO().start();
            if (!r.waitFor(30, TimeUnit.SECONDS) || r.exitValue() != 0) {
                out.println("(" + ctl + " daemon-reload did not succeed: run it yourself)");
            }
        }
        out.println("start it now and at every boot: " + ctl + " enable --now " + (socket ? socketUnitName(app.name()) + " " : "") + unitName);
        if (user) out.println("to run it without a login session: loginctl enable-linger " + System.getProperty("user.name"));
        out.flush();
        return 0;
    }

    static String unitName(String app) {
        return "jcluster-" + app + ".service";
    }

    static String socketUnitName(String app) {
        return "jcluster-" + app + ".socket";
    }

    /**
     * The version of the systemd on this machine, from {@code systemctl --version}; 0 when there is
     * none or it does not say (the unit is then one that every systemd since 240 runs).
     */
    static int installedSystemd() {
        try {
            Process p = new ProcessBuilder("systemctl", "--version").redirectErrorStream(true).start();
            String said = new String(p.getInputStream().readNBytes(4096), StandardCharsets.UTF_8);
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return 0;
            }
            return systemdVersion(said);
        } catch (IOException e) {
            return 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        }
    }

    /** The version in {@code systemctl --version}'s first line ({@code systemd 252 (252.38-1~deb12u1)}), or 0. */
    static int systemdVersion(String said) {
        Matcher m = Pattern.compile("\\Asystemd (\\d{1,6})\\b").matcher(said.strip());
        return m.find() ? Integer.parseInt(m.group(1)) : 0;
    }

    /**
     * The service unit for {@code app}, for systemd {@code systemdVersion} (0: unknown), with
     * {@code Requires=} on its {@code .socket} unit when {@code socket}. A pure function of its
     * arguments, so tests compare it with a fixture.
     */
    static String unit(AppConfig app, Path configFile, Path launcher, Path java, Home home, boolean user, String userName,
                       int systemdVersion, boolean socket) {
        return unit(app, configFile, launcher, java, home, user, userName, systemdVersion, socket, "");
    }

    /** {@link #unit(AppConfig, Path, Path, Path, Home, boolean, String, int, boolean)} with {@code startArgs} ({@code " --only api"}) after the config file. */
    static String unit(AppConfig app, Path configFile, Path launcher, Path java, Home home, boolean user, String userName,
                       int systemdVersion, boolean socket, String startArgs) {
        Duration stop = app.reload().drainTimeout().plus(app.reload().stopTimeout()).plus(STOP_MARGIN);
        Duration start = app.reload().readyTimeout().plus(START_MARGIN);
        boolean notifyReload = systemdVersion >= NOTIFY_RELOAD_SINCE;
        StringBuilder u = new StringBuilder();
        u.append("# jcluster app ").append(app.name()).append(": made by jcluster startup systemd").append(user ? " --user" : "").append('\n');
        u.append("# The app's settings and environment are in its config file, not here.\n");
        u.append("[Unit]\n");
        u.append("Description=jcluster app ").append(app.name()).append(" (").append(configFile).append(")\n");
        u.append("After=network-online.target\n");
        u.append("Wants=network-online.target\n");
        if (socket) {
            u.append("# The listening sockets, held by systemd across restarts of the primary.\n");
            u.append("Requires=").append(socketUnitName(app.name())).append('\n');
            u.append("After=").append(socketUnitName(app.name())).append('\n');
        }
        u.append('\n');
        u.append("[Service]\n");
        u.append("# READY=1 once every slot serves; RELOADING=1 ... READY=1 around a reload; STOPPING=1.\n");
        u.append("Type=").append(notifyReload ? "notify-reload" : "notify").append('\n');
        u.append("NotifyAccess=main\n");
        if (!user && userName != null && !userName.equals("root")) u.append("User=").append(userName).append('\n');
        u.append("WorkingDirectory=").append(quoteIfNeeded(configFile.getParent().toString())).append('\n');
        u.append("Environment=").append(quoteIfNeeded("JCLUSTER_HOME=" + home.root())).append('\n');
        u.append("Environment=").append(quoteIfNeeded("JCLUSTER_JAVA=" + java)).append('\n');
        u.append("ExecStart=").append(quoteIfNeeded(launcher.toString())).append(" start --foreground ")
                .append(quoteIfNeeded(configFile.toString())).append(startArgs).append('\n');
        if (notifyReload) {
            u.append("# systemctl reload: SIGHUP, a rolling reload that re-reads the config file; done at READY=1.\n");
        } else {
            u.append("# SIGHUP: a rolling reload that re-reads the config file (systemd 253+ would use Type=notify-reload).\n");
            u.append("ExecReload=/bin/kill -HUP $MAINPID\n");
        }
        u.append("# The workers start together, each within ready_timeout (").append(Durations.format(app.reload().readyTimeout()))
                .append("); a longer reload extends it.\n");
        u.append("TimeoutStartSec=").append(start.toSeconds()).append('\n');
        u.append("# The primary's loop pings every ").append(WATCHDOG.toSeconds() / 2).append("s; silent for ")
                .append(WATCHDOG.toSeconds()).append("s, it gets a thread dump, then SIGKILL.\n");
        u.append("WatchdogSec=").append(WATCHDOG.toSeconds()).append('\n');
        u.append("WatchdogSignal=SIGQUIT\n");
        u.append("TimeoutAbortSec=").append(ABORT.toSeconds()).append('\n');
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

    /**
     * The {@code .socket} unit for {@code app}: one {@code ListenStream=} per slot on the app's port,
     * all with SO_REUSEPORT ({@code ReusePort=yes}), so the primary gets the N sockets of one reuseport
     * group that it would otherwise open itself and gives the i-th to slot i.
     */
    static String socketUnit(AppConfig app, boolean user) {
        String address;
        try {
            InetAddress a = InetAddress.getByName(app.host());
            address = (a instanceof Inet6Address ? "[" + a.getHostAddress() + "]" : a.getHostAddress()) + ":" + app.port();
        } catch (UnknownHostException e) {
            throw new ExitException(ExitException.USAGE, "host " + app.host() + " does not resolve: " + e.getMessage());
        }
        StringBuilder u = new StringBuilder();
        u.append("# jcluster app ").append(app.name()).append(": made by jcluster startup systemd --socket").append(user ? " --user" : "").append('\n');
        u.append("# systemd holds the app's listening sockets and passes them to the primary (LISTEN_FDS): the port\n");
        u.append("# stays open, and connections wait in the queues, while the primary restarts or is upgraded.\n");
        u.append("[Unit]\n");
        u.append("Description=jcluster app ").append(app.name()).append(": port ").append(app.port()).append(", ")
                .append(app.instances()).append(" socket(s), one per slot\n");
        u.append('\n');
        u.append("[Socket]\n");
        u.append("# One socket per slot (instances = ").append(app.instances())
                .append("), all on the same port: the kernel spreads connections over them.\n");
        for (int i = 0; i < app.instances(); i++) u.append("ListenStream=").append(address).append('\n');
        u.append("ReusePort=yes\n");
        u.append("Backlog=4096\n");
        u.append("# The primary takes the fds named so that listen on port ").append(app.port()).append(", in this order.\n");
        u.append("FileDescriptorName=port-").append(app.port()).append('\n');
        u.append('\n');
        u.append("[Install]\n");
        u.append("WantedBy=sockets.target\n");
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
