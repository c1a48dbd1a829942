package io.jcluster.cli.primary;

/**
 * A change to a running app (rolling reload, scale, restart, a memory replacement): one runs at a
 * time; while it runs, others are refused with {@link #describe()}.
 */
interface Change {
    /** What it is, in words: "reload to generation 3", "scale from 2 to 4". */
    String describe();
}
