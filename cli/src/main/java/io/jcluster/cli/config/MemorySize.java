package io.jcluster.cli.config;

import com.fasterxml.jackson.annotation.JsonValue;

/** A byte count written like {@code 512m}; 0 means none. */
public record MemorySize(long bytes) {
    public static MemorySize parse(String text) {
        return new MemorySize(Sizes.parse(text));
    }

    public boolean isSet() {
        return bytes > 0;
    }

    @JsonValue
    @Override
    public String toString() {
        return Sizes.format(bytes);
    }
}
