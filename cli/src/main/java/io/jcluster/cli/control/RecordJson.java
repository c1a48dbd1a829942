package io.jcluster.cli.control;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.StringWriter;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Records as JSON with jackson-core's streaming parser and generator alone: the control protocol's
 * requests and replies on both sides, the start spec and the config a primary runs. It keeps
 * jackson-databind off the primary's path and off the CLI's common one: building databind's
 * (de)serializers for these records takes 60-80 ms in a fresh JVM (more than a whole
 * {@code jcluster ls} may take), and its 500 classes cost a primary about a fifth of its class
 * space (see bench/RESULTS.md).
 *
 * <p>It reads what databind writes for the records, and writes what databind reads: an object per
 * record, keyed by component name (unknown keys are skipped, missing ones read as null, or 0 and false
 * for primitives; null components are left out); arrays for lists; objects for maps; numbers, strings
 * and booleans for the scalars; enums by name (read ignoring case, which is also the id that
 * {@code @JsonValue} gives jcluster's enums); {@link Path} and {@link Duration} as their text; and
 * anything for {@code Object} (maps, lists, strings, {@code Integer}, {@code Long}, {@code Double},
 * {@code Boolean}, as databind reads untyped values). A record written as one scalar (databind's
 * {@code @JsonValue} form, such as an instance count of {@code "auto"}) is read through the record's
 * static {@code parse(String)}.
 */
public final class RecordJson {
    static final JsonFactory FACTORY = new JsonFactory();
    /** Each record class's components, their accessors and its canonical constructor, looked up once. */
    private static final ClassValue<Shape> SHAPES = new ClassValue<>() {
        @Override
        protected Shape computeValue(Class<?> type) {
            return Shape.of(type);
        }
    };

    private RecordJson() {}

    /** Reads {@code json}, one JSON value, as a {@code type}; anything else is an {@link IOException} that says what. */
    public static <T extends Record> T read(String json, Class<T> type) throws IOException {
        try (JsonParser p = FACTORY.createParser(json)) {
            if (p.nextToken() == null) throw new JsonParseException(p, "no JSON value");
            T value = type.cast(value(p, type));
            if (value == null) throw new JsonParseException(p, "null, not a " + type.getSimpleName());
            if (p.nextToken() != null) throw new JsonParseException(p, "more than one JSON value");
            return value;
        }
    }

    /** {@code record} as one line of JSON: an object of its non-null components (see the class comment). */
    public static String write(Record record) throws IOException {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            write(g, record);
        }
        return out.toString();
    }

    /** {@link #write(Record)} as UTF-8 bytes, for a socket. */
    public static byte[] bytes(Record record) throws IOException {
        return write(record).getBytes(StandardCharsets.UTF_8);
    }

    private static void write(JsonGenerator g, Object v) throws IOException {
        if (v == null) {
            g.writeNull();
        } else if (v instanceof Record record) {
            Shape shape = SHAPES.get(record.getClass());
            g.writeStartObject();
            for (int i = 0; i < shape.components.length; i++) {
                Object value = shape.component(record, i);
                if (value == null) continue;
                g.writeFieldName(shape.components[i].getName());
                write(g, value);
            }
            g.writeEndObject();
        } else if (v instanceof List<?> list) {
            g.writeStartArray();
            for (Object e : list) write(g, e);
            g.writeEndArray();
        } else if (v instanceof Map<?, ?> map) {
            g.writeStartObject();
            for (Map.Entry<?, ?> e : map.entrySet()) {
                g.writeFieldName(String.valueOf(e.getKey()));
                write(g, e.getValue());
            }
            g.writeEndObject();
        } else if (v instanceof String || v instanceof Number || v instanceof Boolean) {
            g.writeObject(v);
        } else if (v instanceof Enum<?> e) {
            g.writeString(e.name());
        } else if (v instanceof Path || v instanceof Duration) {
            g.writeString(v.toString());
        } else {
            throw new IllegalArgumentException("cannot write a " + v.getClass().getName() + " as JSON");
        }
    }

    private static Object value(JsonParser p, Type type) throws IOException {
        Class<?> raw = raw(type);
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_NULL) return raw.isPrimitive() ? zero(raw) : null;
        if (raw == Object.class) return untyped(p);
        if (raw.isRecord()) return t.isScalarValue() ? parsed(p, raw) : record(p, raw);
        if (raw == List.class) {
            expect(p, JsonToken.START_ARRAY, type);
            List<Object> list = new ArrayList<>();
            Type element = argument(type, 0);
            while (p.nextToken() != JsonToken.END_ARRAY) list.add(value(p, element));
            return list;
        }
        if (raw == Map.class) {
            expect(p, JsonToken.START_OBJECT, type);
            Map<String, Object> map = new LinkedHashMap<>();
            Type valueType = argument(type, 1);
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String key = p.currentName();
                p.nextToken();
                map.put(key, value(p, valueType));
            }
            return map;
        }
        if (raw == String.class) {
            if (!t.isScalarValue()) throw new JsonParseException(p, "expected a string, found " + t);
            return p.getValueAsString();
        }
        if (raw.isEnum()) return constant(p, raw);
        if (raw == Path.class || raw == Duration.class) {
            if (t != JsonToken.VALUE_STRING) throw new JsonParseException(p, "expected a string for a " + raw.getSimpleName() + ", found " + t);
            try {
                return raw == Path.class ? Path.of(p.getText()) : Duration.parse(p.getText());
            } catch (RuntimeException e) {
                throw new JsonParseException(p, "not a " + raw.getSimpleName() + ": " + p.getText());
            }
        }
        if (raw == boolean.class || raw == Boolean.class) {
            if (!t.isBoolean()) throw new JsonParseException(p, "expected true or false, found " + t);
            return p.getBooleanValue();
        }
        if ((raw == double.class || raw == Double.class) && t == JsonToken.VALUE_STRING) {
            try { // NaN and the infinities, which the generator writes as strings
                return Double.parseDouble(p.getText());
            } catch (NumberFormatException e) {
                throw new JsonParseException(p, "expected a number, found " + p.getText());
            }
        }
        if (!t.isNumeric()) throw new JsonParseException(p, "expected a number, found " + t);
        if (raw == int.class || raw == Integer.class) return p.getIntValue();
        if (raw == long.class || raw == Long.class) return p.getLongValue();
        if (raw == double.class || raw == Double.class) return p.getDoubleValue();
        throw new IllegalArgumentException("cannot read a " + type);
    }

    private static Object record(JsonParser p, Class<?> type) throws IOException {
        expect(p, JsonToken.START_OBJECT, type);
        Shape shape = SHAPES.get(type);
        RecordComponent[] components = shape.components;
        Object[] args = new Object[components.length];
        boolean[] seen = new boolean[components.length];
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            p.nextToken();
            int i = indexOf(components, name);
            if (i < 0) {
                p.skipChildren();
            } else {
                args[i] = value(p, components[i].getGenericType());
                seen[i] = true;
            }
        }
        for (int i = 0; i < components.length; i++) {
            Class<?> c = components[i].getType();
            if (!seen[i] && c.isPrimitive()) args[i] = zero(c);
        }
        try {
            return shape.constructor.newInstance(args);
        } catch (InvocationTargetException | InstantiationException | IllegalAccessException e) {
            throw new JsonParseException(p, "not a " + type.getSimpleName() + ": " + e.getCause());
        }
    }

    /** An enum constant by its name, ignoring case. */
    private static Object constant(JsonParser p, Class<?> type) throws IOException {
        if (p.currentToken() != JsonToken.VALUE_STRING) throw new JsonParseException(p, "expected a string for a " + type.getSimpleName());
        String text = p.getText();
        for (Object c : type.getEnumConstants()) {
            if (((Enum<?>) c).name().equalsIgnoreCase(text)) return c;
        }
        throw new JsonParseException(p, "not a " + type.getSimpleName() + ": " + text);
    }

    /** A record written as one scalar, read through its static {@code parse(String)}. */
    private static Object parsed(JsonParser p, Class<?> type) throws IOException {
        try {
            Method parse = type.getMethod("parse", String.class);
            if (!Modifier.isStatic(parse.getModifiers()) || parse.getReturnType() != type) throw new NoSuchMethodException();
            return parse.invoke(null, p.getValueAsString());
        } catch (NoSuchMethodException | IllegalAccessException e) {
            throw new JsonParseException(p, "expected an object for a " + type.getSimpleName() + ", found " + p.currentToken());
        } catch (InvocationTargetException e) {
            throw new JsonParseException(p, "not a " + type.getSimpleName() + ": " + e.getCause().getMessage());
        }
    }

    private static Object untyped(JsonParser p) throws IOException {
        return switch (p.currentToken()) {
            case START_OBJECT -> value(p, Map.class);
            case START_ARRAY -> value(p, List.class);
            case VALUE_STRING -> p.getText();
            case VALUE_NUMBER_INT -> p.getNumberValue();
            case VALUE_NUMBER_FLOAT -> p.getDoubleValue();
            case VALUE_TRUE, VALUE_FALSE -> p.getBooleanValue();
            default -> throw new JsonParseException(p, "unexpected " + p.currentToken());
        };
    }

    private static void expect(JsonParser p, JsonToken token, Type type) throws JsonParseException {
        if (p.currentToken() != token) {
            throw new JsonParseException(p, "expected " + token.asString() + " for a " + raw(type).getSimpleName()
                    + ", found " + p.currentToken());
        }
    }

    private static int indexOf(RecordComponent[] components, String name) {
        for (int i = 0; i < components.length; i++) if (components[i].getName().equals(name)) return i;
        return -1;
    }

    /** A record class as reflection gives it: {@link Class#getRecordComponents} makes new objects at every call. */
    private record Shape(RecordComponent[] components, Method[] accessors, Constructor<?> constructor) {
        static Shape of(Class<?> type) {
            RecordComponent[] components = type.getRecordComponents();
            Class<?>[] types = new Class<?>[components.length];
            Method[] accessors = new Method[components.length];
            for (int i = 0; i < components.length; i++) {
                types[i] = components[i].getType();
                accessors[i] = components[i].getAccessor();
            }
            try {
                Constructor<?> c = type.getDeclaredConstructor(types);
                c.setAccessible(true);
                return new Shape(components, accessors, c);
            } catch (NoSuchMethodException e) {
                throw new IllegalStateException("a record without its canonical constructor: " + type, e);
            }
        }

        Object component(Record record, int i) {
            try {
                return accessors[i].invoke(record);
            } catch (IllegalAccessException | InvocationTargetException e) {
                throw new IllegalStateException("cannot read " + components[i], e);
            }
        }
    }

    private static Class<?> raw(Type type) {
        if (type instanceof Class<?> c) return c;
        if (type instanceof ParameterizedType p) return (Class<?>) p.getRawType();
        throw new IllegalArgumentException("cannot read a " + type);
    }

    private static Type argument(Type type, int index) {
        return type instanceof ParameterizedType p ? p.getActualTypeArguments()[index] : Object.class;
    }

    private static Object zero(Class<?> primitive) {
        if (primitive == boolean.class) return false;
        if (primitive == int.class) return 0;
        if (primitive == long.class) return 0L;
        if (primitive == double.class) return 0.0;
        throw new IllegalArgumentException("cannot read a " + primitive);
    }
}
