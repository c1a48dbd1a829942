package io.jcluster.cli.metrics;

/**
 * One worker's end, for {@code describe}'s recent exits.
 *
 * @param code   the exit status (128 + n for signal n), -1 when the worker could not be started
 * @param signal the signal's name ({@code KILL}, {@code TERM}…) when one ended it, else null
 * @param reason why jcluster thinks it ended ({@code crashed}, {@code stopped}…)
 */
public record WorkerExit(int slot, long pid, long generation, int code, String signal, long atEpochMillis, String reason) {

    /** {@code exit code 1}, {@code signal KILL} or {@code did not start}. */
    public String describe() {
        if (code < 0) return "did not start";
        return signal != null ? "signal " + signal : "exit code " + code;
    }
}
