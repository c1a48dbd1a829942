package io.jcluster.cli.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * What the primary does with a line read from {@code control.sock}: {@link ControlRequest#parse}
 * gives a request with a command, or a {@link BadRequestException} with a reason for the log;
 * nothing else, whatever the line. Fixed seeds, so a failure replays.
 */
class ControlRequestFuzzTest {
    private static final List<String> VALID = List.of(
            "{\"command\":\"ls\"}", "{\"command\":\"ping\"}", "{\"command\":\"await-ready\"}", "{\"command\":\"stop\"}",
            "{\"command\":\"ls\",\"future\":[1,2,{\"x\":null}]}", "{ \"command\" : \"stop\" }");
    private static final String ALPHABET = "{}[]\":,\\ntrufalsel0123456789.eE+-\u00e9\u2603\u0000\u001f \t/*'";

    @Test
    void validRequestsParse() throws BadRequestException {
        assertEquals(new ControlRequest("ls"), ControlRequest.parse("{\"command\":\"ls\"}"));
        assertEquals(new ControlRequest("stop"), ControlRequest.parse("{\"command\":\"stop\",\"unknown\":{\"a\":[1]}}"));
    }

    @Test
    void wrongShapesAreBadRequestsThatSayWhy() {
        for (String bad : List.of("null", "\"ls\"", "[]", "[{\"command\":\"ls\"}]", "42", "true", "{}", "{\"command\":null}",
                "{\"command\":5}", "{\"command\":[\"ls\"]}", "{\"command\":{\"name\":\"ls\"}}", "{\"Command\":\"ls\"}")) {
            BadRequestException e = assertThrows(BadRequestException.class, () -> ControlRequest.parse(bad), bad);
            assertTrue(e.getMessage().startsWith("not a control request"), e.getMessage());
        }
        for (String bad : List.of("{", "{\"command\":\"ls\"", "{command:ls}", "\u0000", "{\"command\":\"ls\"}}", "[".repeat(5000))) {
            BadRequestException e = assertThrows(BadRequestException.class, () -> ControlRequest.parse(bad), bad);
            assertTrue(e.getMessage().startsWith("not JSON") || e.getMessage().startsWith("not a control request"), e.getMessage());
            assertTrue(e.getMessage().length() < 400, "the reason is one short line: " + e.getMessage());
        }
    }

    @Test
    void randomAndMutatedLinesParseOrAreBadRequests() {
        Random random = new Random(0xc0_47_01L);
        int parsed = 0;
        int refused = 0;
        for (int i = 0; i < 12_000; i++) {
            String line = switch (i % 3) {
                case 0 -> mutate(VALID.get(random.nextInt(VALID.size())), random);
                case 1 -> randomText(random);
                default -> new String(randomBytes(random), StandardCharsets.UTF_8); // as netty's StringDecoder gives it
            };
            try {
                ControlRequest r = ControlRequest.parse(line);
                assertNotNull(r.command(), line);
                parsed++;
            } catch (BadRequestException e) {
                assertNotNull(e.getMessage());
                assertTrue(!e.getMessage().contains("\n"), () -> "a reason is one line: " + e.getMessage());
                refused++;
            } catch (RuntimeException | StackOverflowError e) {
                fail("case " + i + " threw " + e + " for " + line, e);
            }
        }
        assertTrue(parsed > 300 && refused > 5_000, "parsed " + parsed + ", refused " + refused);
    }

    static String mutate(String s, Random random) {
        StringBuilder b = new StringBuilder(s);
        for (int n = 1 + random.nextInt(4); n > 0; n--) {
            int p = random.nextInt(b.length() + 1);
            switch (random.nextInt(5)) {
                case 0 -> { if (p < b.length()) b.setCharAt(p, ALPHABET.charAt(random.nextInt(ALPHABET.length()))); }
                case 1 -> b.insert(p, ALPHABET.charAt(random.nextInt(ALPHABET.length())));
                case 2 -> { if (p < b.length()) b.deleteCharAt(p); }
                case 3 -> b.insert(p, "[{\"a\":".repeat(random.nextInt(700))); // deep nesting (Jackson stops at a depth of 1000)
                default -> b.insert(p, "9".repeat(1 + random.nextInt(2000))); // huge numbers
            }
        }
        return b.toString();
    }

    static String randomText(Random random) {
        StringBuilder b = new StringBuilder();
        for (int n = random.nextInt(80); n > 0; n--) b.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
        return b.toString();
    }

    private static byte[] randomBytes(Random random) {
        byte[] b = new byte[random.nextInt(100)];
        random.nextBytes(b);
        return b;
    }
}
