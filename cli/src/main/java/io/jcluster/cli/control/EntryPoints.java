package io.jcluster.cli.control;

import java.util.ArrayList;
import java.util.List;

/**
 * How one jcluster process starts another: the main class, and the two hidden commands that it runs
 * without building a command line. {@code __primary <app> [--take-over]} is a detached primary
 * ({@code start} and {@code upgrade} launch it); {@code __config} reads a config for a primary's
 * reload (a start spec as JSON on its input, the config as one JSON line on its output).
 */
public final class EntryPoints {
    /** The main class; named as a string, so that nothing here depends on what it starts. */
    public static final String MAIN = "io.jcluster.cli.Main";
    public static final String PRIMARY = "__primary";
    public static final String TAKE_OVER = "--take-over";
    public static final String CONFIG = "__config";

    private EntryPoints() {}

    /** What follows the java command and its JVM options to run {@code jcluster <args>} on this JVM's class path. */
    public static List<String> run(String... args) {
        List<String> command = new ArrayList<>(List.of("-cp", System.getProperty("java.class.path"), MAIN));
        command.addAll(List.of(args));
        return command;
    }

    /** Whether {@code args} are {@code __primary <app> [--take-over]}. */
    public static boolean isPrimary(String[] args) {
        return args.length >= 2 && args.length <= 3 && args[0].equals(PRIMARY) && !args[1].startsWith("-")
                && (args.length == 2 || args[2].equals(TAKE_OVER));
    }

    /** Whether {@code args} are {@code __config}. */
    public static boolean isConfig(String[] args) {
        return args.length == 1 && args[0].equals(CONFIG);
    }
}
