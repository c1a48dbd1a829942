package io.jcluster.cli.init;

/** A file that {@code jcluster init} cannot make a config for: missing, not a jar, or a jar that {@code java -jar} cannot run. */
public final class NotAnAppJar extends Exception {
    public NotAnAppJar(String message) {
        super(message, null, false, false);
    }
}
