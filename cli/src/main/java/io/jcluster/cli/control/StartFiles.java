package io.jcluster.cli.control;

import io.jcluster.cli.config.AppConfig;
import io.jcluster.cli.config.Home;
import io.jcluster.cli.config.StartSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * What {@code start} (and {@code upgrade}) leave in the app's run directory for the primary they
 * launch: the start spec ({@code start.json}: what a reload reads again) and the config resolved
 * from it ({@code config.json}: what the primary runs), both as {@link RecordJson}. So a primary
 * never parses TOML nor loads jackson-databind, about a fifth of the classes it would hold and a
 * third of its start (bench/RESULTS.md); a reload has its config resolved by a short-lived
 * {@code jcluster __config} (see {@code primary.ConfigResolver}). Owner-only: the config holds the
 * app's environment.
 */
public final class StartFiles {
    private StartFiles() {}

    /** Writes {@code spec} and the {@code config} resolved from it, each replacing its file at once. */
    public static void write(Home home, StartSpec spec, AppConfig config) throws IOException {
        replace(home.specFile(config.name()), RecordJson.write(spec));
        writeConfig(home, config);
    }

    /** Writes {@code config} alone, replacing {@code config.json} at once: an upgrade keeps the spec that start wrote. */
    public static void writeConfig(Home home, AppConfig config) throws IOException {
        replace(home.resolvedConfig(config.name()), RecordJson.write(config));
    }

    public static StartSpec spec(Path file) throws IOException {
        return RecordJson.read(Files.readString(file, StandardCharsets.UTF_8), StartSpec.class);
    }

    public static AppConfig config(Path file) throws IOException {
        return RecordJson.read(Files.readString(file, StandardCharsets.UTF_8), AppConfig.class);
    }

    private static void replace(Path file, String json) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, json + "\n", StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(tmp, Home.OWNER_RW);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
