package io.jcluster.cli;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.Test;

/**
 * The package arrows of cli and worker-runtime, as rules over their compiled classes: no package
 * cycle, the layers one way (the entry point, then commands and the dashboard, then the primary's
 * rooms from the front down to its sockets, then the protocol), and no terminal or command-line
 * library inside the primary. A new import against them fails the build with the classes that made it.
 */
class ArchitectureTest {
    private static final String PRIMARY = "io.jcluster.cli.primary";
    private static final JavaClasses CLASSES = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.jcluster.cli", "io.jcluster.runtime");

    static final ArchRule NO_PACKAGE_CYCLES = slices().matching("io.jcluster.(**)").should().beFreeOfCycles();

    /** Each layer is used only by the layers above it, and every class is in a layer. */
    static final ArchRule LAYERS_ONE_WAY = layeredArchitecture()
            .consideringOnlyDependenciesInAnyPackage("io.jcluster..")
            .layer("entry").definedBy("io.jcluster.cli")
            .layer("commands").definedBy("io.jcluster.cli.commands..")
            .layer("dashboard").definedBy("io.jcluster.cli.top..")
            .layer("primary").definedBy(PRIMARY)
            .layer("upgrade").definedBy(PRIMARY + ".upgrade..")
            .layer("changes").definedBy(PRIMARY + ".changes..")
            .layer("launch").definedBy(PRIMARY + ".launch..")
            .layer("supervisor").definedBy(PRIMARY + ".supervisor..")
            .layer("sockets").definedBy(PRIMARY + ".sockets..")
            .layer("protocol").definedBy("io.jcluster.cli.control..")
            .layer("parts").definedBy("io.jcluster.cli.cgroup..", "io.jcluster.cli.config..", "io.jcluster.cli.host..", "io.jcluster.cli.init..",
                    "io.jcluster.cli.logs..", "io.jcluster.cli.metrics..", "io.jcluster.cli.systemd..")
            .layer("worker runtime").definedBy("io.jcluster.runtime..")
            .whereLayer("entry").mayNotBeAccessedByAnyLayer()
            .whereLayer("commands").mayOnlyBeAccessedByLayers("entry")
            .whereLayer("dashboard").mayOnlyBeAccessedByLayers("commands")
            .whereLayer("primary").mayOnlyBeAccessedByLayers("commands")
            .whereLayer("upgrade").mayOnlyBeAccessedByLayers("primary")
            .whereLayer("changes").mayOnlyBeAccessedByLayers("primary", "upgrade")
            .whereLayer("launch").mayOnlyBeAccessedByLayers("primary", "upgrade", "changes")
            .whereLayer("supervisor").mayOnlyBeAccessedByLayers("primary", "upgrade", "changes", "launch")
            .whereLayer("sockets").mayOnlyBeAccessedByLayers("primary", "upgrade", "changes", "launch", "supervisor")
            .whereLayer("protocol").mayOnlyBeAccessedByLayers("entry", "commands", "dashboard", "primary", "upgrade", "changes",
                    "launch", "supervisor", "sockets")
            .whereLayer("parts").mayOnlyAccessLayers("parts", "worker runtime")
            .whereLayer("worker runtime").mayOnlyAccessLayers("worker runtime")
            .ensureAllClassesAreContainedInArchitecture(); // a new package must take its place among the layers

    static final ArchRule NO_TERMINAL_IN_THE_PRIMARY = noClasses().that().resideInAPackage(PRIMARY + "..")
            .should().dependOnClassesThat().resideInAnyPackage("picocli..", "org.jline..", "io.jcluster.cli.commands..",
                    "io.jcluster.cli.top..")
            .because("the primary is a server: the command line and the terminal are the CLI's");

    /** The agent runs inside every worker JVM, beside any app: it brings no library of its own. */
    static final ArchRule AGENT_JDK_ONLY = classes().that().resideInAPackage("io.jcluster.runtime.agent..")
            .should().onlyDependOnClassesThat().resideInAnyPackage("java..", "javax..", "jdk..", "com.sun.management..",
                    "io.jcluster.runtime", "io.jcluster.runtime.agent..", "io.jcluster.runtime.wire..", "io.jcluster.runtime.metrics..");

    @Test
    void noPackageCycles() {
        NO_PACKAGE_CYCLES.check(CLASSES);
    }

    @Test
    void layersOneWay() {
        LAYERS_ONE_WAY.check(CLASSES);
    }

    @Test
    void noTerminalInThePrimary() {
        NO_TERMINAL_IN_THE_PRIMARY.check(CLASSES);
    }

    @Test
    void agentJdkOnly() {
        AGENT_JDK_ONLY.check(CLASSES);
    }
}
