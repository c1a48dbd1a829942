package io.jcluster.cli.config;

import com.fasterxml.jackson.annotation.JsonValue;

/** A worker count: a number, or {@code auto} for one per available processor. */
public record Instances(int count) {
    public static final Instances AUTO = new Instances(0);

    public Instances {
        if (count < 0) throw new IllegalArgumentException("instances must be 'auto' or a number from 1");
    }

    public boolean auto() {
        return count == 0;
    }

    /** The number of workers to run on this machine. */
    public int resolve() {
        return auto() ? Runtime.getRuntime().availableProcessors() : count;
    }

    public static Instances parse(String text) {
        String t = text.trim();
        if (t.equals("auto") || t.equals("max")) return AUTO;
        try {
            int n = Integer.parseInt(t);
            if (n >= 1 && n <= 1024) return new Instances(n);
        } catch (NumberFormatException ignored) {
            // falls through to the error below
        }
        throw new IllegalArgumentException("'" + text + "' is not a worker count (write auto or a number from 1 to 1024)");
    }

    @JsonValue
    public Object json() {
        return auto() ? "auto" : count;
    }

    @Override
    public String toString() {
        return auto() ? "auto" : Integer.toString(count);
    }
}
