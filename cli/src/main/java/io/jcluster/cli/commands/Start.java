package io.jcluster.cli.commands;

import io.jcluster.cli.config.AppConfig;
import io.jcluster.cli.config.ConfigException;
import io.jcluster.cli.config.ConfigLoader;
import io.jcluster.cli.config.Home;
import io.jcluster.cli.config.Instances;
import io.jcluster.cli.config.Listen;
import io.jcluster.cli.config.LogTarget;
import io.jcluster.cli.config.Overrides;
import io.jcluster.cli.config.PlannedApp;
import io.jcluster.cli.config.StartOrder;
import io.jcluster.cli.config.StartSpec;
import io.jcluster.cli.control.AppNotRunningException;
import io.jcluster.cli.control.Apps;
import io.jcluster.cli.control.ControlClient;
import io.jcluster.cli.control.ControlReply;
import io.jcluster.cli.control.ControlRequest;
import io.jcluster.cli.control.StartFiles;
import io.jcluster.cli.systemd.ListenFds;
import io.jcluster.cli.host.Kernel;
import io.jcluster.cli.host.PortOwners;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code jcluster start}: runs an app's primary, detached (default) or in the foreground. */
@Command(name = "start", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Start an app: one worker JVM per core (or -i N) sharing one port.",
                "A config file starts each of its apps (each with a primary of its own), an app once the apps",
                "of its after list are ready; with no argument, ./jcluster.toml.",
                "Returns when every worker is ready, or fails with the reason."})
final class Start implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    /** What {@code start} with no argument starts. */
    static final String DEFAULT_CONFIG = "jcluster.toml";

    @Parameters(index = "0", arity = "0..1", paramLabel = "<app.jar|jcluster.toml>",
            description = "The server jar to run, or a config file (default: ./jcluster.toml).")
    String target;

    @Parameters(index = "1..*", paramLabel = "<app args>", description = "Arguments for the app, after --.")
    List<String> appArgs = new ArrayList<>();

    @Option(names = {"-i", "--instances"}, paramLabel = "<N|auto>", converter = InstancesConverter.class,
            description = "Worker count (default: auto = one per processor).")
    Instances instances;

    @Option(names = "--spares", paramLabel = "<N>",
            description = "Warm spares: standby workers that have started and wait to take a crashed worker's slot (default 0).")
    Integer spares;

    @Option(names = {"-p", "--port"}, split = ",", paramLabel = "<port>",
            description = "The port the workers share (default 8080); several ports: -p 8080,8081 or -p 8080 -p 8081.")
    List<Integer> ports;

    @Option(names = "--name", description = "App name (default: the jar's name without .jar).")
    String name;

    @Option(names = "--jvm-arg", paramLabel = "<arg>", description = "A JVM argument for the workers (repeatable).")
    List<String> jvmArgs = new ArrayList<>();

    @Option(names = "--listen", paramLabel = "<handoff|self>", converter = ListenConverter.class,
            completionCandidates = ListenCandidates.class,
            description = "handoff: the primary owns the port and hands it to workers (default); self: workers bind it.")
    Listen listen;

    @Option(names = "--foreground", description = "Run the primary in this terminal (for containers and systemd).")
    boolean foreground;

    @Option(names = "--only", split = ",", paramLabel = "<app>",
            description = "Start only these apps of the config file (comma-separated).")
    List<String> only = new ArrayList<>();

    @Option(names = "--env", paramLabel = "<name>",
            description = "Merge [app.env_<name>] over [app.env]; kept for reload and restart.")
    String env;

    @Option(names = "--watch", description = "Turn [watch] on: reload when the jar or the config file (or [watch] paths) change.")
    boolean watch;

    @Option(names = "--logs", paramLabel = "<files|stdout>", converter = LogTargetConverter.class,
            completionCandidates = LogTargetConverter.Candidates.class,
            description = "Where worker output goes: files under $JCLUSTER_HOME/logs (default), or stdout"
                    + " (with --foreground: each line tagged app/slot, for containers).")
    LogTarget logs;

    @Override
    public Integer call() throws ConfigException, IOException, InterruptedException {
        Path cwd = Path.of("").toAbsolutePath();
        if (target == null) {
            if (!Files.isRegularFile(cwd.resolve(DEFAULT_CONFIG))) {
                throw new ExitException(ExitException.USAGE, "nothing to start: give a jar or a config file (there is no "
                        + DEFAULT_CONFIG + " in " + cwd + ")");
            }
            target = DEFAULT_CONFIG;
        }
        boolean toml = target.toLowerCase(Locale.ROOT).endsWith(".toml");
        if (!toml && !only.isEmpty()) throw new ExitException(ExitException.USAGE, "--only picks apps of a config file, not of a jar");
        Overrides overrides = new Overrides(name, toml ? null : target, instances, null, listen, jvmArgs, appArgs, logs,
                watch ? Boolean.TRUE : null, ports, spares);
        StartSpec startSpec = new StartSpec(toml ? cwd.resolve(target).toString() : null, overrides, cwd.toString(), null, env);
        List<PlannedApp> apps = toml ? ConfigLoader.loadAll(startSpec, only)
                : List.of(new PlannedApp(startSpec, ConfigLoader.load(startSpec)));
        if (apps.size() > 1) {
            String names = apps.stream().map(a -> a.config().name()).collect(Collectors.joining(", "));
            if (name != null || ports != null || foreground) {
                throw new ExitException(ExitException.USAGE, (name != null ? "--name" : ports != null ? "--port" : "--foreground")
                        + " is for one app, and this starts " + apps.size() + " (" + names + "): pick one with --only");
            }
        }
        Home home = Home.fromEnvironment();
        for (PlannedApp a : apps) check(home, a.config());
        List<String> starting = apps.stream().map(a -> a.config().name()).toList();
        for (PlannedApp a : apps) {
            for (String dep : a.config().after()) {
                if (!starting.contains(dep)) awaitRunning(home, a.config().name(), dep);
            }
        }
        if (foreground) {
            PlannedApp a = apps.get(0);
            home.prepare(a.config().name());
            StartFiles.write(home, a.spec(), a.config());
            return PrimaryRun.run(home, a.spec(), a.config(), System.err, true);
        }
        Map<String, PlannedApp> byName = new LinkedHashMap<>();
        for (PlannedApp a : apps) byName.put(a.config().name(), a);
        Map<String, List<String>> after = new LinkedHashMap<>();
        for (PlannedApp a : apps) after.put(a.config().name(), a.config().after().stream().filter(byName::containsKey).toList());
        List<List<String>> waves = StartOrder.waves(after);
        for (int w = 0; w < waves.size(); w++) {
            List<Launched> launched = new ArrayList<>();
            for (String app : waves.get(w)) launched.add(launch(home, byName.get(app)));
            int code = 0;
            for (Launched l : launched) code = Math.max(code, awaitReady(home, l));
            if (code != 0) {
                List<String> left = waves.subList(w + 1, waves.size()).stream().flatMap(List::stream).toList();
                if (!left.isEmpty()) {
                    spec.commandLine().getErr().println("jcluster: not starting " + String.join(", ", left)
                            + ": they start after an app that did not start");
                    spec.commandLine().getErr().flush();
                }
                return code;
            }
        }
        return 0;
    }

    /** What would stop {@code config} from starting: nothing starts unless every app can. */
    private void check(Home home, AppConfig config) throws ConfigException {
        String app = config.name();
        if (config.logs().to() == LogTarget.STDOUT && !foreground) {
            throw new ExitException(ExitException.USAGE, "logs to stdout need --foreground (a detached primary has no"
                    + " terminal; its stdout is " + home.primaryLog(app) + ")");
        }
        try (ControlClient running = Apps.connect(home, app)) {
            long pid = Apps.primaryPid(home, app).orElse(0L);
            throw new ExitException(ExitException.FAILURE, "app '" + app + "' is already running (primary pid " + pid
                    + "): use jcluster stop " + app + " first, or start it under another --name");
        } catch (AppNotRunningException e) {
            if (Apps.primaryAlive(home, app)) throw new ExitException(ExitException.FAILURE, e.getMessage());
            // not running: Apps.connect removed any stale run directory
        } catch (IOException e) {
            throw new ExitException(ExitException.FAILURE, app + ": " + e.getMessage());
        }
        if (config.listen() == Listen.SELF && !Kernel.migrateEnabled()) {
            spec.commandLine().getErr().println("jcluster: note: " + app + ": listen=self: " + Kernel.migrateAdvice());
        }
        // With socket activation the port is held by the sockets systemd passed us: they are the app's.
        if (!foreground || ListenFds.fromEnvironment().isEmpty()) checkPortFree(config);
    }

    private static void checkPortFree(AppConfig config) throws ConfigException {
        for (int port : config.ports()) {
            if (!PortOwners.isFree(config.host(), port)) {
                throw ConfigLoader.errorAt(config, config.severalPorts() ? "app.ports" : "app.port", "port " + port
                        + " is already in use by " + PortOwners.describeOwner(port) + ": stop it or choose another port");
            }
        }
    }

    /**
     * The detached primary's JVM: small and quiet (see bench/primary.sh and bench/RESULTS.md for what
     * each choice saves): the serial collector in a small heap, C1 only with one compiler thread, no
     * perf-data file (its sampler wakes the JVM 20 times a second), and its class-data archive mapped
     * where it was dumped instead of relocated (relocation writes every page of it: ~10 MiB of RSS);
     * netty's JFR events off (their check loads about 90 classes of jdk.jfr). Idle, what is left is the
     * heartbeats and the 1 s tick: compiled 5 times sooner (CompileThresholdScaling), they stop running
     * interpreted after seconds instead of minutes (half the idle CPU); no safepoint every second and
     * no monitor-deflation check every 250 ms; a 2 MiB young generation and a heap kept tight (its eden
     * is touched whole between collections, so it is RSS).
     * {@code JCLUSTER_PRIMARY_JVM_ARGS} replaces them (and leaves the primary's archive out), for a
     * primary of very many workers.
     */
    static final List<String> PRIMARY_JVM = List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:CICompilerCount=1",
            "-XX:CompileThresholdScaling=0.2", "-Xms8m", "-Xmn2m", "-Xmx96m", "-XX:MinHeapFreeRatio=10", "-XX:MaxHeapFreeRatio=30",
            "-Xss256k", "-XX:MaxMetaspaceSize=96m", "-XX:ReservedCodeCacheSize=24m", "-XX:-UsePerfData",
            "-XX:+IgnoreUnrecognizedVMOptions", "-XX:+UnlockDiagnosticVMOptions", "-XX:ArchiveRelocationMode=0",
            "-XX:AsyncDeflationInterval=10000", "-XX:GuaranteedSafepointInterval=0",
            "-Dio.netty.allocator.type=unpooled", "-Dio.netty.jfr.enabled=false");

    /** {@code app} starts after {@code dep}, which this start does not start: it must be running and ready. */
    private static void awaitRunning(Home home, String app, String dep) throws IOException {
        try (ControlClient client = Apps.connect(home, dep)) {
            ControlReply reply = client.call(new ControlRequest(ControlRequest.AWAIT_READY));
            if (!reply.ok()) {
                throw new ExitException(ExitException.FAILURE, "app '" + app + "' starts after '" + dep + "', which is not ready: "
                        + reply.error());
            }
        } catch (AppNotRunningException e) {
            throw new ExitException(ExitException.FAILURE, "app '" + app + "' starts after '" + dep + "', which is not running:"
                    + " start it first, or both (--only " + dep + "," + app + ")");
        }
    }

    /** A primary started and not yet known to be ready. */
    private record Launched(AppConfig config, DetachedPrimary primary) {}

    /** Starts {@code app}'s primary, detached, and returns at once. */
    private Launched launch(Home home, PlannedApp planned) throws IOException {
        AppConfig config = planned.config();
        String app = config.name();
        home.prepare(app);
        StartFiles.write(home, planned.spec(), config);
        PrintWriter out = spec.commandLine().getOut();
        Path log = home.primaryLog(app);
        DetachedPrimary primary = DetachedPrimary.launch(app, log);
        out.println("starting " + app + " (" + config.instances() + " worker" + (config.instances() == 1 ? "" : "s")
                + " on port" + (config.severalPorts() ? "s " : " ") + config.portsText() + (config.envName() == null ? "" : ", env " + config.envName())
                + ", primary pid " + primary.pid() + ", log " + log + ")");
        out.flush();
        return new Launched(config, primary);
    }

    /** Waits until the launched primary's workers are ready; prints its status table, or why it did not start. */
    private int awaitReady(Home home, Launched launched) throws IOException, InterruptedException {
        String app = launched.config().name();
        PrintWriter out = spec.commandLine().getOut();
        ControlClient client = launched.primary().awaitControlSocket(home.controlSocket(app));
        try (client) {
            ControlReply reply = client.call(new ControlRequest(ControlRequest.AWAIT_READY));
            if (!reply.ok()) {
                PrintWriter err = spec.commandLine().getErr();
                err.println("jcluster: " + app + " did not start: " + reply.error());
                if (reply.lines() != null && !reply.lines().isEmpty()) {
                    err.println("last output of the failed worker:");
                    for (String l : reply.lines()) err.println("  | " + l);
                }
                err.println("the primary stays up in state errored: see jcluster ls " + app + "; jcluster stop " + app + " ends it");
                err.flush();
                return ExitException.FAILURE;
            }
            StatusTable.print(out, List.of(reply.status()));
            return 0;
        }
    }

    static final class InstancesConverter implements ITypeConverter<Instances> {
        @Override
        public Instances convert(String value) {
            return Instances.parse(value);
        }
    }

    static final class LogTargetConverter implements ITypeConverter<LogTarget> {
        @Override
        public LogTarget convert(String value) {
            return LogTarget.of(value);
        }

        static final class Candidates extends ArrayList<String> {
            Candidates() {
                super(List.of("files", "stdout"));
            }
        }
    }

    static final class ListenCandidates extends ArrayList<String> {
        ListenCandidates() {
            super(List.of("handoff", "self"));
        }
    }

    static final class ListenConverter implements ITypeConverter<Listen> {
        @Override
        public Listen convert(String value) {
            for (Listen l : Listen.values()) {
                if (l.id().equals(value)) return l;
            }
            throw new IllegalArgumentException("'" + value + "' is not handoff or self");
        }
    }
}
