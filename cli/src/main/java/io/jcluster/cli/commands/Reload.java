package io.jcluster.cli.commands;

import io.jcluster.cli.control.ControlRequest;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code jcluster reload}: zero-downtime rolling replacement of every worker. */
@Command(name = "reload", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Replace every worker, slot by slot, with zero failed requests.",
                "The config file is read again first (a new jar, JVM arguments or environment take effect);",
                "each new worker takes its slot's socket and becomes ready before the old one drains.",
                "If a new worker fails, the slots already moved go back to the previous generation.",
                "The app of the file and the env chosen at start (--env) apply again, with the values the file has now."})
final class Reload implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "<name|all|jcluster.toml>",
            description = "The apps to reload, all, or a config file's apps (in start order).")
    List<String> names;

    @Override
    public Integer call() {
        return AppCommand.sendToEach(names, new ControlRequest(ControlRequest.RELOAD), "reloaded",
                spec.commandLine().getOut(), spec.commandLine().getErr());
    }
}
