package io.jcluster.cli.commands;

import java.util.Arrays;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** The root command: prints help when given no subcommand. */
@Command(name = "jcluster",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = {"Run a JVM server on every core: one worker JVM per core on one port,",
                "crashed workers restarted, state under $JCLUSTER_HOME (default ~/.jcluster)."})
public final class JClusterCommand implements Runnable {
    /**
     * The subcommands, in the order help lists them. They are not in the {@code @Command}
     * annotation so that a command line can hold only the one that runs: picocli reads the model of
     * every subcommand it is given, tens of milliseconds for all of them in a fresh JVM.
     */
    public static final List<Class<?>> SUBCOMMANDS = List.of(Start.class, Stop.class, Reload.class, Restart.class,
            Scale.class, Ls.class, Top.class, Describe.class, Logs.class, Flush.class, Doctor.class, Startup.class,
            Completion.class, PrimaryCommand.class);

    @Spec
    CommandSpec spec;

    /** The subcommand called {@code word} (a name or an alias), or null. */
    public static Class<?> subcommand(String word) {
        for (Class<?> c : SUBCOMMANDS) {
            Command command = c.getAnnotation(Command.class);
            if (command.name().equals(word) || Arrays.asList(command.aliases()).contains(word)) return c;
        }
        return null;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
