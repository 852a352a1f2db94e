package io.huatuo.jmx.testing;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Captures what the SLF4J simple logger prints while open. It resolves System.err (or System.out)
 * at each call, so swapping the streams is enough; both are captured in case a test configuration
 * sends the log to stdout.
 */
public final class CapturedLog implements AutoCloseable {
    private final PrintStream oldErr = System.err;
    private final PrintStream oldOut = System.out;
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    public CapturedLog() {
        PrintStream capture = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        System.setErr(capture);
        System.setOut(capture);
    }

    /** @return how many captured lines contain {@code text} */
    public synchronized long count(String text) {
        return text().lines().filter(l -> l.contains(text)).count();
    }

    public synchronized String text() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        System.setErr(oldErr);
        System.setOut(oldOut);
        oldErr.print(text()); // keep the log visible in the test report
    }
}
