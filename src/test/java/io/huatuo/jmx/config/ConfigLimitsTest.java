package io.huatuo.jmx.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.huatuo.jmx.registry.TracerRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Endless, huge and hostile configuration files end with a message, never with the heap. */
class ConfigLimitsTest {

    private static ConfigException load(Path p) {
        return assertThrows(ConfigException.class, () -> HuatuoConfig.load(p, TracerRegistry.ALL));
    }

    @Test
    void anEndlessFileIsCutOffAtTheLimit() {
        ConfigException e = load(Path.of("/dev/zero"));
        assertEquals("/dev/zero: larger than 1048576 bytes, the limit for a configuration file", e.getMessage());
    }

    @Test
    void aFileJustOverTheLimitIsRefusedNamingItAndTheLimit(@TempDir Path dir) throws Exception {
        Path p = Files.writeString(dir.resolve("big.yaml"), ("# " + "x".repeat(1021) + "\n").repeat(1025));
        assertTrue(Files.size(p) > HuatuoConfig.MAX_FILE_BYTES);
        assertEquals(p + ": larger than 1048576 bytes, the limit for a configuration file", load(p).getMessage());
        Files.writeString(p, ("# " + "x".repeat(1021) + "\n").repeat(1023) + "region: ok\n");
        assertEquals("ok", HuatuoConfig.load(p, TracerRegistry.ALL).region(), "just under the limit is read");
    }

    @Test
    void aHugeValueOrListIsRefusedNamingTheKeyOrLine() {
        // one long line would cost SnakeYAML quadratic time and memory: refused before parsing
        ConfigException e = assertThrows(ConfigException.class,
                () -> HuatuoConfig.parse("# big\nregion: \"" + "x".repeat(1_000_000) + "\"\n", "c.yaml", TracerRegistry.ALL));
        assertEquals("c.yaml: line 2: longer than 8192 characters", e.getMessage());
        e = assertThrows(ConfigException.class,
                () -> HuatuoConfig.parse("region: \"" + "x".repeat(300) + "\"\n", "c.yaml", TracerRegistry.ALL));
        assertEquals("c.yaml: region: at most 253 characters, got 300", e.getMessage());
        e = assertThrows(ConfigException.class, () -> HuatuoConfig.parse(
                "tracers:\n  netdev:\n    include:\n" + "      - eth0\n".repeat(70_000), "c.yaml", TracerRegistry.ALL));
        assertEquals("c.yaml: tracers.netdev.include: at most 1000 elements, got 70000", e.getMessage());
    }

    @Test
    void aliasBombsAndDeepNestingStopAtTheParsersLimits() {
        StringBuilder bomb = new StringBuilder("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
        for (char c = 'b'; c <= 'i'; c++) {
            char p = (char) (c - 1);
            bomb.append(c).append(": &").append(c).append(" [*").append(p).append(",*").append(p).append(",*")
                    .append(p).append(",*").append(p).append(",*").append(p).append(",*").append(p).append(",*")
                    .append(p).append(",*").append(p).append(",*").append(p).append("]\n");
        }
        bomb.append("tracers:\n  netdev:\n    include: *i\n");
        ConfigException e = assertThrows(ConfigException.class, () -> HuatuoConfig.parse(bomb.toString(), "c.yaml", TracerRegistry.ALL));
        // Jackson reads an alias as its anchor's name and never expands it: nothing to blow up
        assertEquals("c.yaml: tracers.netdev.include: expected a list, got \"i\"", e.getMessage());
        e = assertThrows(ConfigException.class,
                () -> HuatuoConfig.parse("a: " + "[".repeat(4000) + "]".repeat(4000) + "\n", "c.yaml", TracerRegistry.ALL));
        assertTrue(e.getMessage().startsWith("c.yaml: ") && e.getMessage().toLowerCase().contains("nesting depth"),
                e.getMessage());
    }
}
