package io.huatuo.jmx.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;

/** Committed files that a generator script writes must be its current output. */
public final class GeneratedFiles {
    private GeneratedFiles() {
    }

    /** Runs {@code python3 <dir>/generate.py <tmp>} and compares each of {@code files} with the one in {@code dir}. */
    public static void assertCommittedAreTheGeneratorsOutput(Path dir, String... files) throws Exception {
        Path out = Files.createTempDirectory("huatuo-generated");
        try {
            Shell.check("python3", dir.resolve("generate.py").toString(), out.toString());
            for (String f : files) {
                assertEquals(Files.readString(dir.resolve(f)), Files.readString(out.resolve(f)),
                        f + " differs from generate.py's output: run python3 " + dir.resolve("generate.py"));
            }
        } finally {
            TestDaemon.deleteTree(out);
        }
    }
}
