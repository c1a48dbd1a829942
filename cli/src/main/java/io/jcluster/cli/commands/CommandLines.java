package io.jcluster.cli.commands;

import io.jcluster.cli.config.ConfigException;
import java.io.PrintWriter;
import picocli.CommandLine;

/** jcluster's picocli command lines, with its error handling: what {@code Main} runs, and what completion scripts are made from. */
public final class CommandLines {
    private CommandLines() {}

    /**
     * The command line that can run {@code args}: the root and only the subcommand they name (the
     * first word that is not an option; the root's own options take no value), or the root alone for
     * {@code --version}. Help, a mistyped command and anything else get the whole command line, which
     * lists and suggests every subcommand.
     */
    public static CommandLine forArgs(String[] args) {
        Class<?> sub = subcommand(args);
        if (sub != null) return withErrorHandling(root().addSubcommand(sub));
        boolean versionOnly = args.length > 0;
        for (String arg : args) versionOnly &= arg.equals("-V") || arg.equals("--version");
        return versionOnly ? withErrorHandling(root()) : full();
    }

    /**
     * The command line with every subcommand and jcluster's error handling: an {@link ExitException}
     * or a {@link ConfigException} prints its message and exits with its code (2 for a bad config),
     * anything else prints one line (the stack trace with {@code JCLUSTER_DEBUG=1}) and exits 1.
     */
    public static CommandLine full() {
        CommandLine cl = root();
        for (Class<?> sub : JClusterCommand.SUBCOMMANDS) cl.addSubcommand(sub);
        return withErrorHandling(cl);
    }

    /** The subcommand {@code args} name, or null: their first word that is not an option, if it is one. */
    private static Class<?> subcommand(String[] args) {
        for (String arg : args) {
            if (!arg.startsWith("-")) return JClusterCommand.subcommand(arg);
        }
        return null;
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
