package io.jcluster.cli.commands;

import io.jcluster.cli.config.Home;
import io.jcluster.cli.logs.LogFiles;
import io.jcluster.cli.logs.LogFollower;
import io.jcluster.cli.logs.LogLine;
import io.jcluster.cli.logs.LogSource;
import io.jcluster.cli.logs.RecentLines;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code jcluster logs}: the workers' output, from the files under {@code $JCLUSTER_HOME/logs}. */
@Command(name = "logs", aliases = {"log"}, mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Print the workers' stdout and stderr: the last lines, merged by time; -f follows them.",
                "Following goes on across rotation, worker restarts and new slots, until Ctrl-C.",
                "Reads the files under $JCLUSTER_HOME/logs/<app>/, so it works for stopped apps too."})
final class Logs implements Callable<Integer> {
    private static final long FOLLOW_POLL_MS = 200;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "<name>", description = "The app (default: every app with logs).")
    String name;

    @Option(names = "--slot", paramLabel = "<N>", description = "Only this slot's worker.")
    Integer slot;

    @Option(names = {"-f", "--follow"}, description = "Keep printing new lines as they are written.")
    boolean follow;

    @Option(names = {"-n", "--lines"}, paramLabel = "<N>", description = "Lines to print from each file first (default ${DEFAULT-VALUE}).")
    int lines = 15;

    @Option(names = "--err", description = "Only stderr.")
    boolean errOnly;

    @Option(names = "--out", description = "Only stdout (with jcluster's own notes about the worker).")
    boolean outOnly;

    @Option(names = "--raw", description = "Print the lines as they are in the files, without the app/slot label.")
    boolean raw;

    @Option(names = "--json", description = "One JSON object a line: time, app, slot, pid, generation, stream, message"
            + " (pid and generation are null for lines of files written as text).")
    boolean json;

    @Override
    public Integer call() throws IOException {
        if (errOnly && outOnly) throw new ExitException(ExitException.USAGE, "--err and --out exclude each other");
        if (lines < 0) throw new ExitException(ExitException.USAGE, "--lines must be 0 or more");
        Home home = Home.fromEnvironment();
        PrintWriter out = spec.commandLine().getOut();
        Path logsRoot = home.root().resolve("logs");
        if (name != null && !Files.isDirectory(home.logDir(name))) {
            List<String> known = LogFiles.apps(logsRoot);
            throw new ExitException(ExitException.FAILURE, "no logs for app '" + name + "'"
                    + (known.isEmpty() ? "" : " (apps with logs: " + String.join(", ", known) + ")"));
        }
        LogFiles.Stream stream = errOnly ? LogFiles.Stream.ERR : outOnly ? LogFiles.Stream.OUT : null;
        List<LogSource> sources = sources(home, logsRoot, stream);
        if (sources.isEmpty() && !follow) {
            out.println("no worker logs" + (name == null ? "" : " for " + name) + (slot == null ? "" : " slot " + slot)
                    + " (an app started with --logs stdout writes them to the primary's stdout instead)");
            out.flush();
            return 0;
        }
        int width = 0;
        for (LogSource s : sources) width = Math.max(width, s.label().length());
        int labelWidth = width;
        if (raw && json) throw new ExitException(ExitException.USAGE, "--raw and --json exclude each other");
        Consumer<LogLine> printer = line -> {
            if (raw) {
                out.println(line.text());
            } else if (json) {
                out.println(line.toJson());
            } else {
                String label = line.source().label();
                out.println(label + " ".repeat(Math.max(0, labelWidth - label.length())) + " | " + line.display());
            }
        };
        long[] ends = new long[sources.size()];
        Map<Path, Long> startAt = new HashMap<>();
        for (int i = 0; i < sources.size(); i++) {
            ends[i] = RecentLines.completeEnd(sources.get(i).file());
            startAt.put(sources.get(i).file(), ends[i]);
        }
        for (LogLine l : RecentLines.merged(sources, ends, lines)) printer.accept(l);
        out.flush();
        if (!follow) return 0;

        LogFollower follower = new LogFollower(() -> sources(home, logsRoot, stream), startAt);
        follower.run(l -> {
            printer.accept(l);
            out.flush();
        }, FOLLOW_POLL_MS);
        return 0;
    }

    private List<LogSource> sources(Home home, Path logsRoot, LogFiles.Stream stream) {
        List<String> apps = name != null ? List.of(name) : LogFiles.apps(logsRoot);
        List<LogSource> all = new ArrayList<>();
        for (String app : apps) all.addAll(LogSource.of(app, home.logDir(app), slot, stream));
        return all;
    }
}
