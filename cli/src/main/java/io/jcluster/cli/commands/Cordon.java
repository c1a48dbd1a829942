package io.jcluster.cli.commands;

import io.jcluster.cli.control.ControlRequest;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code jcluster cordon}: takes an app out of its load balancers by readiness, without touching a worker. */
@Command(name = "cordon", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Take an app out of its load balancers: /readyz on its metrics listener answers 503",
                "('not ready: cordoned') until jcluster uncordon. The workers keep serving what still comes,",
                "so a balancer that probes /readyz (Kubernetes, HAProxy) moves the traffic away first:",
                "then reload, upgrade or stop the app on this host, and uncordon it."})
final class Cordon implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "<name|all|file.toml>", description = "The apps, all, or the apps of a config file.")
    List<String> apps;

    @Override
    public Integer call() {
        return AppCommand.sendToEach(apps, new ControlRequest(ControlRequest.CORDON), "cordoned: /readyz answers 503",
                spec.commandLine().getOut(), spec.commandLine().getErr());
    }
}
