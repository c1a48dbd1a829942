package io.jcluster.cli.init;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * The few Spring Boot properties {@code init} cares about ({@code server.port},
 * {@code management.server.port}, {@code spring.application.name}), read from the
 * {@code application.properties} and {@code application.yml} packed in a Boot jar, with Spring's
 * precedence: {@code config/} over the classpath root, {@code .properties} over {@code .yml}.
 * Only the first YAML document counts (the ones after {@code ---} are for profiles).
 */
final class SpringProperties {
    /** Where Spring Boot looks inside the jar, the one that wins first. */
    static final List<String> FILES = List.of("BOOT-INF/classes/config/application.properties",
            "BOOT-INF/classes/config/application.yml", "BOOT-INF/classes/config/application.yaml",
            "BOOT-INF/classes/application.properties", "BOOT-INF/classes/application.yml", "BOOT-INF/classes/application.yaml");

    private static final String CLASSES = "BOOT-INF/classes/";

    /** A property's value and the file it came from, as Spring names it ({@code application.yml}, {@code config/application.properties}). */
    record Value(String text, String file) {}

    private final Map<String, Value> values = new LinkedHashMap<>();

    private SpringProperties() {}

    /** The properties of the Boot jar {@code zip}. */
    static SpringProperties of(ZipFile zip) throws IOException {
        SpringProperties p = new SpringProperties();
        for (String file : FILES) {
            ZipEntry e = zip.getEntry(file);
            if (e == null) continue;
            String text;
            try (InputStream in = zip.getInputStream(e)) {
                text = new String(in.readNBytes(1 << 20), StandardCharsets.UTF_8);
            }
            Map<String, String> read = file.endsWith(".properties") ? properties(text) : yaml(text);
            for (Map.Entry<String, String> kv : read.entrySet()) {
                p.values.putIfAbsent(kv.getKey(), new Value(kv.getValue(), file.substring(CLASSES.length())));
            }
        }
        return p;
    }

    /** The value of {@code key}, or null. */
    Value get(String key) {
        return values.get(key);
    }

    private static Map<String, String> properties(String text) throws IOException {
        Properties props = new Properties();
        props.load(new StringReader(text));
        Map<String, String> out = new LinkedHashMap<>();
        for (String k : props.stringPropertyNames()) out.put(k, props.getProperty(k).strip());
        return out;
    }

    /**
     * The scalar keys of the first document of a YAML file, nested keys joined with dots
     * ({@code server:} / {@code port: 8081} is {@code server.port}). Lists and multi-line values are
     * skipped: none of the keys wanted here is one.
     */
    static Map<String, String> yaml(String text) {
        Map<String, String> out = new LinkedHashMap<>();
        List<String> path = new ArrayList<>();
        List<Integer> indents = new ArrayList<>();
        boolean content = false;
        for (String raw : text.split("\r?\n")) {
            if (raw.strip().equals("---") && content) break;
            String line = withoutComment(raw);
            if (line.isBlank() || line.strip().startsWith("-") || line.strip().equals("---")) continue;
            int indent = line.length() - line.stripLeading().length();
            int colon = keyEnd(line);
            if (colon < 0) continue;
            content = true;
            while (!indents.isEmpty() && indents.get(indents.size() - 1) >= indent) {
                indents.remove(indents.size() - 1);
                path.remove(path.size() - 1);
            }
            String key = unquote(line.substring(indent, colon).strip());
            String value = line.substring(colon + 1).strip();
            if (value.isEmpty()) {
                path.add(key);
                indents.add(indent);
            } else if (!value.startsWith("|") && !value.startsWith(">")) {
                String full = path.isEmpty() ? key : String.join(".", path) + "." + key;
                out.put(full, unquote(value));
            }
        }
        return out;
    }

    /** The colon that ends the key: followed by a space or the end of the line. */
    private static int keyEnd(String line) {
        for (int i = 0; i < line.length(); i++) {
            if (line.charAt(i) == ':' && (i + 1 == line.length() || line.charAt(i + 1) == ' ')) return i;
        }
        return -1;
    }

    private static String withoutComment(String line) {
        boolean single = false;
        boolean dbl = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\'' && !dbl) single = !single;
            else if (c == '"' && !single) dbl = !dbl;
            else if (c == '#' && !single && !dbl && (i == 0 || Character.isWhitespace(line.charAt(i - 1)))) {
                return line.substring(0, i).stripTrailing();
            }
        }
        return line.stripTrailing();
    }

    private static String unquote(String s) {
        if (s.length() >= 2 && (s.startsWith("\"") && s.endsWith("\"") || s.startsWith("'") && s.endsWith("'"))) {
            return s.substring(1, s.length() - 1);
        }
        return s;
    }
}
