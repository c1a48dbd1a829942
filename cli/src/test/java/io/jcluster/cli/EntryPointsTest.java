package io.jcluster.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcluster.cli.control.EntryPoints;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The hidden entry points that one jcluster process starts another with: named once, and what they accept. */
class EntryPointsTest {
    @Test
    void theMainClassIsMain() {
        assertEquals(Main.class.getName(), EntryPoints.MAIN);
        List<String> run = EntryPoints.run(EntryPoints.PRIMARY, "app");
        assertEquals(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(), "__primary", "app"), run);
    }

    @Test
    void aDetachedPrimaryIsAnAppAndAtMostTakeOver() {
        assertTrue(EntryPoints.isPrimary(new String[] {"__primary", "app"}));
        assertTrue(EntryPoints.isPrimary(new String[] {"__primary", "app", "--take-over"}));
        assertFalse(EntryPoints.isPrimary(new String[] {"__primary", "--help"}), "an option goes to picocli");
        assertFalse(EntryPoints.isPrimary(new String[] {"__primary", "app", "--other"}));
        assertFalse(EntryPoints.isPrimary(new String[] {"__primary"}));
        assertTrue(EntryPoints.isConfig(new String[] {"__config"}));
        assertFalse(EntryPoints.isConfig(new String[] {"__config", "x"}));
    }
}
