package io.jcluster.cli;

import io.jcluster.cli.commands.ExitException;
import io.jcluster.cli.commands.JClusterCommand;
import io.jcluster.cli.commands.ConfigCommand;
import io.jcluster.cli.commands.PrimaryCommand;
import io.jcluster.cli.config.ConfigException;
import io.jcluster.cli.control.ControlReply;
import io.jcluster.cli.control.RecordJson;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.StandardProtocolFamily;
import java.nio.channels.SocketChannel;
import picocli.CommandLine;

/** {@code jcluster}: the command line entry point. */
public final class Main {
    private static final String SELECTOR_PROVIDER = "java.nio.channels.spi.SelectorProvider";

    private Main() {}

    public static void main(String[] args) {
        if (PrimaryCommand.isDirect(args)) { // a detached primary: no command line to build
            selectorProvider();
            System.exit(PrimaryCommand.direct(args));
        }
        if (ConfigCommand.isDirect(args)) System.exit(ConfigCommand.direct()); // a primary's reload reading its config
        startUp();
        int code = commandLine(args).execute(args);
        System.exit(code);
    }

    /**
     * What {@code main} does before it reads the command line (the class-data training run calls it
     * too, so that the archive holds what it loads).
     */
    public static void startUp() {
        // picocli looks for Groovy (a class path miss opens every jar) and registers converters for
        // java.sql and java.time types (loading and initialising them) unless told not to; no option
        // of jcluster has such a type.
        System.setProperty("picocli.disable.closures", "true");
        System.setProperty("picocli.converters.excludes", "java\\.sql\\..*,java\\.time\\..*");
        selectorProvider();
        Thread warmUp = new Thread(new WarmUp(), "warm-up");
        warmUp.setDaemon(true);
        warmUp.start();
    }

    /**
     * The JDK's first socket looks for a SelectorProvider service in every jar on the class path
     * (opening all of them, about 20 ms) unless this names one: the JDK's own on Linux.
     */
    private static void selectorProvider() {
        if (System.getProperty(SELECTOR_PROVIDER) == null) System.setProperty(SELECTOR_PROVIDER, "sun.nio.ch.EPollSelectorProvider");
    }

    /**
     * The command line that can run {@code args}: the root and only the subcommand they name (the
     * first word that is not an option; the root's own options take no value), or the root alone for
     * {@code --version}. Help, a mistyped command and anything else get the whole command line, which
     * lists and suggests every subcommand.
     */
    public static CommandLine commandLine(String[] args) {
        Class<?> sub = subcommand(args);
        if (sub != null) return withErrorHandling(root().addSubcommand(sub));
        boolean versionOnly = args.length > 0;
        for (String arg : args) versionOnly &= arg.equals("-V") || arg.equals("--version");
        return versionOnly ? withErrorHandling(root()) : commandLine();
    }

    /** The subcommand {@code args} name, or null: their first word that is not an option, if it is one. */
    private static Class<?> subcommand(String[] args) {
        for (String arg : args) {
            if (!arg.startsWith("-")) return JClusterCommand.subcommand(arg);
        }
        return null;
    }

    /**
     * Prepares the JDK's Unix sockets (their first use sets up a {@code SecureRandom}) and the reading
     * of replies on another core while picocli builds the command model: most commands talk to a
     * primary, and each of these takes milliseconds in a fresh JVM. Nothing depends on it finishing.
     * (Main has classes rather than lambdas: a lambda's first call spins classes at run time.)
     */
    private static final class WarmUp implements Runnable {
        @Override
        public void run() {
            try {
                SocketChannel.open(StandardProtocolFamily.UNIX).close();
                RecordJson.read("{\"ok\":true,\"status\":{\"workers\":[{\"lastExit\":{},\"heartbeat\":{}}]},"
                        + "\"metrics\":{\"workers\":[{\"collectors\":[]}],\"totals\":{}}}", ControlReply.class);
            } catch (IOException | RuntimeException e) {
                // Only a warm-up: the command itself reports what goes wrong.
            }
        }
    }

    /**
     * The command line with jcluster's error handling: an {@link ExitException} or a
     * {@link ConfigException} prints its message and exits with its code (2 for a bad config),
     * anything else prints one line (the stack trace with {@code JCLUSTER_DEBUG=1}) and exits 1.
     */
    public static CommandLine commandLine() {
        CommandLine cl = root();
        for (Class<?> sub : JClusterCommand.SUBCOMMANDS) cl.addSubcommand(sub);
        return withErrorHandling(cl);
    }

    private static CommandLine root() {
        return new CommandLine(new JClusterCommand());
    }

    /** Sets the handler on {@code cl} and the subcommands it has now: picocli does not pass it on to ones added later. */
    private static CommandLine withErrorHandling(CommandLine cl) {
        cl.setExecutionExceptionHandler(new ErrorHandler());
        return cl;
    }

    private static final class ErrorHandler implements CommandLine.IExecutionExceptionHandler {
        @Override
        public int handleExecutionException(Exception e, CommandLine line, CommandLine.ParseResult parsed) {
            PrintWriter err = line.getErr();
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
        }
    }
}
