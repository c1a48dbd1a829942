package io.jcluster.cli.commands;

import io.jcluster.cli.config.AppConfig;
import io.jcluster.cli.config.Home;
import io.jcluster.cli.control.Apps;
import io.jcluster.cli.control.ControlServer;
import io.jcluster.cli.metrics.PrometheusEndpoint;
import io.jcluster.cli.primary.Primary;
import io.jcluster.cli.primary.PortInUseException;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import sun.misc.Signal;

/**
 * Runs a primary in this process until it stops: its pid file, its control socket, SIGTERM and
 * SIGINT as a graceful stop, and the clean-up of its run directory at the end. Used by
 * {@code start --foreground} and by the detached primary that {@code start} launches.
 */
final class PrimaryRun {
    private PrimaryRun() {}

    /** Returns the process exit code: 0 after a graceful stop, 2 when the port is taken, 1 on other failures. */
    static int run(Home home, AppConfig config, PrintStream log) {
        String app = config.name();
        Primary primary;
        try {
            home.prepare(app);
            Files.writeString(home.pidFile(app), ProcessHandle.current().pid() + "\n");
            primary = Primary.open(home, config, log);
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
        try (primary; control; prometheus) {
            Signal.handle(new Signal("TERM"), s -> primary.stop());
            Signal.handle(new Signal("INT"), s -> primary.stop());
            Signal.handle(new Signal("HUP"), s -> primary.log().info("SIGHUP ignored (use jcluster stop or SIGTERM)"));
            primary.start();
            primary.stopped().join();
        } finally {
            Apps.removeRunDir(home, app);
        }
        return 0;
    }

    /** The Prometheus endpoint of {@code [metrics] listen}, or null when there is none. */
    private static PrometheusEndpoint prometheus(AppConfig config, Primary primary) throws IOException {
        InetSocketAddress address = config.metrics().prometheusAddress();
        if (address == null) return null;
        PrometheusEndpoint endpoint = PrometheusEndpoint.open(address, primary.metrics());
        primary.log().info("Prometheus metrics on http://%s:%d%s", address.getHostString(), endpoint.address().getPort(),
                PrometheusEndpoint.PATH);
        return endpoint;
    }
}
