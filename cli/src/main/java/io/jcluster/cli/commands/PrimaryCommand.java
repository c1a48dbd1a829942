package io.jcluster.cli.commands;

import io.jcluster.cli.config.AppConfig;
import io.jcluster.cli.config.ConfigLoader;
import io.jcluster.cli.config.Home;
import io.jcluster.cli.config.StartSpec;
import io.jcluster.cli.control.Json;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The detached primary that {@code start} launches (hidden): reads the start spec from the run
 * directory. With {@code --take-over}, the one {@code upgrade} launches.
 */
@Command(name = "__primary", hidden = true, description = "Run an app's primary (used by start).")
final class PrimaryCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "<app>")
    String app;

    @Option(names = "--take-over", description = "Take the app over from its running primary (jcluster upgrade).")
    boolean takeOver;

    @Override
    public Integer call() throws Exception {
        Home home = Home.fromEnvironment();
        StartSpec spec = Json.MAPPER.readValue(home.specFile(app).toFile(), StartSpec.class);
        AppConfig config = ConfigLoader.load(spec);
        if (takeOver) return PrimaryRun.takeOver(home, spec, config, System.out);
        return PrimaryRun.run(home, spec, config, System.out, false);
    }
}
