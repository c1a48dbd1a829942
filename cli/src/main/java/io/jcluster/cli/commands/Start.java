package io.jcluster.cli.commands;

import io.jcluster.cli.config.AppConfig;
import io.jcluster.cli.config.ConfigException;
import io.jcluster.cli.config.ConfigLoader;
import io.jcluster.cli.config.Home;
import io.jcluster.cli.config.Instances;
import io.jcluster.cli.config.Listen;
import io.jcluster.cli.config.LogTarget;
import io.jcluster.cli.config.Overrides;
import io.jcluster.cli.config.StartSpec;
import io.jcluster.cli.control.AppNotRunningException;
import io.jcluster.cli.control.Apps;
import io.jcluster.cli.control.ControlClient;
import io.jcluster.cli.control.ControlReply;
import io.jcluster.cli.control.ControlRequest;
import io.jcluster.cli.control.Json;
import io.jcluster.cli.host.Kernel;
import io.jcluster.cli.host.PortOwners;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
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
                "Returns when every worker is ready, or fails with the reason."})
final class Start implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "<app.jar|jcluster.toml>", description = "The server jar to run, or a config file.")
    String target;

    @Parameters(index = "1..*", paramLabel = "<app args>", description = "Arguments for the app, after --.")
    List<String> appArgs = new ArrayList<>();

    @Option(names = {"-i", "--instances"}, paramLabel = "<N|auto>", converter = InstancesConverter.class,
            description = "Worker count (default: auto = one per processor).")
    Instances instances;

    @Option(names = {"-p", "--port"}, description = "The port the workers share (default 8080).")
    Integer port;

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

    @Option(names = "--logs", paramLabel = "<files|stdout>", converter = LogTargetConverter.class,
            completionCandidates = LogTargetConverter.Candidates.class,
            description = "Where worker output goes: files under $JCLUSTER_HOME/logs (default), or stdout"
                    + " (with --foreground: each line tagged app/slot, for containers).")
    LogTarget logs;

    @Override
    public Integer call() throws ConfigException, IOException, InterruptedException {
        Path cwd = Path.of("").toAbsolutePath();
        boolean toml = target.toLowerCase(Locale.ROOT).endsWith(".toml");
        Overrides overrides = new Overrides(name, toml ? null : target, instances, port, listen, jvmArgs, appArgs, logs);
        StartSpec startSpec = new StartSpec(toml ? cwd.resolve(target).toString() : null, overrides, cwd.toString());
        AppConfig config = ConfigLoader.load(startSpec);
        Home home = Home.fromEnvironment();
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
        }
        if (config.listen() == Listen.SELF && !Kernel.migrateEnabled()) {
            spec.commandLine().getErr().println("jcluster: note: listen=self: " + Kernel.migrateAdvice());
        }
        if (!PortOwners.isFree(config.host(), config.port())) {
            throw ConfigLoader.errorAt(config, "app.port", "port " + config.port() + " is already in use by "
                    + PortOwners.describeOwner(config.port()) + ": stop it or choose another port");
        }
        home.prepare(app);
        Json.MAPPER.writeValue(home.specFile(app).toFile(), startSpec);

        if (foreground) {
            return PrimaryRun.run(home, startSpec, config, System.err, true);
        }
        return startDetached(home, config);
    }

    private int startDetached(Home home, AppConfig config) throws IOException, InterruptedException {
        String app = config.name();
        PrintWriter out = spec.commandLine().getOut();
        Path log = home.primaryLog(app);
        long logStart = DetachedPrimary.logEnd(log);
        Process primary = DetachedPrimary.launch(app, log);
        out.println("starting " + app + " (" + config.instances() + " worker" + (config.instances() == 1 ? "" : "s")
                + " on port " + config.port() + ", primary pid " + primary.pid() + ", log " + log + ")");
        out.flush();

        ControlClient client = DetachedPrimary.awaitControlSocket(home.controlSocket(app), app, primary, log, logStart);
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
