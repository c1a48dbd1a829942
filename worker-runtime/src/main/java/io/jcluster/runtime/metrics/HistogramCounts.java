package io.jcluster.runtime.metrics;

import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * The counts of a {@link Histogram} over one interval: the non-empty buckets only, in bucket order.
 * Immutable. This is how counts travel in heartbeats ({@link #putFigures}) and how the primary
 * merges the workers' intervals into the app's ({@link #plus}) and reads percentiles from them.
 */
public final class HistogramCounts {

    /** No values. */
    public static final HistogramCounts EMPTY = new HistogramCounts(new int[0], new long[0]);

    private final int[] buckets;
    private final long[] counts;
    private final long total;

    /**
     * @param buckets bucket numbers, strictly increasing
     * @param counts  the positive count of each bucket
     */
    HistogramCounts(int[] buckets, long[] counts) {
        this.buckets = buckets;
        this.counts = counts;
        long t = 0;
        for (long c : counts) {
            t += c;
        }
        this.total = t;
    }

    /** Counts from a map of bucket number to count; non-positive counts and bad buckets are left out. */
    public static HistogramCounts of(Map<Integer, Long> bucketCounts) {
        TreeMap<Integer, Long> sorted = new TreeMap<>();
        bucketCounts.forEach((b, c) -> {
            if (b != null && c != null && c > 0 && b >= 0 && b < Histogram.BUCKETS) {
                sorted.merge(b, c, Long::sum);
            }
        });
        int[] b = new int[sorted.size()];
        long[] c = new long[sorted.size()];
        int i = 0;
        for (Map.Entry<Integer, Long> e : sorted.entrySet()) {
            b[i] = e.getKey();
            c[i] = e.getValue();
            i++;
        }
        return new HistogramCounts(b, c);
    }

    /** The number of values. */
    public long total() {
        return total;
    }

    /** Whether there are no values. */
    public boolean isEmpty() {
        return total == 0;
    }

    /**
     * The value at quantile {@code q} (0..1): the upper bound of the bucket that holds it, so at
     * most 1/16 above the true value. -1 when there are no values.
     */
    public long quantile(double q) {
        if (total == 0) {
            return -1;
        }
        long rank = (long) Math.ceil(Math.min(1, Math.max(0, q)) * total);
        rank = Math.max(1, rank);
        long seen = 0;
        for (int i = 0; i < buckets.length; i++) {
            seen += counts[i];
            if (seen >= rank) {
                return Histogram.upperBound(buckets[i]);
            }
        }
        return Histogram.upperBound(buckets[buckets.length - 1]);
    }

    /**
     * The number of values in the buckets that lie wholly at or below {@code value}: a bucket that
     * straddles it is left out, so this is at most 1/16 of {@code value} short of the true count.
     */
    public long countAtMost(long value) {
        long n = 0;
        for (int i = 0; i < buckets.length && Histogram.upperBound(buckets[i]) <= value; i++) {
            n += counts[i];
        }
        return n;
    }

    /** These counts and {@code other}'s together. */
    public HistogramCounts plus(HistogramCounts other) {
        if (other.isEmpty()) {
            return this;
        }
        if (isEmpty()) {
            return other;
        }
        int[] b = new int[buckets.length + other.buckets.length];
        long[] c = new long[b.length];
        int i = 0;
        int j = 0;
        int n = 0;
        while (i < buckets.length || j < other.buckets.length) {
            if (j == other.buckets.length || (i < buckets.length && buckets[i] < other.buckets[j])) {
                b[n] = buckets[i];
                c[n++] = counts[i++];
            } else if (i == buckets.length || other.buckets[j] < buckets[i]) {
                b[n] = other.buckets[j];
                c[n++] = other.counts[j++];
            } else {
                b[n] = buckets[i];
                c[n++] = counts[i++] + other.counts[j++];
            }
        }
        return new HistogramCounts(Arrays.copyOf(b, n), Arrays.copyOf(c, n));
    }

    /** Puts one figure per non-empty bucket into {@code figures}: {@code <prefix>.b<bucket>} = count. */
    public void putFigures(String prefix, Map<String, Long> figures) {
        for (int i = 0; i < buckets.length; i++) {
            figures.put(prefix + ".b" + buckets[i], counts[i]);
        }
    }

    /**
     * Reads what {@link #putFigures} wrote, from text values such as a heartbeat's fields: every key
     * {@code <prefix>.b<bucket>} with a positive whole number. Other keys are ignored.
     */
    public static HistogramCounts fromFields(String prefix, Map<String, String> fields) {
        String start = prefix + ".b";
        Map<Integer, Long> found = new TreeMap<>();
        for (Map.Entry<String, String> e : fields.entrySet()) {
            String key = e.getKey();
            if (!key.startsWith(start)) {
                continue;
            }
            try {
                found.merge(Integer.parseInt(key.substring(start.length())), Long.parseLong(e.getValue().trim()), Long::sum);
            } catch (NumberFormatException ignored) {
                // not one of ours
            }
        }
        return found.isEmpty() ? EMPTY : of(found);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HistogramCounts h && Arrays.equals(buckets, h.buckets) && Arrays.equals(counts, h.counts);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(buckets) + Arrays.hashCode(counts);
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("HistogramCounts{");
        for (int i = 0; i < buckets.length; i++) {
            if (i > 0) {
                s.append(", ");
            }
            s.append(Histogram.lowerBound(buckets[i])).append("..").append(Histogram.upperBound(buckets[i]))
                    .append('=').append(counts[i]);
        }
        return s.append('}').toString();
    }
}
