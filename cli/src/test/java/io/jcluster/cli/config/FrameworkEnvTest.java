package io.jcluster.cli.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;

class FrameworkEnvTest {

    @Test
    void thePortWhereFrameworksLookAndTomcatsMBeans() {
        assertEquals(Map.of("PORT", "9000", "SERVER_PORT", "9000", "SERVER_TOMCAT_MBEANREGISTRY_ENABLED", "true"),
                FrameworkEnv.defaults(9000, Map.of()));
    }

    @Test
    void theUsersOwnValuesWin() {
        assertEquals(Map.of("PORT", "9000"),
                FrameworkEnv.defaults(9000, Map.of("SERVER_PORT", "9100", "SERVER_TOMCAT_MBEANREGISTRY_ENABLED", "false")));
    }
}
