package io.jcluster.cli.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The apps of one config file: a single {@code [app]} or several {@code [[app]]}. Each becomes a tree
 * of its own, shaped as a one-app file: its {@code [app.restart]} (and the other sections) merged
 * key by key over the file's top-level {@code [restart]}, its {@code [app.env_<name>]} of the
 * chosen environment merged over its {@code [app.env]}, and a copy of the file's text in which the
 * other apps' lines are blank, so that a key's line is found in this app's part of the file.
 */
final class AppTables {
    /** The tables an app may nest, and that the top level gives every app as defaults. */
    static final List<String> SECTIONS = List.of("restart", "reload", "health", "logs", "metrics", "overload", "recycle", "watch");
    static final String ENV_PREFIX = "env_";

    private AppTables() {}

    /**
     * One app of the file.
     *
     * @param index  its place among the file's apps (0 for a single {@code [app]})
     * @param name   the name the file gives it ({@code name}, else the jar's file name without {@code .jar}), or null
     * @param tree   a one-app tree: {@code app} and every section, defaults merged
     * @param own    the app's table as written (for telling its own keys from the file's defaults)
     * @param lines  the file's text with the other apps' lines blank and {@code [[app]]} written {@code [app]}
     * @param envs   the names of its {@code [app.env_<name>]} tables
     */
    record One(int index, String name, ObjectNode tree, ObjectNode own, String lines, List<String> envs) {
        /** Its own {@code after} list as written (strings only: binding reports other values). */
        List<String> after() {
            List<String> after = new ArrayList<>();
            JsonNode a = own.get("after");
            if (a != null && a.isArray()) for (JsonNode n : a) if (n.isTextual()) after.add(n.asText());
            return after;
        }
    }

    /**
     * The apps of {@code tree} ({@code text} is the file's text, empty when there is no file), with
     * {@code env}'s tables merged in where an app has one. Errors name the file, the line and the key.
     */
    static List<One> split(Path file, String text, ObjectNode tree, String env) throws ConfigException {
        JsonNode apps = tree.get("app");
        List<ObjectNode> tables = new ArrayList<>();
        boolean array = apps != null && apps.isArray();
        if (apps == null) {
            tables.add(JsonNodeFactory.instance.objectNode());
        } else if (array) {
            for (JsonNode a : apps) {
                if (!a.isObject()) throw new ConfigException(file, TomlLines.lineOf(text, List.of("app")), "app", "expected a table");
                tables.add((ObjectNode) a);
            }
            if (tables.isEmpty()) throw new ConfigException(file, TomlLines.lineOf(text, List.of("app")), "app", "no apps in it");
        } else if (apps.isObject()) {
            tables.add((ObjectNode) apps);
        } else {
            throw new ConfigException(file, TomlLines.lineOf(text, List.of("app")), "app", "expected a table, got " + apps);
        }
        List<One> result = new ArrayList<>();
        for (int i = 0; i < tables.size(); i++) {
            ObjectNode own = tables.get(i);
            String lines = array ? linesOf(text, i) : text;
            result.add(one(file, i, own, tree, lines, env));
        }
        return result;
    }

    private static One one(Path file, int index, ObjectNode own, ObjectNode top, String lines, String env) throws ConfigException {
        ObjectNode app = own.deepCopy();
        ObjectNode tree = JsonNodeFactory.instance.objectNode();
        for (Iterator<Map.Entry<String, JsonNode>> it = top.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getKey().equals("app")) tree.set(e.getKey(), e.getValue().deepCopy());
        }
        for (String section : SECTIONS) {
            JsonNode mine = app.remove(section);
            if (mine == null) continue;
            JsonNode defaults = tree.get(section);
            if (mine.isObject() && defaults != null && defaults.isObject()) {
                ((ObjectNode) defaults).setAll((ObjectNode) mine); // key by key: the app's value wins
            } else {
                tree.set(section, mine); // not a table: binding names the app's key
            }
        }
        Map<String, JsonNode> envs = new LinkedHashMap<>();
        for (Iterator<String> it = own.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (key.startsWith(ENV_PREFIX) && key.length() > ENV_PREFIX.length()) envs.put(key.substring(ENV_PREFIX.length()), app.remove(key));
        }
        for (Map.Entry<String, JsonNode> e : envs.entrySet()) {
            String key = "app." + ENV_PREFIX + e.getKey();
            if (!e.getValue().isObject()) {
                throw new ConfigException(file, TomlLines.lineOf(lines, List.of(key.split("\\."))), key,
                        "expected a table of strings (an environment), got " + e.getValue());
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = e.getValue().fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> v = it.next();
                if (!v.getValue().isTextual()) {
                    String k = key + "." + v.getKey();
                    throw new ConfigException(file, TomlLines.lineOf(lines, List.of(key.split("\\."))), k,
                            "expected a string, got " + v.getValue());
                }
            }
        }
        JsonNode chosen = env == null ? null : envs.get(env);
        if (chosen != null) {
            JsonNode base = app.get("env");
            if (base == null || !base.isObject()) {
                if (base == null) app.set("env", chosen.deepCopy());
                // a bad [app.env] is reported by binding
            } else {
                ((ObjectNode) base).setAll((ObjectNode) chosen.deepCopy());
            }
        }
        tree.set("app", app);
        return new One(index, nameOf(own), tree, own, lines, List.copyOf(envs.keySet()));
    }

    /** The name the file gives an app: its {@code name}, else its jar's file name without {@code .jar}. */
    static String nameOf(ObjectNode app) {
        JsonNode name = app.get("name");
        if (name != null && name.isTextual()) return name.asText();
        JsonNode jar = app.get("jar");
        if (jar == null || !jar.isTextual() || jar.asText().isBlank()) return null;
        String j = jar.asText().replace('\\', '/');
        return j.substring(j.lastIndexOf('/') + 1).replaceFirst("\\.jar$", "");
    }

    /**
     * {@code text} with every line that belongs to an {@code [[app]]} other than the {@code index}-th
     * blank (line numbers stay), and that one's {@code [[app]]} header written {@code [app]}.
     */
    static String linesOf(String text, int index) {
        String[] lines = text.split("\r?\n", -1);
        int app = -1;
        boolean inApp = false;
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < lines.length; i++) {
            String line = TomlLines.stripComment(lines[i]).trim();
            String shown = lines[i];
            if (line.startsWith("[")) {
                boolean arrayHeader = line.startsWith("[[");
                List<String> table = TomlLines.keyParts(line.replaceAll("^\\[+|]+$", ""));
                if (arrayHeader && table.equals(List.of("app"))) {
                    app++;
                    inApp = true;
                    if (app == index) shown = "[app]";
                } else {
                    inApp = !table.isEmpty() && table.get(0).equals("app");
                }
            }
            if (inApp && app != index) shown = "";
            out.append(shown);
            if (i < lines.length - 1) out.append('\n');
        }
        return out.toString();
    }
}
