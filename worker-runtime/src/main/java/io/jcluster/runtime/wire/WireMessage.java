package io.jcluster.runtime.wire;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One frame of the worker channel: a message type and its fields, in order.
 *
 * <p>Immutable and thread-safe. The constructor only checks that the type is not empty and that
 * no key or value is null; the key syntax is checked by {@link Wire#encode(WireMessage)}, so a
 * message with a bad key can be built but never sent.
 *
 * @param type   the message type, one of {@link MessageTypes}
 * @param fields the fields, copied into an unmodifiable map that keeps their order
 */
public record WireMessage(String type, Map<String, String> fields) {

    public WireMessage {
        Objects.requireNonNull(type, "type");
        if (type.isEmpty()) {
            throw new IllegalArgumentException("message type is empty");
        }
        Map<String, String> copy = new LinkedHashMap<>();
        if (fields != null) {
            fields.forEach((key, value) -> copy.put(
                    Objects.requireNonNull(key, "field key"),
                    Objects.requireNonNull(value, () -> "value of field " + key)));
        }
        fields = Collections.unmodifiableMap(copy);
    }

    /**
     * A message from alternating keys and values: {@code of("hello", "slot", 0, "pid", 42)}.
     * Keys must be strings; values are turned into text with {@link String#valueOf(Object)}.
     */
    public static WireMessage of(String type, Object... keyValues) {
        if (keyValues.length % 2 != 0) {
            throw new IllegalArgumentException("keys and values must come in pairs: " + keyValues.length + " given");
        }
        Map<String, String> fields = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            if (!(keyValues[i] instanceof String key)) {
                throw new IllegalArgumentException("field key at position " + i + " is not a string: " + keyValues[i]);
            }
            fields.put(key, String.valueOf(keyValues[i + 1]));
        }
        return new WireMessage(type, fields);
    }

    /** The value of a field, or null when the message does not carry it. */
    public String get(String key) {
        return fields.get(key);
    }

    /** The value of a field as a long, or {@code dflt} when it is absent or not a number. */
    public long getLong(String key, long dflt) {
        String value = fields.get(key);
        if (value == null) {
            return dflt;
        }
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            return dflt;
        }
    }

    /** The value of a field as an int, or {@code dflt} when it is absent or not an int. */
    public int getInt(String key, int dflt) {
        String value = fields.get(key);
        if (value == null) {
            return dflt;
        }
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            return dflt;
        }
    }
}
