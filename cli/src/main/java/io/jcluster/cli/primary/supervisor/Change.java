package io.jcluster.cli.primary.supervisor;

/**
 * A change to a running app (rolling reload, scale, restart, a memory replacement): one runs at a
 * time; while it runs, others are refused with {@link #describe()}.
 */
public interface Change {
    /** What it is, in words: "reload to generation 3", "scale from 2 to 4". */
    String describe();

    /** Whether it is a rolling reload (what systemd is told: RELOADING). */
    default boolean reloads() {
        return false;
    }
}
