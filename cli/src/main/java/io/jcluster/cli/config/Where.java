package io.jcluster.cli.config;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;

/**
 * Where the config of one app was written, to name it in errors: the file, the app's part of its
 * text, the app's own table (a key of {@code [app.restart]} is named {@code app.restart.x}, one of
 * the file's {@code [restart]} {@code restart.x}) and, in a file of several apps, the app's name.
 */
record Where(Path file, String lines, ObjectNode own, String app) {
    /** An error about {@code key} ({@code app.port}, {@code restart.max_failures}), at its line. */
    ConfigException error(String key, String message) {
        String shown = shown(key);
        return new ConfigException(file, TomlLines.lineOf(lines, List.of(shown.split("\\."))), app, shown, message);
    }

    /** {@code key} as the app's own key ({@code app.restart.x}) when the app sets it, else as written. */
    String shown(String key) {
        if (own == null) return key;
        String[] parts = key.split("\\.");
        if (!AppTables.SECTIONS.contains(parts[0]) || !own.has(parts[0])) return key;
        boolean mine = parts.length == 1 || !own.get(parts[0]).isObject()
                || !own.at("/" + String.join("/", parts)).isMissingNode();
        return mine ? "app." + key : key;
    }
}
