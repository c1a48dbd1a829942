package io.jcluster.runtime;

import static org.junit.jupiter.api.Assertions.fail;

import org.junit.jupiter.api.Assumptions;

/**
 * What a test needs from the machine. Where it is missing the test is skipped with the reason, but
 * under CI ({@code CI=true}, which {@code .ci/run} sets) it fails and says what is missing.
 */
public final class Needs {
    private static final boolean CI = "true".equalsIgnoreCase(System.getenv("CI"));

    private Needs() {}

    /** Goes on when {@code met}; otherwise skips, or fails under CI, saying {@code what} is needed. */
    public static void that(boolean met, String what) {
        if (met) return;
        if (CI) fail("this test needs " + what + " (CI=true: a missing prerequisite fails instead of skipping)");
        Assumptions.abort("needs " + what);
    }
}
