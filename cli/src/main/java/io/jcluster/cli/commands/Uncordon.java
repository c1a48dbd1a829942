package io.jcluster.cli.commands;

import io.jcluster.cli.control.ControlRequest;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code jcluster uncordon}: puts a cordoned app back into its load balancers. */
@Command(name = "uncordon", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Put an app taken out by jcluster cordon back: /readyz answers 200 again as soon as",
                "the app is ready (every slot has had a ready worker, one is ready now)."})
final class Uncordon implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "<name|all|file.toml>", description = "The apps, all, or the apps of a config file.")
    List<String> apps;

    @Override
    public Integer call() {
        return AppCommand.sendToEach(apps, new ControlRequest(ControlRequest.UNCORDON), "uncordoned: /readyz answers as the app is",
                spec.commandLine().getOut(), spec.commandLine().getErr());
    }
}
