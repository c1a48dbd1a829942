package io.jcluster.cli.commands;

import io.jcluster.cli.config.AppConfig;
import io.jcluster.cli.config.ConfigException;
import io.jcluster.cli.config.ConfigLoader;
import io.jcluster.cli.config.Home;
import io.jcluster.cli.control.AppNotRunningException;
import io.jcluster.cli.control.Apps;
import io.jcluster.cli.control.ControlClient;
import io.jcluster.cli.control.ControlReply;
import io.jcluster.cli.control.ControlRequest;
import io.jcluster.cli.control.EntryPoints;
import io.jcluster.cli.control.StartFiles;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code jcluster upgrade}: replaces an app's primary by one of this jcluster on this CLI's JDK,
 * without closing the port. The new primary receives the slot sockets from the running one
 * (SCM_RIGHTS), starts a worker of the next generation on every slot, and once they all serve the
 * old primary retires its workers and exits.
 */
@Command(name = "upgrade", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Replace an app's primary process by this jcluster (and this JDK) without closing the port.",
                "The new primary takes the slot sockets from the running one and starts a new worker on each;",
                "once they are all ready, the old primary retires its workers and exits. If a new worker fails,",
                "the new primary gives up and the old one carries on untouched. The config file is read again."})
final class Upgrade implements Callable<Integer> {
    /** How long the upgrade may take before this command stops waiting (the primaries go on). */
    private static final long UPGRADE_TIMEOUT_S = 600;

    @Spec
    CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "<name|all>", description = "The apps to upgrade, or all.")
    List<String> names;

    @Override
    public Integer call() throws InterruptedException {
        Home home = Home.fromEnvironment();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<String> targets = AppCommand.targets(home, names);
        if (targets.isEmpty()) {
            out.println("no apps running");
            out.flush();
            return 0;
        }
        int code = 0;
        for (String app : targets) {
            try {
                code = Math.max(code, upgrade(home, app, out, err));
            } catch (AppNotRunningException e) {
                err.println("jcluster: " + AppCommand.notRunning(home, e));
                code = ExitException.FAILURE;
            } catch (ExitException e) {
                err.println("jcluster: " + app + ": " + e.getMessage());
                code = Math.max(code, e.code());
            } catch (ConfigException e) {
                err.println("jcluster: " + app + ": the config does not load, nothing was changed: " + e.getMessage());
                code = Math.max(code, ExitException.USAGE);
            } catch (IOException e) {
                err.println("jcluster: " + app + ": " + e.getMessage());
                code = ExitException.FAILURE;
            }
            err.flush();
        }
        return code;
    }

    private int upgrade(Home home, String app, PrintWriter out, PrintWriter err)
            throws IOException, InterruptedException, ConfigException {
        long oldPid;
        try (ControlClient running = Apps.connect(home, app)) {
            ControlReply ping = running.call(new ControlRequest(ControlRequest.PING));
            if (!ping.ok()) throw new ExitException(ExitException.FAILURE, ping.error());
            oldPid = ping.status().primaryPid();
            if (ping.status().ports().size() > 1) {
                // the hand-over carries one socket per slot and one steering group (see docs/deploy.md)
                throw new ExitException(ExitException.FAILURE, "the app has ports " + ping.status().portsText().replace(",", ", ")
                        + ", and jcluster upgrade hands over the slot sockets of one port only: stop and start the app to run"
                        + " it on the new jcluster");
            }
        }
        if (!Files.isRegularFile(home.specFile(app))) {
            throw new ExitException(ExitException.FAILURE, "no start spec at " + home.specFile(app)
                    + ": this app was started by a jcluster that cannot be upgraded; stop and start it");
        }
        // the new primary runs the config as the file says now, resolved here (a broken file stops the upgrade before it begins)
        AppConfig config = ConfigLoader.load(StartFiles.spec(home.specFile(app)));
        if (!config.name().equals(app)) { // as a reload refuses it: the run directory, sockets and logs go by the name
            throw new ExitException(ExitException.USAGE, "the config now names the app '" + config.name()
                    + "': an upgrade keeps the name; nothing was changed; stop and start the app to rename it");
        }
        StartFiles.writeConfig(home, config);
        Path log = home.primaryLog(app);
        DetachedPrimary next = DetachedPrimary.launch(app, log, EntryPoints.TAKE_OVER);
        long logStart = next.logStart();
        out.println(app + ": upgrading primary pid " + oldPid + " to pid " + next.pid() + " (jcluster "
                + VersionProvider.version() + ", Java " + Runtime.version() + "; log " + log + ")");
        out.flush();
        Path socket = home.ownSocket(app, "control", next.pid());
        ControlReply reply;
        try (ControlClient client = next.awaitControlSocket(socket)) {
            reply = client.call(new ControlRequest(ControlRequest.UPGRADE), step -> {
                out.println(app + ": " + step);
                out.flush();
            });
        } catch (IOException e) {
            // the new primary died mid-way: its log says why
            next.awaitExit(Duration.ofSeconds(10));
            List<String> lines = DetachedPrimary.newLines(log, logStart);
            String gaveUp = null; // a new primary that gives up at once can be gone before its answer is read: its log says it
            for (String line : lines) {
                if (line.contains("] upgrade: giving up: ")) gaveUp = line.substring(line.indexOf("giving up: ") + "giving up: ".length());
            }
            if (gaveUp != null) {
                err.println("jcluster: " + app + ": upgrade failed: " + gaveUp + ", nothing of it stopped (from " + log + ")");
                err.flush();
                return ExitException.FAILURE;
            }
            throw new IOException("the new primary (pid " + next.pid() + ") ended the upgrade without an answer ("
                    + e.getMessage() + ")" + (lines.isEmpty() ? "" : "; the end of its log:\n  " + String.join("\n  ",
                    lines.subList(Math.max(0, lines.size() - 10), lines.size()))));
        }
        if (!reply.ok()) {
            err.println("jcluster: " + app + ": " + reply.error());
            if (reply.lines() != null && !reply.lines().isEmpty()) {
                err.println("last output of the failed worker:");
                for (String l : reply.lines()) err.println("  | " + l);
            }
            if (!next.awaitExit(Duration.ofSeconds(UPGRADE_TIMEOUT_S))) err.println("jcluster: the new primary pid " + next.pid() + " is still running");
            err.flush();
            return reply.exitCode();
        }
        out.println(app + ": upgraded: primary pid " + oldPid + " → " + next.pid());
        StatusTable.print(out, List.of(reply.status()));
        out.flush();
        return 0;
    }
}
