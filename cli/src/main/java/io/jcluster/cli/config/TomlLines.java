package io.jcluster.cli.config;

import java.util.ArrayList;
import java.util.List;

/**
 * Finds the line a key was written on. The TOML parser reads the whole file into a tree before
 * binding, so binding errors carry the key's path but no line: this maps the path back to the text.
 */
final class TomlLines {
    private TomlLines() {}

    /** The 1-based line of {@code path} (e.g. {@code [app, port]}), or 0 when it cannot be found. */
    static int lineOf(String text, List<String> path) {
        List<String> table = List.of();
        int tableLine = 0;
        int best = 0;
        int dotted = 0;
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = stripComment(lines[i]).trim();
            if (line.isEmpty()) continue;
            if (line.startsWith("[")) {
                String inner = line.replaceAll("^\\[+|]+$", "");
                table = keyParts(inner);
                if (tableLine == 0 && startsWith(table, path)) tableLine = i + 1;
                continue;
            }
            int eq = indexOfEquals(line);
            if (eq < 0) continue;
            List<String> full = new ArrayList<>(table);
            full.addAll(keyParts(line.substring(0, eq)));
            if (full.equals(path)) return i + 1;
            // a dotted key (a.b = 1) defines the table a: its first line is where a is
            if (dotted == 0 && full.size() > path.size() && startsWith(full, path)) dotted = i + 1;
            if (path.size() > full.size() && path.subList(0, full.size()).equals(full)) best = i + 1;
        }
        return best > 0 ? best : tableLine > 0 ? tableLine : dotted;
    }

    private static boolean startsWith(List<String> list, List<String> prefix) {
        return list.size() >= prefix.size() && list.subList(0, prefix.size()).equals(prefix);
    }

    static List<String> keyParts(String key) {
        List<String> parts = new ArrayList<>();
        for (String p : key.split("\\.")) {
            String t = p.trim();
            if (t.length() >= 2 && (t.startsWith("\"") && t.endsWith("\"") || t.startsWith("'") && t.endsWith("'"))) {
                t = t.substring(1, t.length() - 1);
            }
            parts.add(t);
        }
        return parts;
    }

    private static int indexOfEquals(String line) {
        boolean quoted = false;
        char quote = 0;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted) {
                if (c == quote) quoted = false;
            } else if (c == '"' || c == '\'') {
                quoted = true;
                quote = c;
            } else if (c == '=') {
                return i;
            }
        }
        return -1;
    }

    static String stripComment(String line) {
        boolean quoted = false;
        char quote = 0;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted) {
                if (c == '\\' && quote == '"') i++;
                else if (c == quote) quoted = false;
            } else if (c == '"' || c == '\'') {
                quoted = true;
                quote = c;
            } else if (c == '#') {
                return line.substring(0, i);
            }
        }
        return line;
    }
}
