package io.jcluster.cli.top;

import io.jcluster.cli.metrics.AppSnapshot;
import io.jcluster.cli.metrics.AppTotals;
import java.util.List;

/** Where {@code top}'s snapshots come from: the primary's metrics stream, or a test. */
public interface TopFeed extends AutoCloseable {

    /** What a feed reports, from a thread of its own. */
    interface Listener {
        /** The app's totals before the stream started (for the sparkline), oldest first. */
        void history(List<AppTotals> totals);

        /** A new snapshot. */
        void snapshot(AppSnapshot snapshot);

        /** The feed ended and will report nothing more. */
        void failed(String why);
    }

    /** Starts reporting to {@code listener}; returns at once. */
    void start(Listener listener);

    /** Stops reporting. */
    @Override
    void close();
}
