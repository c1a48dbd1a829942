package io.jcluster.cli.top;

/**
 * What {@code top}'s keys ask the primary to do. Each call blocks until the primary answers (a
 * reload may take a while: {@code top} calls these off its drawing thread) and returns a line for
 * the footer, success or failure.
 */
public interface TopActions {
    /** {@code k}: restart the worker of {@code slot}. */
    String restart(int slot);

    /** {@code r}, after a yes: a rolling reload of every worker. */
    String reload();

    /** {@code +} / {@code -}: one worker more or less. */
    String scale(int delta);
}
