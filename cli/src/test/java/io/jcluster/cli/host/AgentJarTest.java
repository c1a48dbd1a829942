package io.jcluster.cli.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AgentJarTest {

    @TempDir
    Path dir;

    @Test
    void theDistributionKeepsTheAgentInLibAgent() throws IOException {
        Path lib = Files.createDirectories(dir.resolve("lib"));
        Path runtime = Files.createFile(lib.resolve("worker-runtime.jar"));
        Path agent = Files.createFile(Files.createDirectories(lib.resolve("agent")).resolve("worker-runtime-agent.jar"));
        assertEquals(agent, AgentJar.beside(runtime));
    }

    @Test
    void aMavenBuildKeepsTheAgentBesideTheMainJar() throws IOException {
        Path runtime = Files.createFile(dir.resolve("worker-runtime-0.1.0-SNAPSHOT.jar"));
        Path agent = Files.createFile(dir.resolve("worker-runtime-0.1.0-SNAPSHOT-agent.jar"));
        assertEquals(agent, AgentJar.beside(runtime));
    }

    @Test
    void aMissingAgentNamesWhereItWasLookedFor() throws IOException {
        Path runtime = Files.createFile(dir.resolve("worker-runtime.jar"));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> AgentJar.beside(runtime));
        assertTrue(e.getMessage().contains(dir.resolve("agent/worker-runtime-agent.jar").toString()), e.getMessage());
        assertTrue(e.getMessage().contains(dir.resolve("worker-runtime-agent.jar").toString()), e.getMessage());
    }

    @Test
    void classesInsteadOfAJarAreRefused() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> AgentJar.beside(dir));
        assertTrue(e.getMessage().contains("must be a jar"), e.getMessage());
    }
}
