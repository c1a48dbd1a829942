package io.jcluster.cli.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
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
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.type.LogicalType;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Binds one app's tree to the config records: strict (no coercion between strings, numbers and
 * booleans; unknown keys are errors), {@code snake_case} keys, and jcluster's own value types
 * (durations, sizes, readiness, worker counts). A mistake becomes a {@link ConfigException} naming
 * the key, its line and the keys its table takes.
 */
final class ConfigBinder {
    private static final ObjectMapper BINDER = binder();

    private ConfigBinder() {}

    /** {@code tree} (one app's, see {@link AppTables}) bound to a {@link ConfigFile}; a mistake names its key and line. */
    static ConfigFile bind(ObjectNode tree, Where where) throws ConfigException {
        try {
            return BINDER.treeToValue(tree, ConfigFile.class);
        } catch (JsonMappingException e) {
            throw bindingError(where, tree, e);
        } catch (IOException e) {
            throw new ConfigException(where.file(), 0, where.app(), null, e.getMessage());
        }
    }

    private static ConfigException bindingError(Where where, ObjectNode tree, JsonMappingException e) {
        List<String> path = new ArrayList<>();
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (ref.getFieldName() != null) path.add(ref.getFieldName());
        }
        String key = String.join(".", path);
        List<String> shown = path.isEmpty() ? path : List.of(where.shown(key).split("\\."));
        String message;
        if (e instanceof UnrecognizedPropertyException u) {
            String table = shown.size() > 1 ? "[" + String.join(".", shown.subList(0, shown.size() - 1)) + "]" : "the top level";
            message = "unknown key; " + table + " takes " + known(u.getKnownPropertyIds())
                    + (table.equals("[app]") ? ", and the tables env_<name>, " + String.join(", ", AppTables.SECTIONS) : "");
        } else if (e instanceof InvalidFormatException f && f.getTargetType() != null && !isCustom(f)) {
            message = "expected " + describe(f.getTargetType()) + ", got " + quote(f.getValue());
        } else if (e instanceof MismatchedInputException m && m.getTargetType() != null && !isCustom(m)) {
            com.fasterxml.jackson.databind.JsonNode value = tree;
            for (String p : path) value = value == null ? null : value.get(p);
            message = "expected " + describe(m.getTargetType()) + (value == null ? "" : ", got " + value);
        } else {
            message = e.getOriginalMessage();
        }
        return path.isEmpty() ? new ConfigException(where.file(), 0, where.app(), null, message) : where.error(key, message);
    }

    private static boolean isCustom(MismatchedInputException e) {
        Class<?> t = e.getTargetType();
        return t == Instances.class || t == Duration.class || t == Readiness.class || t == ByteSize.class || t == Timestamps.class
                || t == LogFormat.class || t == CacheMode.class;
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
        if (List.class.isAssignableFrom(type)) return "an array";
        if (Map.class.isAssignableFrom(type)) return "a table of strings";
        if (type == Listen.class) return "\"handoff\" or \"self\"";
        if (type == LogTarget.class) return "\"files\" or \"stdout\"";
        if (type == WhenErrored.class) return "\"stay\" or \"exit\"";
        if (type == Shutdown.class) return "\"auto\", \"early\" or \"late\"";
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
        textual(module, LogFormat.class, LogFormat::of, "\"text\" or \"json\"");
        module.addDeserializer(Timestamps.class, new JsonDeserializer<>() {
            @Override
            public Timestamps deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
                JsonToken t = p.currentToken();
                Object value = t == JsonToken.VALUE_TRUE ? Boolean.TRUE : t == JsonToken.VALUE_FALSE ? Boolean.FALSE
                        : t == JsonToken.VALUE_STRING ? p.getText() : null;
                try {
                    if (value != null) return Timestamps.of(value);
                } catch (IllegalArgumentException e) {
                    throw InvalidFormatException.from(p, e.getMessage(), p.getText(), Timestamps.class);
                }
                throw InvalidFormatException.from(p, "expected \"utc\", \"local\" or false, got " + token(p), p.getText(),
                        Timestamps.class);
            }
        });
        module.addDeserializer(CacheMode.class, new JsonDeserializer<>() {
            @Override
            public CacheMode deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
                JsonToken t = p.currentToken();
                Object value = t == JsonToken.VALUE_TRUE ? Boolean.TRUE : t == JsonToken.VALUE_FALSE ? Boolean.FALSE
                        : t == JsonToken.VALUE_STRING ? p.getText() : token(p);
                try {
                    return CacheMode.of(value);
                } catch (IllegalArgumentException e) {
                    throw InvalidFormatException.from(p, e.getMessage(), p.getText(), CacheMode.class);
                }
            }
        });
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
