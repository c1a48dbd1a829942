package io.jcluster.cli.config;

import java.nio.file.Path;

/**
 * A configuration that cannot be used: names the file, the line (0 when unknown), the app (in a
 * file of several) and the key, so a person can go straight to the mistake.
 */
public final class ConfigException extends Exception {
    private final Path file;
    private final int line;
    private final String app;
    private final String key;

    public ConfigException(Path file, int line, String key, String message) {
        this(file, line, null, key, message);
    }

    /** @param app the app of a file of several apps that the mistake is in, or null */
    public ConfigException(Path file, int line, String app, String key, String message) {
        super(format(file, line, app, key, message));
        this.file = file;
        this.line = line;
        this.app = app;
        this.key = key;
    }

    public Path file() { return file; }
    public int line() { return line; }
    /** The app of a file of several, or null. */
    public String app() { return app; }
    public String key() { return key; }

    private static String format(Path file, int line, String app, String key, String message) {
        StringBuilder s = new StringBuilder();
        if (file != null) {
            s.append(file);
            if (line > 0) s.append(':').append(line);
            s.append(": ");
        }
        if (app != null) s.append("app '").append(app).append("': ");
        if (key != null && !key.isEmpty()) s.append(key).append(": ");
        return s.append(message).toString();
    }
}
