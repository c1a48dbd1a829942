package io.jcluster.cli.commands;

import io.jcluster.cli.control.EntryPoints;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** The root command: prints help when given no subcommand. */
@Command(name = "jcluster",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = {"Run a JVM server on every core: one worker JVM per core on one port.",
                "Crashed workers come back; state is in $JCLUSTER_HOME (default ~/.jcluster)."})
public final class JClusterCommand implements Runnable {
    /**
     * The subcommands, in the order help lists them. They are not in the {@code @Command}
     * annotation so that a command line can hold only the one that runs: picocli reads the model of
     * every subcommand it is given, tens of milliseconds for all of them in a fresh JVM.
     */
    public static final List<Class<?>> SUBCOMMANDS = List.of(Start.class, Stop.class, Reload.class, Restart.class,
            Scale.class, Signal.class, Upgrade.class, Cordon.class, Uncordon.class, Ls.class, Top.class, Describe.class, Logs.class,
            Flush.class, Dump.class, Doctor.class, Startup.class, Init.class,
            Completion.class, PrimaryCommand.class);

    /**
     * Each subcommand by its name and by each alias. The same names are in the subcommands'
     * annotations ({@code JClusterCommandTest} checks that they agree): reading those annotations
     * to find one takes milliseconds the first time.
     */
    static final Map<String, Class<?>> BY_NAME = Map.ofEntries(
            Map.entry("start", Start.class),
            Map.entry("stop", Stop.class), Map.entry("delete", Stop.class),
            Map.entry("reload", Reload.class),
            Map.entry("restart", Restart.class),
            Map.entry("scale", Scale.class),
            Map.entry("signal", Signal.class),
            Map.entry("upgrade", Upgrade.class),
            Map.entry("cordon", Cordon.class),
            Map.entry("uncordon", Uncordon.class),
            Map.entry("ls", Ls.class), Map.entry("list", Ls.class), Map.entry("status", Ls.class),
            Map.entry("top", Top.class),
            Map.entry("describe", Describe.class),
            Map.entry("logs", Logs.class), Map.entry("log", Logs.class),
            Map.entry("flush", Flush.class),
            Map.entry("dump", Dump.class),
            Map.entry("doctor", Doctor.class),
            Map.entry("startup", Startup.class),
            Map.entry("init", Init.class),
            Map.entry("completion", Completion.class),
            Map.entry(EntryPoints.PRIMARY, PrimaryCommand.class));

    /** The subcommand called {@code word} (a name or an alias), or null. */
    public static Class<?> subcommand(String word) {
        return BY_NAME.get(word);
    }

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
