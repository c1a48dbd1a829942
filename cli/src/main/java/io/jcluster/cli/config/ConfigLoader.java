package io.jcluster.cli.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Reads {@code jcluster.toml}, applies the command line's flags, fills in defaults and checks the
 * result. Every mistake becomes a {@link ConfigException} naming the file, line and key.
 */
public final class ConfigLoader {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final ObjectMapper BINDER = binder();
    /** An IPv4 or IPv6 literal, or a host name (RFC 1123): anything else is refused before any name lookup. */
    private static final Pattern HOST = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*(%[A-Za-z0-9_.-]+)?|\\[[0-9A-Fa-f:.]+]"
            + "|[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\\.?");

    private ConfigLoader() {}

    /** Loads the config that {@code spec} describes. */
    public static AppConfig load(StartSpec spec) throws ConfigException {
        Path cwd = Path.of(spec.cwd());
        Path file = spec.configFile() == null ? null : cwd.resolve(spec.configFile()).toAbsolutePath().normalize();
        String text = file == null ? "" : read(file);
        ObjectNode tree = file == null ? JsonNodeFactory.instance.objectNode() : parse(file, text);
        applyOverrides(tree, spec.overrides());

        ConfigFile raw;
        try {
            raw = BINDER.treeToValue(tree, ConfigFile.class);
        } catch (JsonMappingException e) {
            throw bindingError(file, text, tree, e);
        } catch (IOException e) {
            throw new ConfigException(file, 0, null, e.getMessage());
        }
        AppSection app = raw.app() == null ? new AppSection(null, null, null, null, null, null, null, null, null, null, null, null) : raw.app();
        Path base = file != null ? file.getParent() : cwd;
        boolean jarFromFlag = spec.overrides().jar() != null;

        if (app.jar() == null || app.jar().isBlank()) {
            throw new ConfigException(file, TomlLines.lineOf(text, List.of("app")), "app.jar",
                    "no jar to run: give one on the command line (jcluster start app.jar) or set jar in [app]");
        }
        Path jar;
        try {
            jar = (jarFromFlag ? cwd : base).resolve(app.jar()).toAbsolutePath().normalize();
        } catch (InvalidPathException e) {
            if (jarFromFlag) throw new ConfigException(null, 0, null, "not a usable path: " + e.getMessage());
            throw errorAt(file, text, "app.jar", "not a usable path: " + e.getMessage());
        }
        if (!Files.isRegularFile(jar)) {
            if (jarFromFlag) {
                throw new ConfigException(null, 0, null, app.jar() + ": no such jar (looked for " + jar + ")");
            }
            throw errorAt(file, text, "app.jar", "no such jar: " + jar);
        }
        String name = app.name() != null ? app.name() : jar.getFileName().toString().replaceFirst("\\.jar$", "");
        if (!NAME.matcher(name).matches()) {
            throw errorAt(file, text, "app.name", "'" + name + "' is not a usable app name "
                    + "(letters, digits, '.', '_' and '-', at most 64, starting with a letter or digit)"
                    + (app.name() == null ? "; set one with --name" : ""));
        }
        int port = app.port() == null ? 8080 : app.port();
        if (port < 1 || port > 65535) {
            throw errorAt(file, text, "app.port", port + " is not a TCP port (1 to 65535)");
        }
        checkHost(file, text, app.host());
        Path workDir = app.cwd() == null ? base : path(file, text, "app.cwd", base, app.cwd());
        if (!Files.isDirectory(workDir)) {
            throw errorAt(file, text, "app.cwd", "no such directory: " + workDir);
        }
        Path java = app.java() == null ? currentJava() : path(file, text, "app.java", base, app.java());
        if (!Files.isRegularFile(java) || !Files.isExecutable(java)) {
            throw errorAt(file, text, "app.java", "not an executable java: " + java);
        }
        checkStrings(file, text, "app.jvm_args", app.jvmArgs());
        checkStrings(file, text, "app.args", app.args());
        checkEnv(file, text, app.env());
        checkPolicies(file, text, raw);
        for (String[] problem : new String[][] {raw.metrics().problem(), raw.overload().problem()}) {
            if (problem != null) throw errorAt(file, text, problem[0], problem[1]);
        }
        return new AppConfig(name, jar, file, workDir, app.instances().resolve(), port, app.host(), app.listen(),
                app.jvmArgs(), app.args(), app.env(), java, raw.restart(), raw.reload(), raw.health(), checked(file, text, raw.logs()),
                raw.metrics(), raw.overload(), app.cds());
    }

    /** {@code value} resolved against {@code base}, or an error about {@code key} when it is no path at all. */
    private static Path path(Path file, String text, String key, Path base, String value) throws ConfigException {
        try {
            return base.resolve(value).toAbsolutePath().normalize();
        } catch (InvalidPathException e) {
            throw errorAt(file, text, key, "not a usable path: " + e.getMessage());
        }
    }

    /** The listeners bind {@code host}: it must be an address of this machine's kind, or a name that resolves. */
    private static void checkHost(Path file, String text, String host) throws ConfigException {
        if (!HOST.matcher(host).matches()) {
            throw errorAt(file, text, "app.host", "'" + host + "' is not an address to listen on (e.g. 0.0.0.0 or 127.0.0.1)");
        }
        try {
            InetAddress.getByName(host);
        } catch (UnknownHostException | SecurityException e) {
            throw errorAt(file, text, "app.host", "'" + host + "' is not an address to listen on: it does not resolve");
        }
    }

    /** Arguments and environment reach execve: a NUL would cut them short. */
    private static void checkStrings(Path file, String text, String key, List<String> values) throws ConfigException {
        for (String v : values) {
            if (v.indexOf('\0') >= 0) throw errorAt(file, text, key, "a value contains a NUL character");
        }
    }

    private static void checkEnv(Path file, String text, Map<String, String> env) throws ConfigException {
        for (Map.Entry<String, String> e : env.entrySet()) {
            String k = e.getKey();
            if (k.isEmpty() || k.indexOf('=') >= 0 || k.indexOf('\0') >= 0) {
                throw errorAt(file, text, "app.env." + k, "not an environment variable name (it must not be empty or contain '=')");
            }
            if (e.getValue().indexOf('\0') >= 0) {
                throw errorAt(file, text, "app.env." + k, "the value contains a NUL character");
            }
        }
    }

    /** Values that bind but that no supervisor could work with. */
    private static void checkPolicies(Path file, String text, ConfigFile raw) throws ConfigException {
        RestartPolicy r = raw.restart();
        double m = r.backoffMultiplier();
        if (!Double.isFinite(m) || m < 1) {
            throw errorAt(file, text, "restart.backoff_multiplier", m + " is not a multiplier (a number from 1, e.g. 2.0)");
        }
        if (r.maxFailures() < 1) {
            throw errorAt(file, text, "restart.max_failures", r.maxFailures() + " is not a count (at least 1)");
        }
        positive(file, text, "restart.failure_window", r.failureWindow());
        positive(file, text, "reload.ready_timeout", raw.reload().readyTimeout());
        positive(file, text, "health.heartbeat_interval", raw.health().heartbeatInterval());
        HealthPolicy h = raw.health();
        if (h.heartbeatTimeout().compareTo(h.heartbeatInterval()) <= 0) {
            throw errorAt(file, text, "health.heartbeat_timeout", Durations.format(h.heartbeatTimeout())
                    + " is not longer than heartbeat_interval (" + Durations.format(h.heartbeatInterval())
                    + "): every worker would look hung");
        }
        if (h.maxMemory().bytes() > 0 && h.maxMemory().bytes() < MIN_MEMORY) {
            throw errorAt(file, text, "health.max_memory", h.maxMemory() + " is less than any JVM needs (at least 16MB; 0 turns the limit off)");
        }
    }

    /** The smallest {@code max_memory} that is not a mistake: no JVM runs in less. */
    private static final long MIN_MEMORY = 16L << 20;

    private static void positive(Path file, String text, String key, Duration d) throws ConfigException {
        if (d.isZero()) throw errorAt(file, text, key, "must be longer than 0");
    }

    private static LogPolicy checked(Path file, String text, LogPolicy logs) throws ConfigException {
        if (logs.maxSize().bytes() < 1024) {
            throw errorAt(file, text, "logs.max_size", logs.maxSize() + " is too small (at least 1KB)");
        }
        if (logs.maxFiles() < 0 || logs.maxFiles() > 1000) {
            throw errorAt(file, text, "logs.max_files", logs.maxFiles() + " is not from 0 to 1000");
        }
        if (logs.maxTotal().bytes() < logs.maxSize().bytes()) {
            throw errorAt(file, text, "logs.max_total", logs.maxTotal() + " is smaller than max_size (" + logs.maxSize() + ")");
        }
        return logs;
    }

    /** An error about {@code key} of {@code config}'s file, with the key's line when it has one. */
    public static ConfigException errorAt(AppConfig config, String key, String message) {
        Path file = config.configFile();
        String text = "";
        if (file != null) {
            try {
                text = Files.readString(file, StandardCharsets.UTF_8);
            } catch (IOException e) {
                // the line number is a convenience; the message stands without it
            }
        }
        return errorAt(file, text, key, message);
    }

    private static ConfigException errorAt(Path file, String text, String key, String message) {
        return new ConfigException(file, TomlLines.lineOf(text, List.of(key.split("\\."))), key, message);
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
        if (o.port() != null) app.put("port", o.port());
        if (o.listen() != null) app.put("listen", o.listen().id());
        if (o.jvmArgs() != null && !o.jvmArgs().isEmpty()) putStrings(app.putArray("jvm_args"), o.jvmArgs());
        if (o.args() != null && !o.args().isEmpty()) putStrings(app.putArray("args"), o.args());
        if (o.logsTo() != null) {
            if (tree.has("logs") && !tree.get("logs").isObject()) return;
            ObjectNode logs = tree.has("logs") ? (ObjectNode) tree.get("logs") : tree.putObject("logs");
            logs.put("to", o.logsTo().id());
        }
    }

    private static void putStrings(ArrayNode array, List<String> values) {
        values.forEach(array::add);
    }

    private static ConfigException bindingError(Path file, String text, ObjectNode tree, JsonMappingException e) {
        List<String> path = new ArrayList<>();
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (ref.getFieldName() != null) path.add(ref.getFieldName());
        }
        String key = String.join(".", path);
        int line = TomlLines.lineOf(text, path);
        String message;
        if (e instanceof UnrecognizedPropertyException u) {
            String table = path.size() > 1 ? "[" + String.join(".", path.subList(0, path.size() - 1)) + "]" : "the top level";
            message = "unknown key; " + table + " takes " + known(u.getKnownPropertyIds());
        } else if (e instanceof InvalidFormatException f && f.getTargetType() != null && !isCustom(f)) {
            message = "expected " + describe(f.getTargetType()) + ", got " + quote(f.getValue());
        } else if (e instanceof MismatchedInputException m && m.getTargetType() != null && !isCustom(m)) {
            com.fasterxml.jackson.databind.JsonNode value = tree;
            for (String p : path) value = value == null ? null : value.get(p);
            message = "expected " + describe(m.getTargetType()) + (value == null ? "" : ", got " + value);
        } else {
            message = e.getOriginalMessage();
        }
        return new ConfigException(file, line, key, message);
    }

    private static boolean isCustom(MismatchedInputException e) {
        Class<?> t = e.getTargetType();
        return t == Instances.class || t == Duration.class || t == Readiness.class || t == ByteSize.class;
    }

    private static String known(Collection<Object> ids) {
        return ids == null ? "no keys" : ids.stream().map(String::valueOf).sorted().collect(Collectors.joining(", "));
    }

    private static String quote(Object value) {
        return value instanceof String ? "\"" + value + "\"" : String.valueOf(value);
    }

    private static String describe(Class<?> type) {
        if (type == Integer.class || type == int.class || type == Long.class || type == long.class) return "a whole number";
        if (type == Double.class || type == double.class) return "a number";
        if (type == Boolean.class || type == boolean.class) return "true or false";
        if (type == String.class) return "a string";
        if (List.class.isAssignableFrom(type)) return "an array of strings";
        if (Map.class.isAssignableFrom(type)) return "a table of strings";
        if (type == Listen.class) return "\"handoff\" or \"self\"";
        if (type == LogTarget.class) return "\"files\" or \"stdout\"";
        if (type == WhenErrored.class) return "\"stay\" or \"exit\"";
        if (type.isRecord()) return "a table";
        return type.getSimpleName().toLowerCase(Locale.ROOT);
    }

    /** The value under the parser, in words for an error message. */
    private static String token(JsonParser p) throws IOException {
        JsonToken t = p.currentToken();
        if (t == JsonToken.START_ARRAY) return "an array";
        if (t == JsonToken.START_OBJECT) return "a table";
        return p.getText();
    }

    /** Binds {@code type} from a TOML string with {@code parse}, whose IllegalArgumentException message is the error. */
    private static <T> void textual(SimpleModule module, Class<T> type, java.util.function.Function<String, T> parse, String expected) {
        module.addDeserializer(type, new JsonDeserializer<T>() {
            @Override
            public T deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
                boolean bytes = type == ByteSize.class && p.currentToken() == JsonToken.VALUE_NUMBER_INT;
                if (p.currentToken() != JsonToken.VALUE_STRING && !bytes) {
                    throw InvalidFormatException.from(p, "expected " + expected + ", got " + token(p), p.getText(), type);
                }
                try {
                    return parse.apply(p.getText());
                } catch (IllegalArgumentException e) {
                    throw InvalidFormatException.from(p, e.getMessage(), p.getText(), type);
                }
            }
        });
    }

    private static ObjectMapper binder() {
        SimpleModule module = new SimpleModule("jcluster-config");
        textual(module, Duration.class, Durations::parse, "a duration like \"500ms\", \"5s\" or \"2m\"");
        textual(module, Readiness.class, Readiness::parse, "auto, call, port or \"http:/path\"");
        textual(module, ByteSize.class, ByteSize::parse, "a size like \"512KB\", \"10MB\" or \"1GB\"");
        module.addDeserializer(Instances.class, new JsonDeserializer<>() {
            @Override
            public Instances deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
                JsonToken t = p.currentToken();
                if (t == JsonToken.VALUE_STRING || t == JsonToken.VALUE_NUMBER_INT) {
                    try {
                        return Instances.parse(p.getText());
                    } catch (IllegalArgumentException e) {
                        throw InvalidFormatException.from(p, e.getMessage(), p.getText(), Instances.class);
                    }
                }
                throw InvalidFormatException.from(p, "expected auto or a number from 1 to 1024, got " + token(p),
                        p.getText(), Instances.class);
            }
        });
        JsonMapper mapper = JsonMapper.builder()
                .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS) // when_errored = 1 is no choice, nor listen = 0
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .addModule(module)
                .build();
        for (LogicalType textual : List.of(LogicalType.Textual)) {
            mapper.coercionConfigFor(textual)
                    .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
        }
        mapper.coercionConfigFor(LogicalType.Integer).setCoercion(CoercionInputShape.String, CoercionAction.Fail);
        mapper.coercionConfigFor(LogicalType.Float).setCoercion(CoercionInputShape.String, CoercionAction.Fail);
        return mapper;
    }
}
