package io.jcluster.runtime.metrics;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * A compact, lock-free histogram of non-negative whole numbers (jcluster records microseconds).
 *
 * <p>Log-linear buckets: 0 to 15 have a bucket each; above that every power of two is split into
 * {@value #SUB_BUCKETS} equal buckets, so a value is known to within 1/16 (6.25 %) of itself. All of
 * {@code long} fits in {@value #BUCKETS} buckets; a latency distribution touches a few dozen.
 *
 * <p>Counts are cumulative: {@link #intervalSince(long[])} turns them into the counts of one
 * interval for whoever keeps the previous copy. The maximum is per interval
 * ({@link #takeMax()}). Recording is thread-safe and allocation-free: an index computation, one
 * atomic increment, two {@link LongAdder} adds and, only for a new maximum, a compare-and-set.
 */
public final class Histogram {

    /** Sub-buckets per power of two, as a number of bits. */
    public static final int SUB_BITS = 4;
    /** Sub-buckets per power of two. */
    public static final int SUB_BUCKETS = 1 << SUB_BITS;
    /** Number of buckets: enough for every non-negative {@code long}. */
    public static final int BUCKETS = (64 - SUB_BITS) * SUB_BUCKETS;

    private final AtomicLongArray counts = new AtomicLongArray(BUCKETS);
    private final LongAdder count = new LongAdder();
    private final LongAdder sum = new LongAdder();
    private final AtomicLong max = new AtomicLong(-1);

    /** Records one value; negative values count as 0. Thread-safe. */
    public void record(long value) {
        long v = Math.max(0, value);
        counts.incrementAndGet(bucketOf(v));
        count.increment();
        sum.add(v);
        long m = max.get();
        while (v > m && !max.compareAndSet(m, v)) {
            m = max.get();
        }
    }

    /** Values recorded since this histogram was made. */
    public long count() {
        return count.sum();
    }

    /** The sum of the values recorded since this histogram was made. */
    public long sum() {
        return sum.sum();
    }

    /** The largest value recorded since the last call, or -1 when none was; resets it. */
    public long takeMax() {
        return max.getAndSet(-1);
    }

    /**
     * The counts recorded since {@code previous} was filled, and fills {@code previous} with the
     * current cumulative counts for the next call. One caller at a time per {@code previous}.
     *
     * @param previous {@link #BUCKETS} cumulative counts, all zero the first time
     */
    public HistogramCounts intervalSince(long[] previous) {
        if (previous.length != BUCKETS) {
            throw new IllegalArgumentException("previous must hold " + BUCKETS + " counts");
        }
        int n = 0;
        int[] index = new int[16];
        long[] delta = new long[16];
        for (int i = 0; i < BUCKETS; i++) {
            long now = counts.get(i);
            long d = now - previous[i];
            if (d != 0) {
                previous[i] = now;
                if (n == index.length) {
                    index = java.util.Arrays.copyOf(index, n * 2);
                    delta = java.util.Arrays.copyOf(delta, n * 2);
                }
                index[n] = i;
                delta[n] = d;
                n++;
            }
        }
        return new HistogramCounts(java.util.Arrays.copyOf(index, n), java.util.Arrays.copyOf(delta, n));
    }

    /** The bucket of {@code value} (0 for negative values). */
    public static int bucketOf(long value) {
        if (value < SUB_BUCKETS) {
            return (int) Math.max(0, value);
        }
        int exponent = 63 - Long.numberOfLeadingZeros(value);
        int sub = (int) (value >>> (exponent - SUB_BITS)) - SUB_BUCKETS;
        return (exponent - SUB_BITS + 1) * SUB_BUCKETS + sub;
    }

    /** The smallest value that falls into {@code bucket}. */
    public static long lowerBound(int bucket) {
        checkBucket(bucket);
        if (bucket < SUB_BUCKETS) {
            return bucket;
        }
        int shift = bucket / SUB_BUCKETS - 1;
        return (long) (SUB_BUCKETS + bucket % SUB_BUCKETS) << shift;
    }

    /** The largest value that falls into {@code bucket}. */
    public static long upperBound(int bucket) {
        checkBucket(bucket);
        if (bucket < SUB_BUCKETS) {
            return bucket;
        }
        int shift = bucket / SUB_BUCKETS - 1;
        return lowerBound(bucket) + (1L << shift) - 1;
    }

    private static void checkBucket(int bucket) {
        if (bucket < 0 || bucket >= BUCKETS) {
            throw new IllegalArgumentException("no bucket " + bucket + " (0.." + (BUCKETS - 1) + ")");
        }
    }
}
