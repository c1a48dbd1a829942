package io.jcluster.cli.commands;

import io.jcluster.cli.config.Home;
import io.jcluster.cli.control.ControlRequest;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code jcluster scale}: more or fewer workers, dropping nothing. */
@Command(name = "scale", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Change the number of workers: N, +N or -N.",
                "A slot that goes first stops getting new connections, lets its worker empty its queue,",
                "drains it, and only then closes: no queued or in-flight request is dropped."})
final class Scale implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "<name>", description = "The app.")
    String app;

    @Parameters(index = "1", paramLabel = "<N|+N|-N>", description = "The new worker count, or a change of it.")
    String count;

    @Override
    public Integer call() {
        ControlRequest request;
        try {
            int n = Integer.parseInt(count);
            boolean relative = count.startsWith("+") || count.startsWith("-");
            request = relative ? ControlRequest.scaleBy(n) : new ControlRequest(ControlRequest.SCALE, null, null, n, null);
        } catch (NumberFormatException e) {
            throw new ExitException(ExitException.USAGE, "'" + count + "' is not a worker count: write N, +N or -N");
        }
        var out = spec.commandLine().getOut();
        int code = AppCommand.send(Home.fromEnvironment(), app, request, out, spec.commandLine().getErr());
        if (code == 0) out.println(app + ": scaled");
        out.flush();
        return code;
    }
}
