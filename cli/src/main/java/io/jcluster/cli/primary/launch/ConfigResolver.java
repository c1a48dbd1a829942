package io.jcluster.cli.primary.launch;

import io.jcluster.cli.config.AppConfig;
import io.jcluster.cli.config.StartSpec;
import io.jcluster.cli.control.RecordJson;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A start spec's config read again, for a reload: resolved by a short-lived {@code jcluster __config}
 * (this java, this class path), which reads the spec on its input and answers the config as one
 * {@link RecordJson} line, or the config check's message (file, line and key) with exit code 2. So
 * the primary never loads the TOML parser and jackson-databind, which would stay in its memory for
 * good after the first reload; the reload pays one JVM start for it, a fraction of starting its workers.
 * Blocking, up to {@link #TIMEOUT}: run off the loop.
 */
public final class ConfigResolver {
    static final Duration TIMEOUT = Duration.ofSeconds(60);
    /** A client's JVM: C1 only, the serial collector, no perf-data file. */
    private static final List<String> JVM = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-XX:-UsePerfData",
            "-Xss512k", "-Xmx128m");

    private ConfigResolver() {}

    /** Why the config could not be had: {@code code} 2 for a config that does not pass its checks, 1 for anything else. */
    public static final class Refused extends Exception {
        public final int code;

        Refused(String message, int code) {
            super(message);
            this.code = code;
        }
    }

    public static AppConfig resolve(StartSpec spec) throws Refused {
        Path out = null;
        Path err = null;
        try {
            out = Files.createTempFile("jcluster-config", ".json");
            err = Files.createTempFile("jcluster-config", ".err");
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(JVM);
            command.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.jcluster.cli.Main", "__config"));
            Process child = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            try (OutputStream in = child.getOutputStream()) {
                in.write(RecordJson.bytes(spec));
            }
            if (!child.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                child.destroyForcibly();
                throw new Refused("reading the config took more than " + TIMEOUT.toSeconds() + " s", 1);
            }
            String answer = Files.readString(out, StandardCharsets.UTF_8).strip();
            if (child.exitValue() == 0) return RecordJson.read(answer, AppConfig.class);
            String said = answer.isEmpty() ? Files.readString(err, StandardCharsets.UTF_8).strip() : answer;
            if (said.startsWith("jcluster: ")) said = said.substring("jcluster: ".length());
            throw new Refused(said.isEmpty() ? "jcluster __config exited with " + child.exitValue() : said, child.exitValue() == 2 ? 2 : 1);
        } catch (IOException e) {
            throw new Refused("could not read the config: " + e.getMessage(), 1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Refused("interrupted while reading the config", 1);
        } finally {
            delete(out);
            delete(err);
        }
    }

    private static void delete(Path file) {
        try {
            if (file != null) Files.deleteIfExists(file);
        } catch (IOException e) {
            // a temporary file left behind: nothing depends on it
        }
    }
}
