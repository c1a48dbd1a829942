package io.jcluster.cli.commands;

import io.jcluster.cli.config.ConfigException;
import io.jcluster.cli.config.ConfigLoader;
import io.jcluster.cli.config.StartSpec;
import io.jcluster.cli.control.RecordJson;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * {@code jcluster __config} (hidden, run without picocli): reads a start spec as JSON on its input,
 * loads the config it names, and prints that config as one JSON line; or prints what is wrong with
 * it (file, line and key) and exits 2. A primary runs it for each reload (see
 * {@code primary.ConfigResolver}), so that the TOML parser and jackson-databind stay out of the
 * primary's memory.
 */
public final class ConfigCommand {
    private ConfigCommand() {}

    /** Runs it; returns the exit code. */
    public static int direct() {
        try {
            String json = new String(System.in.readAllBytes(), StandardCharsets.UTF_8);
            StartSpec spec = RecordJson.read(json, StartSpec.class);
            System.out.println(RecordJson.write(ConfigLoader.load(spec)));
            return 0;
        } catch (ConfigException e) {
            System.out.println("jcluster: " + e.getMessage());
            return ExitException.USAGE;
        } catch (IOException | RuntimeException e) {
            System.out.println("jcluster: " + e);
            return ExitException.FAILURE;
        }
    }
}
