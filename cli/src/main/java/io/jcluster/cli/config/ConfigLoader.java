package io.jcluster.cli.config;

import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import io.jcluster.cli.cgroup.Cgroup;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Reads {@code jcluster.toml} (one {@code [app]}, or several {@code [[app]]}), applies the command
 * line's flags, fills in defaults and checks the result. Every mistake becomes a
 * {@link ConfigException} naming the file, line and key (and, in a file of several, the app).
 */
public final class ConfigLoader {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    private ConfigLoader() {}

    /** Whether {@code name} is usable as an app's name: letters, digits, '.', '_' and '-', at most 64, starting with a letter or digit. */
    public static boolean usableName(String name) {
        return NAME.matcher(name).matches();
    }

    /** A file read and split into its apps, their names and start order checked. */
    private record Parsed(Path cwd, Path file, String text, List<AppTables.One> apps, List<String> order) {
        boolean several() {
            return apps.size() > 1;
        }

        List<String> names() {
            return apps.stream().map(AppTables.One::name).toList();
        }
    }

    /**
     * Loads the config that {@code spec} describes: its app of the file ({@link StartSpec#app()}),
     * or the file's only app.
     */
    public static AppConfig load(StartSpec spec) throws ConfigException {
        Parsed p = parse(spec);
        AppTables.One one;
        if (spec.app() != null) {
            one = p.apps().stream().filter(a -> spec.app().equals(a.name())).findFirst().orElseThrow(() -> new ConfigException(
                    p.file(), 0, null, "app", "no app '" + spec.app() + "' in this file any more (its apps: "
                    + String.join(", ", p.names()) + ")"));
        } else if (p.several()) {
            throw new ConfigException(p.file(), 0, null, null, "the file has " + p.apps().size() + " apps ("
                    + String.join(", ", p.names()) + "): start them with jcluster start " + p.file());
        } else {
            one = p.apps().get(0);
        }
        return loadOne(spec, p, one);
    }

    /**
     * Every app of {@code spec}'s file in start order ({@code after} first), or only those named in
     * {@code only} (empty: all). Each comes with the spec its primary keeps. Nothing is returned
     * unless every app is good.
     */
    public static List<PlannedApp> loadAll(StartSpec spec, Collection<String> only) throws ConfigException {
        Parsed p = parse(spec);
        for (String name : only) {
            if (!p.names().contains(name)) {
                throw new ConfigException(p.file(), 0, null, "--only", "no app '" + name + "' in this file (its apps: "
                        + String.join(", ", p.names()) + ")");
            }
        }
        List<PlannedApp> planned = new ArrayList<>();
        for (String name : p.order()) {
            if (!only.isEmpty() && !only.contains(name)) continue;
            AppTables.One one = p.several() ? p.apps().stream().filter(a -> name.equals(a.name())).findFirst().orElseThrow()
                    : p.apps().get(0);
            StartSpec own = p.several() ? spec.withApp(name) : spec;
            planned.add(new PlannedApp(own, loadOne(own, p, one)));
        }
        return planned;
    }

    /** The names of the apps of {@code spec}'s file in start order: for commands that act on a file's apps. */
    public static List<String> appNames(StartSpec spec) throws ConfigException {
        return parse(spec).order().stream().filter(n -> !n.isEmpty()).toList();
    }

    private static Parsed parse(StartSpec spec) throws ConfigException {
        Path cwd = Path.of(spec.cwd());
        Path file = spec.configFile() == null ? null : cwd.resolve(spec.configFile()).toAbsolutePath().normalize();
        String text = file == null ? "" : read(file);
        ObjectNode tree = file == null ? JsonNodeFactory.instance.objectNode() : parse(file, text);
        if (file == null && spec.env() != null) {
            throw new ConfigException(null, 0, null, "--env", "named environments are tables of a config file ([app.env_"
                    + spec.env() + "]): start a jcluster.toml, not a jar");
        }
        List<AppTables.One> apps = AppTables.split(file, text, tree, spec.env());
        if (spec.env() != null && apps.stream().noneMatch(a -> a.envs().contains(spec.env()))) {
            AppTables.One first = apps.get(0);
            List<String> known = apps.stream().flatMap(a -> a.envs().stream()).distinct().toList();
            throw new ConfigException(file, TomlLines.lineOf(first.lines(), List.of("app")), apps.size() > 1 ? first.name() : null,
                    "app." + AppTables.ENV_PREFIX + spec.env(), "--env " + spec.env() + ": no app of this file has [app."
                            + AppTables.ENV_PREFIX + spec.env() + "] (" + (known.isEmpty() ? "it has no named environments"
                            : "its environments: " + String.join(", ", known)) + ")");
        }
        Map<String, List<String>> after = new LinkedHashMap<>();
        for (AppTables.One a : apps) {
            Where at = new Where(file, a.lines(), a.own(), apps.size() > 1 ? a.name() : null);
            if (a.name() == null) {
                if (apps.size() > 1) {
                    throw new ConfigException(file, TomlLines.lineOf(a.lines(), List.of("app")), "[[app]] #" + (a.index() + 1),
                            "app.jar", "no jar to run: set jar (and name) in each [[app]]");
                }
                after.put("", List.of());
                continue;
            }
            if (after.containsKey(a.name())) {
                throw at.error(a.own().has("name") ? "app.name" : "app.jar", "a second app called '" + a.name()
                        + "': each app of a file needs a name of its own");
            }
            after.put(a.name(), a.after());
        }
        for (AppTables.One a : apps) {
            Where at = new Where(file, a.lines(), a.own(), apps.size() > 1 ? a.name() : null);
            for (String dep : a.after()) {
                if (dep.equals(a.name())) throw at.error("app.after", "an app cannot start after itself");
                if (!after.containsKey(dep)) {
                    throw at.error("app.after", "'" + dep + "' is not an app of this file (its apps: "
                            + String.join(", ", after.keySet()) + ")");
                }
            }
        }
        List<String> order;
        try {
            order = StartOrder.flat(after);
        } catch (IllegalArgumentException cycle) {
            String first = cycle.getMessage().split(" → ")[0];
            AppTables.One a = apps.stream().filter(x -> first.equals(x.name())).findFirst().orElseThrow();
            throw new Where(file, a.lines(), a.own(), a.name()).error("app.after",
                    "the apps start after each other in a cycle: " + cycle.getMessage() + "; nothing starts");
        }
        return new Parsed(cwd, file, text, apps, order);
    }

    /** The {@code after} lists of a file's apps: app → the apps it starts after. */
    public static Map<String, List<String>> after(List<AppConfig> apps) {
        Map<String, List<String>> after = new LinkedHashMap<>();
        for (AppConfig a : apps) after.put(a.name(), a.after());
        return after;
    }

    private static AppConfig loadOne(StartSpec spec, Parsed p, AppTables.One one) throws ConfigException {
        Path file = p.file();
        Path cwd = p.cwd();
        ObjectNode tree = one.tree().deepCopy();
        Where at = new Where(file, one.lines(), one.own(), p.several() ? one.name() : null);
        applyOverrides(tree, spec.overrides());
        ConfigFile raw = ConfigBinder.bind(tree, at);
        AppSection app = raw.app() == null ? new AppSection(null, null, null, null, null, null, null, null, null, null, null, null, null, null, null) : raw.app();
        Path base = file != null ? file.getParent() : cwd;
        boolean jarFromFlag = spec.overrides().jar() != null;

        if (app.jar() == null || app.jar().isBlank()) {
            throw at.error("app.jar",
                    "no jar to run: give one on the command line (jcluster start app.jar) or set jar in [app]");
        }
        Path jar;
        try {
            jar = (jarFromFlag ? cwd : base).resolve(app.jar()).toAbsolutePath().normalize();
        } catch (InvalidPathException e) {
            if (jarFromFlag) throw new ConfigException(null, 0, null, "not a usable path: " + e.getMessage());
            throw at.error("app.jar", "not a usable path: " + e.getMessage());
        }
        if (!Files.isRegularFile(jar)) {
            if (jarFromFlag) {
                throw new ConfigException(null, 0, null, app.jar() + ": no such jar (looked for " + jar + ")");
            }
            throw at.error("app.jar", "no such jar: " + jar);
        }
        String name = app.name() != null ? app.name() : jar.getFileName().toString().replaceFirst("\\.jar$", "");
        if (!NAME.matcher(name).matches()) {
            throw at.error("app.name", "'" + name + "' is not a usable app name "
                    + "(letters, digits, '.', '_' and '-', at most 64, starting with a letter or digit)"
                    + (app.name() == null ? "; set one with --name" : ""));
        }
        List<Integer> ports = KeyChecks.ports(at, app);
        KeyChecks.checkHost(at, app.host());
        Path workDir = app.cwd() == null ? base : path(at, "app.cwd", base, app.cwd());
        if (!Files.isDirectory(workDir)) {
            throw at.error("app.cwd", "no such directory: " + workDir);
        }
        Path java = app.java() == null ? currentJava() : path(at, "app.java", base, app.java());
        if (!Files.isRegularFile(java) || !Files.isExecutable(java)) {
            throw at.error("app.java", "not an executable java: " + java);
        }
        KeyChecks.checkStrings(at, "app.jvm_args", app.jvmArgs());
        String tooSmall = HeapSizing.tooSmall(app.jvmArgs(), Cgroup.current().memoryLimit());
        if (tooSmall != null) throw at.error("app.jvm_args", tooSmall);
        KeyChecks.checkStrings(at, "app.args", app.args());
        KeyChecks.checkEnv(at, app.env());
        KeyChecks.checkPolicies(at, raw);
        for (String[] problem : new String[][] {raw.metrics().problem(), raw.overload().problem(), raw.recycle().problem()}) {
            if (problem != null) throw at.error(problem[0], problem[1]);
        }
        if (raw.recycle().maxRequests() != null && !AppJar.givesRequestCounts(jar)) {
            throw at.error("recycle.max_requests", "needs request counts, and " + jar.getFileName() + " gives none: they come"
                    + " from apps that link worker-runtime (io.jcluster.runtime) or run Tomcat or Jetty, and this jar holds none of them");
        }
        WatchPolicy watch = watch(at, raw.watch(), spec.overrides(), base, jar, file);
        String envName = spec.env() != null && one.envs().contains(spec.env()) ? spec.env() : null;
        Instances.Auto auto = app.instances().auto() ? Instances.here() : null;
        return new AppConfig(name, jar, file, workDir, auto != null ? auto.workers() : app.instances().count(), ports, app.host(), app.listen(),
                app.jvmArgs(), app.args(), app.env(), java, raw.restart(), raw.reload(), raw.health(),
                KeyChecks.checkedLogs(at, raw.logs()), raw.metrics(), raw.overload(), app.aotCache(), app.after(), envName, raw.recycle(),
                watch, KeyChecks.spares(at, app), auto == null ? null : "auto: " + auto.why());
    }

    /** {@code [watch]} in force: on with {@code --watch}, {@code enabled = true} or {@code paths}; every path must exist. */
    private static WatchPolicy watch(Where at, WatchSection w, Overrides o, Path base, Path jar, Path file) throws ConfigException {
        boolean enabled = Boolean.TRUE.equals(o.watch()) || (w.enabled() != null ? w.enabled() : w.paths() != null);
        Duration interval = w.interval() == null ? WatchPolicy.DEFAULT_INTERVAL : w.interval();
        if (interval.compareTo(WatchPolicy.MIN_INTERVAL) < 0) {
            throw at.error("watch.interval", Durations.format(interval) + " is too short (at least "
                    + Durations.format(WatchPolicy.MIN_INTERVAL) + ")");
        }
        List<Path> paths = new ArrayList<>();
        if (w.paths() == null) {
            paths.add(jar);
            if (file != null) paths.add(file);
        } else {
            if (w.paths().isEmpty()) throw at.error("watch.paths", "no paths: leave the key out to watch the jar and the config file");
            for (String s : w.paths()) {
                Path path = path(at, "watch.paths", base, s);
                if (!Files.exists(path)) throw at.error("watch.paths", "no such file or directory: " + path);
                paths.add(path);
            }
        }
        return new WatchPolicy(enabled, paths, interval);
    }

    /** {@code value} resolved against {@code base}, or an error about {@code key} when it is no path at all. */
    private static Path path(Where at, String key, Path base, String value) throws ConfigException {
        try {
            return base.resolve(value).toAbsolutePath().normalize();
        } catch (InvalidPathException e) {
            throw at.error(key, "not a usable path: " + e.getMessage());
        }
    }

    /** An error about {@code key} of {@code config}'s file, with the key's line (in the app's part of it) when it has one. */
    public static ConfigException errorAt(AppConfig config, String key, String message) {
        Path file = config.configFile();
        if (file == null) return new ConfigException(null, 0, key, message);
        try {
            String text = Files.readString(file, StandardCharsets.UTF_8);
            List<AppTables.One> apps = AppTables.split(file, text, parse(file, text), null);
            for (AppTables.One a : apps) {
                if (apps.size() == 1 || config.name().equals(a.name())) {
                    return new Where(file, a.lines(), a.own(), apps.size() > 1 ? a.name() : null).error(key, message);
                }
            }
        } catch (IOException | ConfigException e) {
            // the line number is a convenience; the message stands without it
        }
        return new ConfigException(file, 0, key, message);
    }

    /** The java that runs this process: workers use the same one unless the config says otherwise. */
    public static Path currentJava() {
        return Path.of(System.getProperty("java.home"), "bin", "java");
    }

    private static String read(Path file) throws ConfigException {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new ConfigException(null, 0, null, file + ": no such config file");
        } catch (IOException e) {
            throw new ConfigException(file, 0, null, "cannot read: " + e.getMessage());
        }
    }

    private static ObjectNode parse(Path file, String text) throws ConfigException {
        try {
            var node = new TomlMapper().readTree(text);
            return node instanceof ObjectNode o ? o : JsonNodeFactory.instance.objectNode();
        } catch (StreamReadException e) {
            int line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
            String msg = e.getOriginalMessage();
            throw new ConfigException(file, Math.max(line, 0), null, "not valid TOML: " + msg);
        } catch (IOException e) {
            throw new ConfigException(file, 0, null, "not valid TOML: " + e.getMessage());
        }
    }

    private static void applyOverrides(ObjectNode tree, Overrides o) throws ConfigException {
        if (tree.has("app") && !tree.get("app").isObject()) {
            return; // binding reports the bad type with its key
        }
        ObjectNode app = tree.has("app") ? (ObjectNode) tree.get("app") : tree.putObject("app");
        if (o.name() != null) app.put("name", o.name());
        if (o.jar() != null) app.put("jar", o.jar());
        if (o.instances() != null) app.put("instances", o.instances().toString());
        if (o.spares() != null) app.put("spares", o.spares());
        List<Integer> ports = o.portsGiven();
        if (ports != null) {
            // -p replaces both forms of the file: one port is written port, several ports
            app.remove("port");
            app.remove("ports");
            if (ports.size() == 1) app.put("port", ports.get(0));
            else ports.forEach(app.putArray("ports")::add);
        }
        if (o.listen() != null) app.put("listen", o.listen().id());
        if (o.jvmArgs() != null && !o.jvmArgs().isEmpty()) putStrings(app.putArray("jvm_args"), o.jvmArgs());
        if (o.args() != null && !o.args().isEmpty()) putStrings(app.putArray("args"), o.args());
        if (Boolean.TRUE.equals(o.watch())) {
            if (!tree.has("watch") || tree.get("watch").isObject()) {
                (tree.has("watch") ? (ObjectNode) tree.get("watch") : tree.putObject("watch")).put("enabled", true);
            }
        }
        if (o.logsTo() != null) {
            if (tree.has("logs") && !tree.get("logs").isObject()) return;
            ObjectNode logs = tree.has("logs") ? (ObjectNode) tree.get("logs") : tree.putObject("logs");
            logs.put("to", o.logsTo().id());
        }
    }

    private static void putStrings(ArrayNode array, List<String> values) {
        values.forEach(array::add);
    }

}
