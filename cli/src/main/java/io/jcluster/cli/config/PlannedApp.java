package io.jcluster.cli.config;

/** One app of a file to start: the spec its primary keeps (naming its app of the file), and its config. */
public record PlannedApp(StartSpec spec, AppConfig config) {}
