package io.jcluster.cli.primary.changes;

import io.jcluster.cli.config.ByteSize;
import io.jcluster.cli.config.Durations;
import io.jcluster.cli.config.HealthPolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * Whether a ready worker is well: a pure function of what it last reported, its memory and the
 * time. No processes, no clock of its own, no {@code /proc}: the RSS is read off the loop and passed in.
 */
final class HealthCheck {
    private HealthCheck() {}

    /** What to do with a worker. */
    sealed interface Verdict permits Well, Hung, OverMemory {}

    /** Nothing to do; {@code overMemorySince} is the worker's over-the-limit mark to keep (null when under it). */
    record Well(Instant overMemorySince) implements Verdict {}

    /** Thread dump, SIGKILL, replace. */
    record Hung(String reason) implements Verdict {}

    /** Replace gracefully, like a one-slot reload. */
    record OverMemory(String reason) implements Verdict {}

    /**
     * @param lastSign when the worker last showed it lives (its last heartbeat, or when it became
     *                 ready), null when it has no agent connection to beat on
     * @param heartbeat its last heartbeat's figures
     * @param rssBytes its resident memory, null when unknown or not asked for
     * @param overMemorySince since when it has been over {@code max_memory}, or null
     */
    static Verdict check(Instant lastSign, Map<String, String> heartbeat, Long rssBytes, Instant overMemorySince,
                         Instant now, HealthPolicy policy) {
        Duration timeout = policy.heartbeatTimeout();
        if (lastSign != null && Duration.between(lastSign, now).compareTo(timeout) > 0) {
            return new Hung("no heartbeat for " + Duration.between(lastSign, now).toMillis() + " ms (heartbeat_timeout "
                    + Durations.format(timeout) + ")");
        }
        long stall = parseLong(heartbeat.get("app.loop.stallMillis"));
        if (stall > timeout.toMillis()) {
            return new Hung("an event loop stuck for " + stall + " ms (heartbeat_timeout " + Durations.format(timeout) + ")");
        }
        String deadlocked = heartbeat.get("deadlocked");
        if (deadlocked != null && !deadlocked.equals("0")) return new Hung(deadlocked + " deadlocked thread(s)");
        long max = policy.maxMemory().bytes();
        if (max <= 0 || rssBytes == null) return new Well(null);
        if (rssBytes <= max) return new Well(null);
        Instant since = overMemorySince == null ? now : overMemorySince;
        if (Duration.between(since, now).compareTo(policy.memoryGrace()) >= 0) {
            return new OverMemory("rss " + new ByteSize(rssBytes).human() + " over max_memory " + policy.maxMemory().human()
                    + " for " + Durations.format(policy.memoryGrace()));
        }
        return new Well(since);
    }

    private static long parseLong(String s) {
        try {
            return s == null ? 0 : Long.parseLong(s);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
