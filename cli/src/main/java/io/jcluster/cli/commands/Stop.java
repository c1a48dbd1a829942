package io.jcluster.cli.commands;

import io.jcluster.cli.config.Home;
import io.jcluster.cli.control.AppNotRunningException;
import io.jcluster.cli.control.Apps;
import io.jcluster.cli.control.ControlClient;
import io.jcluster.cli.control.ControlReply;
import io.jcluster.cli.control.ControlRequest;
import io.jcluster.cli.host.Liveness;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code jcluster stop}: drains and stops an app's workers, then its primary. */
@Command(name = "stop", aliases = {"delete"}, mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Stop apps gracefully: each worker drains, then gets SIGTERM, then SIGKILL after the stop timeout.",
                "The app's run directory is removed; its logs stay.",
                "A config file stops each of its apps, the last to start first."})
final class Stop implements Callable<Integer> {
    private static final long PRIMARY_EXIT_TIMEOUT_S = 120;

    @Spec
    CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "<name|all|jcluster.toml>", description = "The apps to stop, all, or a config file's apps.")
    List<String> names;

    @Override
    public Integer call() throws InterruptedException {
        Home home = Home.fromEnvironment();
        PrintWriter out = spec.commandLine().getOut();
        List<String> targets = new ArrayList<>(AppCommand.targets(home, names));
        if (names.stream().anyMatch(AppCommand::isConfigFile)) Collections.reverse(targets); // dependents first
        if (targets.isEmpty()) {
            out.println("no apps running");
            out.flush();
            return 0;
        }
        int code = 0;
        for (String app : targets) {
            try {
                stop(home, app);
                out.println("stopped " + app);
                out.flush();
            } catch (AppNotRunningException e) {
                if (names.contains("all")) continue;
                spec.commandLine().getErr().println("jcluster: " + AppCommand.notRunning(home, e));
                code = ExitException.FAILURE;
            } catch (ExitException e) {
                spec.commandLine().getErr().println("jcluster: " + e.getMessage());
                code = Math.max(code, e.code());
            } catch (IOException | TimeoutException e) {
                spec.commandLine().getErr().println("jcluster: could not stop " + app + ": " + e.getMessage());
                code = ExitException.FAILURE;
            }
        }
        spec.commandLine().getErr().flush();
        return code;
    }

    private static void stop(Home home, String app) throws IOException, InterruptedException, TimeoutException {
        Optional<ProcessHandle> primary = Apps.primaryPid(home, app).flatMap(ProcessHandle::of);
        ControlReply reply = null;
        try (ControlClient client = Apps.connect(home, app)) {
            reply = client.call(new ControlRequest(ControlRequest.STOP));
        } catch (AppNotRunningException e) {
            throw e;
        } catch (IOException e) {
            // the primary may close the socket as it exits: its exit below is what counts
            if (primary.isEmpty()) throw e;
        }
        if (reply != null && !reply.ok()) throw new ExitException(reply.exitCode(), app + ": " + reply.error());
        if (primary.isPresent()) {
            // polled, not onExit(): the primary is no child of this CLI, and the JDK's wait for others sleeps 300 ms and more
            // between looks and takes a zombie (exited, not yet reaped by init) for a live process
            if (!Liveness.awaitExit(primary.get(), Duration.ofSeconds(PRIMARY_EXIT_TIMEOUT_S))) {
                throw new TimeoutException("the primary (pid " + primary.get().pid() + ") did not exit within "
                        + PRIMARY_EXIT_TIMEOUT_S + "s; see " + home.primaryLog(app));
            }
        }
        Apps.removeRunDir(home, app);
    }
}
