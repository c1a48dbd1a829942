package io.jcluster.cli.commands;

import io.jcluster.cli.config.AppConfig;
import io.jcluster.cli.config.ConfigException;
import io.jcluster.cli.config.Home;
import io.jcluster.cli.config.StartSpec;
import io.jcluster.cli.control.EntryPoints;
import io.jcluster.cli.control.StartFiles;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The detached primary that {@code start} launches (hidden): reads the start spec from the run
 * directory. With {@code --take-over}, the one {@code upgrade} launches.
 */
@Command(name = EntryPoints.PRIMARY, hidden = true, description = "Run an app's primary (used by start).")
public final class PrimaryCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "<app>")
    String app;

    @Option(names = EntryPoints.TAKE_OVER, description = "Take the app over from its running primary (jcluster upgrade).")
    boolean takeOver;

    /**
     * Runs the primary of {@code args}, which {@link EntryPoints#isPrimary} accepted, without picocli
     * (whose model, reflection and annotation proxies cost a primary 170 classes and their time);
     * returns its exit code.
     */
    public static int direct(String[] args) {
        PrimaryCommand command = new PrimaryCommand();
        command.app = args[1];
        command.takeOver = args.length == 3;
        return command.call();
    }

    /**
     * Runs the primary; its last line in the log says its exit code, for the CLI that launched it
     * and cannot wait for it (it is no child of the CLI).
     */
    @Override
    public Integer call() {
        int code;
        try {
            code = run();
        } catch (ConfigException e) {
            System.out.println("jcluster: " + e.getMessage());
            code = ExitException.USAGE;
        } catch (Exception e) {
            System.out.println("jcluster: " + e);
            if (System.getenv("JCLUSTER_DEBUG") != null) e.printStackTrace(System.out);
            code = ExitException.FAILURE;
        }
        DetachedPrimary.exiting(app, code);
        return code;
    }

    private int run() throws Exception {
        Home home = Home.fromEnvironment();
        StartSpec spec = StartFiles.spec(home.specFile(app));
        AppConfig config = StartFiles.config(home.resolvedConfig(app)); // resolved by start (or upgrade), which launched this
        if (takeOver) return PrimaryRun.takeOver(home, spec, config, System.out);
        return PrimaryRun.run(home, spec, config, System.out, false);
    }
}
