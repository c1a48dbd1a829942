package io.jcluster.cli.metrics;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict reader of the Prometheus text format (0.0.4), line by line, for tests: every line is a
 * {@code # HELP}, a {@code # TYPE} or a sample; a family is declared once, before its samples, and
 * its samples are together; names, label names and label values are well-formed; values are numbers;
 * counters end in {@code _total}; a series appears once. Throws AssertionError naming the line.
 */
public final class PrometheusParser {
    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern HELP = Pattern.compile("# HELP (" + NAME.pattern() + ") (.*)");
    private static final Pattern TYPE = Pattern.compile("# TYPE (" + NAME.pattern() + ") (counter|gauge|summary|histogram|untyped)");
    private static final Pattern SAMPLE = Pattern.compile("(" + NAME.pattern() + ")(\\{(.*)})? (\\S+)");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\\\n]|\\\\[\\\\\"n])*)\"(,|$)");
    private static final Set<String> SUFFIXES = Set.of("_sum", "_count", "_bucket");

    /** One sample. */
    public record Sample(String name, Map<String, String> labels, double value) {}

    /** What the text holds: the type of each family, and every sample in order. */
    public record Exposition(Map<String, String> types, List<Sample> samples) {
        /** The value of the one sample of {@code name} with exactly these labels, or null. */
        public Double value(String name, String... labels) {
            Map<String, String> want = new LinkedHashMap<>();
            for (int i = 0; i < labels.length; i += 2) want.put(labels[i], labels[i + 1]);
            for (Sample s : samples) {
                if (s.name().equals(name) && s.labels().equals(want)) return s.value();
            }
            return null;
        }

        /** The samples of {@code name}. */
        public List<Sample> all(String name) {
            return samples.stream().filter(s -> s.name().equals(name)).toList();
        }
    }

    private PrometheusParser() {}

    public static Exposition parse(String text) {
        Map<String, String> types = new LinkedHashMap<>();
        Map<String, String> helps = new HashMap<>();
        List<Sample> samples = new ArrayList<>();
        Set<String> series = new java.util.HashSet<>();
        Set<String> closed = new java.util.HashSet<>();
        String current = null;
        String[] lines = text.split("\n", -1);
        if (!text.isEmpty() && !text.endsWith("\n")) throw new AssertionError("the text must end with a newline");
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            String at = "line " + (i + 1) + ": " + line;
            if (line.isEmpty()) {
                if (i != lines.length - 1) throw new AssertionError(at + ": empty line");
                continue;
            }
            Matcher m;
            if ((m = HELP.matcher(line)).matches()) {
                if (helps.put(m.group(1), m.group(2)) != null) throw new AssertionError(at + ": second HELP");
                continue;
            }
            if ((m = TYPE.matcher(line)).matches()) {
                String family = m.group(1);
                if (types.containsKey(family)) throw new AssertionError(at + ": second TYPE");
                if (!helps.containsKey(family)) throw new AssertionError(at + ": TYPE before its HELP");
                if ("counter".equals(m.group(2)) && !family.endsWith("_total")) throw new AssertionError(at + ": a counter must end in _total");
                types.put(family, m.group(2));
                if (current != null) closed.add(current);
                current = family;
                continue;
            }
            if (line.startsWith("#")) throw new AssertionError(at + ": unknown comment");
            if (!(m = SAMPLE.matcher(line)).matches()) throw new AssertionError(at + ": not a sample");
            String name = m.group(1);
            String family = familyOf(name, types);
            if (family == null) throw new AssertionError(at + ": no TYPE for " + name);
            if (!family.equals(current) || closed.contains(family)) throw new AssertionError(at + ": samples of " + family + " are not together");
            Map<String, String> labels = new LinkedHashMap<>();
            if (m.group(3) != null && !m.group(3).isEmpty()) {
                Matcher l = LABEL.matcher(m.group(3));
                int pos = 0;
                while (pos < m.group(3).length()) {
                    if (!l.find(pos) || l.start() != pos) throw new AssertionError(at + ": bad labels");
                    if (labels.put(l.group(1), unescape(l.group(2))) != null) throw new AssertionError(at + ": repeated label " + l.group(1));
                    pos = l.end();
                }
            }
            if ("summary".equals(types.get(family)) && name.equals(family) && !labels.containsKey("quantile")) {
                throw new AssertionError(at + ": a summary's sample needs a quantile");
            }
            double value;
            try {
                value = Double.parseDouble(m.group(4));
            } catch (NumberFormatException e) {
                throw new AssertionError(at + ": not a number");
            }
            if (!series.add(name + labels)) throw new AssertionError(at + ": repeated series");
            samples.add(new Sample(name, labels, value));
        }
        return new Exposition(types, samples);
    }

    private static String unescape(String v) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c == '\\' && i + 1 < v.length()) {
                char n = v.charAt(++i);
                out.append(n == 'n' ? '\n' : n);
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static String familyOf(String name, Map<String, String> types) {
        if (types.containsKey(name)) return name;
        for (String suffix : SUFFIXES) {
            if (name.endsWith(suffix)) {
                String family = name.substring(0, name.length() - suffix.length());
                if (types.containsKey(family) && !"counter".equals(types.get(family))) return family;
            }
        }
        return null;
    }
}
