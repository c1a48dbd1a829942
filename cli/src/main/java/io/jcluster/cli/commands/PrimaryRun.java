package io.jcluster.cli.commands;

import io.jcluster.cli.config.AppConfig;
import io.jcluster.cli.config.Home;
import io.jcluster.cli.config.StartSpec;
import io.jcluster.cli.control.Apps;
import io.jcluster.cli.host.Orphans;
import io.jcluster.cli.primary.ControlServer;
import io.jcluster.cli.control.AppStatus;
import io.jcluster.cli.metrics.PrometheusEndpoint;
import io.jcluster.cli.primary.PortInUseException;
import io.jcluster.cli.primary.Primary;
import io.jcluster.cli.control.WorkerStatus;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Runs a primary in this process until it stops: its pid file, its control socket, SIGTERM and
 * SIGINT as a graceful stop, and the clean-up of its run directory at the end. Used by
 * {@code start --foreground} and by the detached primary that {@code start} launches.
 */
final class PrimaryRun {
    private PrimaryRun() {}

    /**
     * Returns the process exit code: 0 after a graceful stop (every worker ended within its drain
     * and stop timeouts); 1 when a worker had to be SIGKILLed at the stop, when a slot was errored
     * as the stop came, or on other failures; 2 when the port is taken.
     */
    static int run(Home home, StartSpec spec, AppConfig config, PrintStream log, boolean foreground) {
        String app = config.name();
        Primary primary;
        try {
            home.prepare(app);
            Files.writeString(home.pidFile(app), ProcessHandle.current().pid() + "\n");
            primary = Primary.open(home, spec, config, log, foreground);
        } catch (PortInUseException e) {
            log.println("jcluster: " + e.getMessage());
            Apps.removeRunDir(home, app);
            return ExitException.USAGE;
        } catch (IOException | RuntimeException e) {
            log.println("jcluster: cannot start the primary of " + app + ": " + e.getMessage());
            Apps.removeRunDir(home, app);
            return ExitException.FAILURE;
        }
        PrometheusEndpoint prometheus;
        try {
            prometheus = prometheus(config, primary);
        } catch (IOException e) {
            log.println("jcluster: " + e.getMessage() + " ([metrics] listen)");
            primary.close();
            Apps.removeRunDir(home, app);
            return ExitException.USAGE;
        }
        ControlServer control;
        try {
            control = ControlServer.open(home, primary);
        } catch (IOException e) {
            log.println("jcluster: cannot serve the control socket of " + app + ": " + e.getMessage());
            if (prometheus != null) prometheus.close();
            primary.close();
            Apps.removeRunDir(home, app);
            return ExitException.FAILURE;
        }
        StopOutcome outcome = new StopOutcome();
        try (primary; control; prometheus; Orphans.Reaping orphans = reapOrphans(primary)) {
            handleSignals(primary, outcome);
            primary.start();
            primary.stopped().join();
            return outcome.exitCode(primary);
        } finally {
            if (!primary.handedOver()) Apps.removeRunDir(home, app); // else the run directory is the new primary's
        }
    }

    /**
     * Runs a primary that takes the app over from its running primary ({@code jcluster upgrade}):
     * it serves a control socket of its own ({@code control-<pid>.sock}, where {@code upgrade} follows
     * it) until it takes {@code control.sock} and the pid file, and its Prometheus endpoint opens once
     * the previous primary is gone. Returns 1 when the take-over failed (the previous primary carries on).
     */
    static int takeOver(Home home, StartSpec spec, AppConfig config, PrintStream log) {
        String app = config.name();
        Primary primary;
        try {
            primary = Primary.takingOver(home, spec, config, log);
        } catch (IOException | RuntimeException e) {
            log.println("jcluster: the upgrade of " + app + " cannot begin: " + e.getMessage());
            return ExitException.FAILURE;
        }
        ControlServer control;
        try {
            control = ControlServer.open(primary, home.ownSocket(app, "control", ProcessHandle.current().pid()));
        } catch (IOException e) {
            log.println("jcluster: the upgrade of " + app + " cannot begin: " + e.getMessage());
            primary.close();
            return ExitException.FAILURE;
        }
        StopOutcome outcome = new StopOutcome();
        PrometheusEndpoint prometheus = null;
        boolean tookOver = false;
        try (primary; control) {
            handleSignals(primary, outcome);
            try {
                primary.takeOver(control).join();
                tookOver = true;
            } catch (java.util.concurrent.CompletionException e) {
                primary.stopped().join();
                return ExitException.FAILURE;
            }
            try {
                prometheus = prometheus(primary.config(), primary); // its port was the previous primary's until now
            } catch (IOException e) {
                primary.log().info("jcluster: %s ([metrics] listen); the app runs without it", e.getMessage());
            }
            primary.stopped().join();
            return outcome.exitCode(primary);
        } finally {
            if (prometheus != null) prometheus.close();
            if (tookOver && !primary.handedOver()) Apps.removeRunDir(home, app);
        }
    }

    /** As PID 1 (a container's), the orphans of the workers' children come to this process: it reaps them. */
    private static Orphans.Reaping reapOrphans(Primary primary) {
        if (!Orphans.inherited()) return Orphans.Reaping.NONE;
        if (Orphans.unavailabilityCause() != null) {
            primary.log().info("PID 1: orphans that the workers' children leave are not reaped: %s", Orphans.unavailabilityCause());
            return Orphans.Reaping.NONE;
        }
        primary.log().info("PID 1: reaping the orphans that the workers' children leave, every second");
        return Orphans.reapEvery(java.time.Duration.ofSeconds(1), n -> primary.log().info("PID 1: reaped %d orphan(s)", n));
    }

    private static void handleSignals(Primary primary, StopOutcome outcome) {
        Signal.handle(new Signal("TERM"), s -> outcome.stopRequested(primary, "SIGTERM"));
        Signal.handle(new Signal("INT"), s -> outcome.stopRequested(primary, "SIGINT"));
        if (Signal.handle(new Signal("HUP"), s -> reload(primary)) == SignalHandler.SIG_IGN) {
            // the JVM leaves a signal ignored at its start (nohup) ignored, whatever handler it is given
            primary.log().info("SIGHUP was ignored when this primary started (nohup does that): it does not reload; jcluster reload does");
        }
    }

    /** SIGHUP: a rolling reload, as gunicorn, nginx and systemd's {@code ExecReload} mean it; the outcome goes to the log. */
    private static void reload(Primary primary) {
        primary.log().info("SIGHUP: reloading (the config file is read again)");
        primary.reload(step -> primary.log().info("reload: %s", step)).whenComplete((status, e) -> {
            if (e != null) primary.log().info("SIGHUP reload failed: %s", (e.getCause() != null ? e.getCause() : e).getMessage());
        });
    }

    /** What the exit code of a stopped primary says: whether the app was healthy and every worker stopped in time. */
    private static final class StopOutcome {
        private volatile java.util.concurrent.CompletableFuture<AppStatus> before;

        void stopRequested(Primary primary, String signal) {
            if (before == null) before = primary.status(); // queued before the stop, so it sees the app as it was
            primary.log().info("%s: stopping gracefully", signal);
            primary.stop();
        }

        int exitCode(Primary primary) {
            AppStatus after = primary.status().join();
            boolean killed = after.workers().stream().map(WorkerStatus::lastExit)
                    .anyMatch(e -> e != null && "KILL".equals(e.signal()) && "stopped".equals(e.reason()));
            AppStatus was = before == null ? null : before.join();
            boolean errored = was != null && was.workers().stream().anyMatch(w -> "errored".equals(w.state()));
            if (killed) primary.log().info("exit code 1: a worker did not stop within its timeouts and was killed");
            if (errored) primary.log().info("exit code 1: the app had errored slots when it was stopped");
            if (primary.gaveUp()) primary.log().info("exit code 1: every slot errored (when_errored = \"exit\")");
            return killed || errored || primary.gaveUp() ? ExitException.FAILURE : 0;
        }
    }

    /** The Prometheus endpoint of {@code [metrics] listen}, or null when there is none. */
    private static PrometheusEndpoint prometheus(AppConfig config, Primary primary) throws IOException {
        InetSocketAddress address = config.metrics().prometheusAddress();
        if (address == null) return null;
        PrometheusEndpoint endpoint = PrometheusEndpoint.open(address, primary.metrics(), primary.probes());
        primary.log().info("Prometheus metrics on http://%s:%d%s", address.getHostString(), endpoint.address().getPort(),
                PrometheusEndpoint.PATH);
        return endpoint;
    }
}
