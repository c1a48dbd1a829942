package io.jcluster.cli;

import io.jcluster.cli.commands.ExitException;
import io.jcluster.cli.commands.JClusterCommand;
import io.jcluster.cli.config.ConfigException;
import io.jcluster.cli.control.ControlReply;
import io.jcluster.cli.control.ControlRequest;
import io.jcluster.cli.control.Json;
import picocli.CommandLine;

/** {@code jcluster}: the command line entry point. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        Thread warmUp = new Thread(Main::warmUpJson, "json-warm-up");
        warmUp.setDaemon(true);
        warmUp.start();
        int code = commandLine().execute(args);
        System.exit(code);
    }

    /**
     * Builds Jackson's (de)serializers for the control protocol on another core while picocli reads
     * the command model: most commands talk to a primary, and both take tens of milliseconds in a
     * fresh JVM. Nothing depends on it finishing.
     */
    private static void warmUpJson() {
        Json.MAPPER.writerFor(ControlRequest.class);
        Json.MAPPER.readerFor(ControlReply.class);
    }

    /**
     * The command line with jcluster's error handling: an {@link ExitException} or a
     * {@link ConfigException} prints its message and exits with its code (2 for a bad config),
     * anything else prints one line (the stack trace with {@code JCLUSTER_DEBUG=1}) and exits 1.
     */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new JClusterCommand());
        cl.setExecutionExceptionHandler((e, line, parsed) -> {
            var err = line.getErr();
            if (e instanceof ExitException x) {
                if (x.getMessage() != null) err.println("jcluster: " + x.getMessage());
                err.flush();
                return x.code();
            }
            if (e instanceof ConfigException c) {
                err.println("jcluster: " + c.getMessage());
                err.flush();
                return ExitException.USAGE;
            }
            err.println("jcluster: " + e);
            if (System.getenv("JCLUSTER_DEBUG") != null) e.printStackTrace(err);
            err.flush();
            return ExitException.FAILURE;
        });
        return cl;
    }
}
