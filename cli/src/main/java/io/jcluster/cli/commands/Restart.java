package io.jcluster.cli.commands;

import io.jcluster.cli.control.ControlRequest;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code jcluster restart}: fast, not graceful; clears errored. */
@Command(name = "restart", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Restart workers now: SIGTERM to each and a new worker on the same socket at once.",
                "Not graceful (use reload for that); clears the crash-loop guard of errored slots."})
final class Restart implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "<name|all|jcluster.toml>",
            description = "The apps to restart, all, or a config file's apps (in start order).")
    List<String> names;

    @Option(names = "--slot", paramLabel = "<N>", description = "Only this slot's worker.")
    Integer slot;

    @Override
    public Integer call() {
        return AppCommand.sendToEach(names, new ControlRequest(ControlRequest.RESTART, slot, null, null, null), "restarted" + (slot == null ? "" : " slot " + slot),
                spec.commandLine().getOut(), spec.commandLine().getErr());
    }
}
