package io.jcluster.cli.commands;

import picocli.CommandLine.IVersionProvider;

/** The version written into the jar's manifest at build time. */
public final class VersionProvider implements IVersionProvider {
    /** This jcluster's version ("dev" outside a packaged jar). */
    static String version() {
        String v = VersionProvider.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    @Override
    public String[] getVersion() {
        return new String[] {"jcluster " + version(), "Java " + System.getProperty("java.version")
                + " (" + System.getProperty("java.vm.name") + ")"};
    }
}
