package io.jcluster.cli.commands;

import io.jcluster.cli.control.ControlRequest;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code jcluster signal}: a signal to the workers, sent by the primary that holds their processes. */
@Command(name = "signal", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Send a signal to an app's workers (USR1 to reopen logs, QUIT for a thread dump ...).",
                "The primary sends it to the process it started, so it never reaches a recycled pid."})
final class Signal implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "<name|all>", description = "The app, or all.")
    String app;

    @Parameters(index = "1", paramLabel = "<SIGNAL>", description = "The signal: a name (USR1, SIGHUP, quit) or a number.")
    String signal;

    @Option(names = "--slot", paramLabel = "<N>", description = "Only this slot's worker.")
    Integer slot;

    @Override
    public Integer call() {
        return AppCommand.sendToEach(List.of(app), ControlRequest.signal(signal, slot),
                "sent " + signal + " to " + (slot == null ? "every worker" : "the worker of slot " + slot),
                spec.commandLine().getOut(), spec.commandLine().getErr());
    }
}
