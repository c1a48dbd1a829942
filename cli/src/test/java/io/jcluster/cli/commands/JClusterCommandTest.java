package io.jcluster.cli.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.Command;

class JClusterCommandTest {
    /** Main finds the subcommand to build by its name in a table: the table must say what the annotations say. */
    @Test
    void theNameTableMatchesTheAnnotations() {
        Map<String, Class<?>> fromAnnotations = new TreeMap<>();
        for (Class<?> c : JClusterCommand.SUBCOMMANDS) {
            Command command = c.getAnnotation(Command.class);
            fromAnnotations.put(command.name(), c);
            for (String alias : command.aliases()) fromAnnotations.put(alias, c);
        }
        assertEquals(fromAnnotations, new TreeMap<>(JClusterCommand.BY_NAME));
    }
}
