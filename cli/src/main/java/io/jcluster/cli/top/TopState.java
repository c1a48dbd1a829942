package io.jcluster.cli.top;

import io.jcluster.cli.metrics.AppSnapshot;
import java.util.List;

/**
 * Everything one frame of {@code top} shows, apart from the terminal's size.
 *
 * @param app        the app's name (shown before the first snapshot arrives)
 * @param snapshot   the latest snapshot, or null while waiting for the first
 * @param rpsHistory the app's total requests per second, one per snapshot, oldest first (nulls where
 *                   no worker reported it); the sparkline shows the last minute of it
 * @param selectedSlot the slot of the highlighted row, or -1 for none
 * @param firstRow   the first row shown, when there are more workers than rows (see {@link TopView#scroll})
 * @param sort       the column the rows are sorted by
 * @param footer     a message or a question for the bottom line; null shows the keys
 * @param color      whether to use colors (not under {@code NO_COLOR})
 * @param unicode    whether the terminal takes Unicode (block characters for the sparkline, arrows)
 * @param zone       the time zone of the clock in the title
 */
public record TopState(String app, AppSnapshot snapshot, List<Double> rpsHistory, int selectedSlot, int firstRow,
                       SortColumn sort, String footer, boolean color, boolean unicode, java.time.ZoneId zone) {
    public TopState {
        if (zone == null) zone = java.time.ZoneId.systemDefault();
        rpsHistory = rpsHistory == null ? List.of() : java.util.Collections.unmodifiableList(new java.util.ArrayList<>(rpsHistory));
        if (sort == null) sort = SortColumn.SLOT;
    }
}
