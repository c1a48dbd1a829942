package io.jcluster.cli.commands;

import io.jcluster.cli.config.Home;
import io.jcluster.cli.logs.LogFiles;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code jcluster flush}: empties log files. */
@Command(name = "flush", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Empty the log files of an app, or of every app.",
                "The workers' files and primary.log are truncated in place (a running primary goes on",
                "writing to them); rotated files are deleted."})
final class Flush implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "<name>", description = "The app (default: every app with logs).")
    String name;

    @Override
    public Integer call() throws IOException {
        Home home = Home.fromEnvironment();
        PrintWriter out = spec.commandLine().getOut();
        Path logsRoot = home.root().resolve("logs");
        List<String> apps = name != null ? List.of(name) : LogFiles.apps(logsRoot);
        if (name != null && !Files.isDirectory(home.logDir(name))) {
            throw new ExitException(ExitException.FAILURE, "no logs for app '" + name + "'");
        }
        for (String app : apps) {
            long freed = 0;
            for (Path f : LogFiles.list(home.logDir(app))) {
                long size = Files.size(f);
                if (LogFiles.isRotated(f)) {
                    Files.deleteIfExists(f);
                } else {
                    // truncate, not delete: the primary holds the file open in append mode
                    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
                        ch.truncate(0);
                    }
                }
                freed += size;
            }
            out.println("flushed " + app + " (" + freed / 1024 + " KB)");
        }
        if (apps.isEmpty()) out.println("no logs to flush");
        out.flush();
        return 0;
    }
}
