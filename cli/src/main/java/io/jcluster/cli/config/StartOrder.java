package io.jcluster.cli.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The order in which the apps of a file start: each after the apps it names in {@code after},
 * otherwise in the order of the file. A cycle is an error that names it.
 */
public final class StartOrder {
    private StartOrder() {}

    /**
     * Waves of apps: every app of a wave names in {@code after} only apps of earlier waves, so a
     * wave starts once the waves before it are ready, its apps side by side.
     *
     * @param after app → the apps it starts after, in file order; every name is an app of the map
     * @throws IllegalArgumentException for a cycle, its message {@code a → b → a}
     */
    public static List<List<String>> waves(Map<String, List<String>> after) {
        List<String> cycle = cycle(after);
        if (cycle != null) throw new IllegalArgumentException(String.join(" → ", cycle));
        Map<String, Integer> wave = new LinkedHashMap<>();
        for (String app : after.keySet()) depth(app, after, wave);
        List<List<String>> waves = new ArrayList<>();
        for (String app : after.keySet()) {
            int w = wave.get(app);
            while (waves.size() <= w) waves.add(new ArrayList<>());
            waves.get(w).add(app);
        }
        return waves;
    }

    /** Every app, wave by wave. */
    public static List<String> flat(Map<String, List<String>> after) {
        return waves(after).stream().flatMap(List::stream).toList();
    }

    private static int depth(String app, Map<String, List<String>> after, Map<String, Integer> memo) {
        Integer known = memo.get(app);
        if (known != null) return known;
        int d = 0;
        for (String dep : after.getOrDefault(app, List.of())) d = Math.max(d, depth(dep, after, memo) + 1);
        memo.put(app, d);
        return d;
    }

    /** The first cycle found, as a path that ends where it starts ({@code [a, b, a]}), or null. */
    static List<String> cycle(Map<String, List<String>> after) {
        Map<String, Integer> state = new LinkedHashMap<>(); // 1 = on the path, 2 = done
        List<String> path = new ArrayList<>();
        for (String app : after.keySet()) {
            List<String> c = visit(app, after, state, path);
            if (c != null) return c;
        }
        return null;
    }

    private static List<String> visit(String app, Map<String, List<String>> after, Map<String, Integer> state, List<String> path) {
        Integer s = state.get(app);
        if (s != null && s == 2) return null;
        if (s != null) {
            List<String> c = new ArrayList<>(path.subList(path.indexOf(app), path.size()));
            c.add(app);
            return c;
        }
        state.put(app, 1);
        path.add(app);
        for (String dep : after.getOrDefault(app, List.of())) {
            List<String> c = visit(dep, after, state, path);
            if (c != null) return c;
        }
        path.remove(path.size() - 1);
        state.put(app, 2);
        return null;
    }
}
