package io.huatuo.jmx.config;

/**
 * The {@code record} block: the per-tracer record files under {@code <dataDir>/record/<tracer>}.
 *
 * @param enabled      key {@code enabled}: write record files; default true
 * @param maxFileBytes key {@code maxFileBytes}: a file is rotated before it would grow beyond this;
 *                     1024 (1 KiB) .. 1099511627776 (1 TiB), default 104857600 (100 MiB)
 * @param maxFiles     key {@code maxFiles}: rotated files kept per tracer ({@code <tracer>.1} ..
 *                     {@code <tracer>.<maxFiles>}); 1..1000, default 10
 */
public record RecordConfig(boolean enabled, long maxFileBytes, int maxFiles) {

    static RecordConfig read(Section s) {
        return new RecordConfig(
                s.bool("enabled", true),
                s.longInteger("maxFileBytes", 100L << 20, 1L << 10, 1L << 40),
                s.integer("maxFiles", 10, 1, 1000));
    }
}
