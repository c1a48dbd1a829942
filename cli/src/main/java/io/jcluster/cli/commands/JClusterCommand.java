package io.jcluster.cli.commands;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** The root command: prints help when given no subcommand. */
@Command(name = "jcluster",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = {"Run a JVM server on every core: one worker JVM per core on one port,",
                "crashed workers restarted, state under $JCLUSTER_HOME (default ~/.jcluster)."},
        subcommands = {Start.class, Stop.class, Reload.class, Restart.class, Scale.class, Ls.class, Top.class, Describe.class,
                Logs.class, Flush.class, Doctor.class, Startup.class, Completion.class, PrimaryCommand.class})
public final class JClusterCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
