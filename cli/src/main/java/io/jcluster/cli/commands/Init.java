package io.jcluster.cli.commands;

import io.jcluster.cli.config.ConfigException;
import io.jcluster.cli.config.ConfigLoader;
import io.jcluster.cli.config.Overrides;
import io.jcluster.cli.config.StartSpec;
import io.jcluster.cli.init.JarSurvey;
import io.jcluster.cli.init.NotAnAppJar;
import io.jcluster.cli.init.StarterConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code jcluster init}: writes a commented {@code jcluster.toml} for a server jar, after looking
 * into it ({@link JarSurvey}); PM2's {@code pm2 init}, for jars. The file is checked as
 * {@code start} would check it before it takes its place, so {@code jcluster start} runs it as it is.
 */
@Command(name = "init", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Write a commented jcluster.toml for a server jar, beside the jar.",
                "It looks into the jar (Spring Boot: its Start-Class and server.port; an app",
                "that links worker-runtime; another server) and writes only the keys you are",
                "likely to change. An existing file is left alone (exit 2) unless --force."})
final class Init implements Callable<Integer> {
    /** Jars a build leaves beside the runnable one. */
    private static final List<String> NOT_APPS = List.of("-sources.jar", "-javadoc.jar", "-tests.jar", "-plain.jar");

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "<app.jar>",
            description = "The server jar (default: the only jar in this directory or in target/; the file then goes here).")
    Path jar;

    @Option(names = "--name", paramLabel = "<name>", description = "App name (default: spring.application.name, else the jar's name without its version).")
    String name;

    @Option(names = {"-p", "--port"}, paramLabel = "<port>",
            description = "The port the workers share (default: the jar's server.port, else 8080).")
    Integer port;

    @Option(names = {"-o", "--output"}, paramLabel = "<file>",
            description = "Where to write the file (default: jcluster.toml beside the jar); e.g. /etc/jcluster/<app>.toml.")
    Path output;

    @Option(names = "--force", description = "Replace an existing file.")
    boolean force;

    @Override
    public Integer call() throws IOException {
        Path cwd = Path.of("").toAbsolutePath();
        Path app = jar != null ? cwd.resolve(jar).normalize() : onlyJarIn(cwd);
        Path file = output != null ? cwd.resolve(output).normalize()
                : (jar != null ? app.getParent() : cwd).resolve(Start.DEFAULT_CONFIG);
        if (Files.isDirectory(file)) file = file.resolve(Start.DEFAULT_CONFIG);
        if (port != null && (port < 1 || port > 65535)) {
            throw new ExitException(ExitException.USAGE, "--port " + port + ": not a port (1 to 65535)");
        }
        if (name != null && !ConfigLoader.usableName(name)) {
            throw new ExitException(ExitException.USAGE, "--name '" + name + "' is not a usable app name (letters, digits, '.', '_'"
                    + " and '-', at most 64, starting with a letter or digit)");
        }
        JarSurvey survey;
        try {
            survey = JarSurvey.of(app);
        } catch (NotAnAppJar e) {
            throw new ExitException(ExitException.USAGE, e.getMessage());
        }
        if (!Files.isDirectory(file.getParent())) throw new ExitException(ExitException.USAGE, file.getParent() + ": no such directory");
        if (Files.exists(file) && !force) throw exists(file);
        Path dir = file.getParent();
        Path jarDir = survey.jar().getParent();
        boolean under = survey.jar().startsWith(dir);
        String jarKey = under ? dir.relativize(survey.jar()).toString() : survey.jar().toString();
        String cwdKey = under ? null : jarDir.toString();
        String text = StarterConfig.text(survey, file, appName(survey), port, jarKey, cwdKey);
        write(file, text);

        PrintWriter out = spec.commandLine().getOut();
        out.println("wrote " + file + ": " + survey.what() + " (" + survey.mainClass() + ")");
        out.println("start it with: jcluster start " + file);
        out.flush();
        if (!survey.serves()) {
            PrintWriter err = spec.commandLine().getErr();
            err.println("jcluster: note: found no server in " + survey.jar().getFileName() + ": a worker is ready once it listens on the"
                    + " port of the file; a jar that never does will not start");
            err.flush();
        }
        return 0;
    }

    /**
     * The name: {@code --name}, else a Boot app's {@code spring.application.name}, else the jar's file
     * name without {@code .jar} and a version ({@code shop-1.4.2-SNAPSHOT.jar} is {@code shop}).
     */
    private String appName(JarSurvey survey) {
        if (name != null) return name;
        if (survey.springName() != null && ConfigLoader.usableName(survey.springName())) return survey.springName();
        String base = survey.jar().getFileName().toString().replaceFirst("\\.jar$", "");
        String unversioned = base.replaceFirst("-\\d+(\\.\\d+)*([-.][A-Za-z0-9]+)*$", "");
        String n = (unversioned.isEmpty() ? base : unversioned).replaceAll("[^A-Za-z0-9._-]", "-");
        if (n.length() > 64) n = n.substring(0, 64);
        return ConfigLoader.usableName(n) ? n : "app";
    }

    /** Writes {@code text} next to {@code file}, checks that it loads as start would load it, then moves it into place. */
    private void write(Path file, String text) throws IOException {
        Path tmp = file.resolveSibling("." + file.getFileName() + ".init-" + ProcessHandle.current().pid());
        try {
            Files.writeString(tmp, text);
            ConfigLoader.load(new StartSpec(tmp.toString(), Overrides.none(), file.getParent().toString()));
            if (force) Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            else Files.move(tmp, file);
        } catch (FileAlreadyExistsException e) {
            throw exists(file);
        } catch (ConfigException e) {
            throw new ExitException(ExitException.FAILURE, "the file init made does not load, so it was not written: " + e.getMessage());
        } catch (IOException e) {
            throw new ExitException(ExitException.FAILURE, "cannot write " + file + ": " + e.getMessage());
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static ExitException exists(Path file) {
        return new ExitException(ExitException.USAGE, file + " exists: not overwritten (jcluster init --force replaces it)");
    }

    /** The only runnable-looking jar in {@code dir}, else in {@code dir/target}. */
    private static Path onlyJarIn(Path dir) throws IOException {
        for (Path d : List.of(dir, dir.resolve("target"))) {
            if (!Files.isDirectory(d)) continue;
            List<Path> jars = new ArrayList<>();
            try (Stream<Path> s = Files.list(d)) {
                s.filter(p -> Files.isRegularFile(p) && p.getFileName().toString().endsWith(".jar"))
                        .filter(p -> NOT_APPS.stream().noneMatch(p.getFileName().toString()::endsWith))
                        .filter(p -> !p.getFileName().toString().startsWith("original-"))
                        .sorted().forEach(jars::add);
            }
            if (jars.size() == 1) return jars.get(0);
            if (jars.size() > 1) {
                throw new ExitException(ExitException.USAGE, "several jars in " + d + " (" + String.join(", ",
                        jars.stream().map(p -> p.getFileName().toString()).toList()) + "): give the app's, jcluster init <app.jar>");
            }
        }
        throw new ExitException(ExitException.USAGE, "no jar in " + dir + " nor in its target/: give the app's, jcluster init <app.jar>");
    }
}
