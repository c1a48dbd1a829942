package io.jcluster.cli.config;

import java.nio.file.Path;

/**
 * A configuration that cannot be used: names the file, the line (0 when unknown) and the key,
 * so a person can go straight to the mistake.
 */
public final class ConfigException extends Exception {
    private final Path file;
    private final int line;
    private final String key;

    public ConfigException(Path file, int line, String key, String message) {
        super(format(file, line, key, message));
        this.file = file;
        this.line = line;
        this.key = key;
    }

    public Path file() { return file; }
    public int line() { return line; }
    public String key() { return key; }

    private static String format(Path file, int line, String key, String message) {
        StringBuilder s = new StringBuilder();
        if (file != null) {
            s.append(file);
            if (line > 0) s.append(':').append(line);
            s.append(": ");
        }
        if (key != null && !key.isEmpty()) s.append(key).append(": ");
        return s.append(message).toString();
    }
}
