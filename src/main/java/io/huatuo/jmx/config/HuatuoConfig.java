package io.huatuo.jmx.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.huatuo.jmx.json.PlainTree;
import org.yaml.snakeyaml.LoaderOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon's whole configuration, read from one YAML file ({@code huatuo-jmx.yaml}, documented
 * with every key and default in the resource of that name).
 *
 * <p>Keys are camelCase. A missing key takes its default; an empty file is the defaults; an unknown
 * key, a value of the wrong type or out of its bounds is a {@link ConfigException} whose message
 * names the key's full dotted path and the bad value.
 *
 * <p>Immutable and thread-safe.
 */
public final class HuatuoConfig {

    /** Where the packaged daemon looks for its file; when this file is absent, the defaults apply. */
    public static final Path DEFAULT_PATH = Path.of("/etc/huatuo-jmx/huatuo-jmx.yaml");

    private static final Logger LOG = LoggerFactory.getLogger(HuatuoConfig.class);
    private static final Pattern MARK = Pattern.compile("^ in '[^']*', line (\\d+), column (\\d+):$", Pattern.MULTILINE);
    /** Largest configuration file; the shipped one with every key documented is about 8 KiB. */
    public static final int MAX_FILE_BYTES = 1024 * 1024;
    /** Longest line of a configuration file. */
    public static final int MAX_LINE_CHARS = 8192;
    private static final YAMLFactory YAML = YAMLFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION) // a key given twice is a mistake, not "last wins"
            .loaderOptions(loaderOptions())
            .build();

    /** SnakeYAML's own limits: no alias bombs ("billion laughs"), no deep nesting, no huge documents. */
    private static LoaderOptions loaderOptions() {
        LoaderOptions o = new LoaderOptions();
        o.setMaxAliasesForCollections(10);
        o.setNestingDepthLimit(20);
        o.setCodePointLimit(MAX_FILE_BYTES);
        o.setAllowRecursiveKeys(false);
        return o;
    }

    private final String source;
    private final String hostname;
    private final String region;
    private final Path dataDir;
    private final boolean console;
    private final boolean stackAddressesShown;
    private final RecordConfig record;
    private final JmxConfig jmx;
    private final JolokiaConfig jolokia;
    private final PrometheusConfig prometheus;
    private final DnsConfig dns;
    private final KernelCostConfig kernelCost;
    private final Map<String, TracerConfig> tracers;

    private HuatuoConfig(Section root, String source, List<? extends TracerBlock<?>> tracerBlocks) {
        this.source = source;
        String configuredHostname = root.string("hostname", "", Section.MAX_NAME_LENGTH);
        this.hostname = configuredHostname.isEmpty() ? localHostname() : configuredHostname;
        this.region = root.string("region", "", Section.MAX_NAME_LENGTH);
        this.dataDir = root.absolutePath("dataDir", "/var/lib/huatuo-jmx");
        this.console = root.bool("console", false);
        this.stackAddressesShown = root.choice("stackAddresses", "hidden", List.of("hidden", "shown")).equals("shown");
        this.record = root.block("record", RecordConfig::read);
        this.jmx = root.block("jmx", JmxConfig::read);
        this.jolokia = root.block("jolokia", JolokiaConfig::read);
        this.prometheus = root.block("prometheus", PrometheusConfig::read);
        this.dns = root.block("dns", DnsConfig::read);
        this.kernelCost = root.block("kernelCost", KernelCostConfig::read);
        this.tracers = root.block("tracers", s -> Tracers.read(s, tracerBlocks));
        root.finish();
    }

    /**
     * @param tracers the blocks under {@code tracers}, one per tracer, in the contract's order
     * @return the built-in defaults, the same as an empty file
     */
    public static HuatuoConfig defaults(List<? extends TracerBlock<?>> tracers) {
        return new HuatuoConfig(Section.root("defaults", new LinkedHashMap<>()), "defaults", tracers);
    }

    /**
     * Reads a configuration file. When {@code path} is {@link #DEFAULT_PATH} and that file does not
     * exist, the defaults apply; any other missing file is an error.
     *
     * @param path    the YAML file
     * @param tracers the blocks under {@code tracers}, one per tracer, in the contract's order
     * @return the configuration
     * @throws ConfigException if the file cannot be read or is not a valid configuration
     */
    public static HuatuoConfig load(Path path, List<? extends TracerBlock<?>> tracers) {
        return load(path, DEFAULT_PATH, tracers);
    }

    static HuatuoConfig load(Path path, Path defaultPath, List<? extends TracerBlock<?>> tracers) {
        String text;
        try (InputStream in = Files.newInputStream(path)) {
            // Bounded: --config /dev/zero or a runaway generated file must not take the heap.
            byte[] b = in.readNBytes(MAX_FILE_BYTES + 1);
            if (b.length > MAX_FILE_BYTES) {
                throw new ConfigException(path + ": larger than " + MAX_FILE_BYTES
                        + " bytes, the limit for a configuration file", null);
            }
            text = new String(b, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            if (path.toAbsolutePath().normalize().equals(defaultPath.toAbsolutePath().normalize())) {
                LOG.info("no configuration file at {}: using the built-in defaults", path);
                return defaults(tracers);
            }
            throw new ConfigException(path + ": no such file", null, e);
        } catch (IOException e) {
            throw new ConfigException(path + ": cannot read: " + e, null, e);
        }
        return parse(text, path.toString(), tracers);
    }

    /**
     * Reads a configuration from YAML text.
     *
     * @param yaml       the YAML document; empty (or comments only) means the defaults
     * @param sourceName names the text in error messages, usually the file's path
     * @param tracers    the blocks under {@code tracers}, one per tracer, in the contract's order
     * @return the configuration
     * @throws ConfigException if the text is not a valid configuration
     */
    public static HuatuoConfig parse(String yaml, String sourceName, List<? extends TracerBlock<?>> tracers) {
        checkLineLengths(yaml, sourceName);
        Object tree;
        try (JsonParser p = YAML.createParser(yaml)) {
            tree = PlainTree.read(p);
        } catch (JsonProcessingException e) {
            throw syntaxError(sourceName, e);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // reading a String
        }
        // Nothing at all, a bare "---" or "~": no keys set.
        if (tree == PlainTree.Absent.INSTANCE || tree == null || "".equals(tree)) {
            tree = new LinkedHashMap<String, Object>();
        }
        if (!(tree instanceof Map<?, ?>)) {
            throw new ConfigException(sourceName + ": expected keys at the top level, got " + Section.show(tree), null);
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> keys = (Map<String, Object>) tree;
        return new HuatuoConfig(Section.root(sourceName, keys), sourceName, tracers);
    }

    /**
     * SnakeYAML copies its read window for every 1024 characters of a token still being scanned, so
     * one long line costs time and memory quadratic in its length (a 1 MB string value: 7 s and
     * 700 MB of garbage). No key needs more than a path (4096) on a line.
     */
    private static void checkLineLengths(String yaml, String sourceName) {
        int line = 1;
        int start = 0;
        for (int i = 0; i <= yaml.length(); i++) {
            if (i == yaml.length() || yaml.charAt(i) == '\n') {
                if (i - start > MAX_LINE_CHARS) {
                    throw new ConfigException(sourceName + ": line " + line + ": longer than " + MAX_LINE_CHARS
                            + " characters", null);
                }
                line++;
                start = i + 1;
            }
        }
    }

    /** @return every key the configuration knows with these tracers, as dotted paths (for the documentation test) */
    static Set<String> knownKeys(List<? extends TracerBlock<?>> tracers) {
        Section root = Section.root("defaults", new LinkedHashMap<>());
        new HuatuoConfig(root, "defaults", tracers);
        return root.allKeys();
    }

    /** @return where this configuration came from: a file's path, a source name, or {@code defaults} */
    public String source() {
        return source;
    }

    /**
     * Key {@code hostname}: the host's name in every event and record header. Default {@code ""},
     * which means this machine's hostname (/proc/sys/kernel/hostname), resolved at load.
     *
     * @return the hostname to report, never empty
     */
    public String hostname() {
        return hostname;
    }

    /**
     * Key {@code region}: free text copied into every event and record header. Default {@code ""}.
     *
     * @return the region
     */
    public String region() {
        return region;
    }

    /**
     * Key {@code dataDir}: an absolute directory; records go to {@code <dataDir>/record/<tracer>}.
     * Default {@code /var/lib/huatuo-jmx}.
     *
     * @return the data directory
     */
    public Path dataDir() {
        return dataDir;
    }

    /**
     * Key {@code console}: print each event as one line on stdout. Default {@code false}; the
     * foreground run turns it on.
     *
     * @return whether events are printed on stdout
     */
    public boolean console() {
        return console;
    }

    /**
     * Key {@code stackAddresses}: {@code hidden} (default) zeroes kernel addresses in events (stack
     * frames keep their symbols), {@code shown} keeps them, for consumers trusted with KASLR offsets.
     *
     * @return whether events carry real kernel addresses
     */
    public boolean stackAddressesShown() {
        return stackAddressesShown;
    }

    /** @return block {@code record}: record files and their rotation (see {@link RecordConfig} for defaults) */
    public RecordConfig record() {
        return record;
    }

    /** @return block {@code jmx}: the JMX RMI connector (see {@link JmxConfig} for defaults) */
    public JmxConfig jmx() {
        return jmx;
    }

    /** @return block {@code jolokia}: the embedded Jolokia agent (see {@link JolokiaConfig} for defaults) */
    public JolokiaConfig jolokia() {
        return jolokia;
    }

    /** @return block {@code prometheus}: the embedded Prometheus exporter (see {@link PrometheusConfig}) */
    public PrometheusConfig prometheus() {
        return prometheus;
    }

    /** @return block {@code dns}: reverse DNS for addresses in events (see {@link DnsConfig} for defaults) */
    public DnsConfig dns() {
        return dns;
    }

    /** @return block {@code kernelCost}: how the daemon measures its own BPF programs (see {@link KernelCostConfig}) */
    public KernelCostConfig kernelCost() {
        return kernelCost;
    }

    /** @return block {@code tracers}: every tracer's block by name, in the order the tracers were given */
    public Map<String, TracerConfig> tracers() {
        return tracers;
    }

    /** @return the tracers' names, in the order they were given */
    public List<String> tracerNames() {
        return List.copyOf(tracers.keySet());
    }

    /**
     * @param name a tracer's name
     * @return the block {@code tracers.<name>}, defaults filled in
     * @throws IllegalArgumentException if {@code name} is not a tracer's name
     */
    public TracerConfig tracer(String name) {
        TracerConfig t = tracers.get(name);
        if (t == null) {
            throw new IllegalArgumentException("unknown tracer '" + name + "', known: " + String.join(", ", tracers.keySet()));
        }
        return t;
    }

    /**
     * @param <C>   the tracer's configuration record
     * @param block a tracer's block, one of those this configuration was read with
     * @return the block {@code tracers.<name>}, defaults filled in
     * @throws IllegalArgumentException if this configuration was not read with {@code block}
     */
    @SuppressWarnings("unchecked") // read by block.read, so of block's type
    public <C extends TracerConfig> C tracer(TracerBlock<C> block) {
        return (C) tracer(block.name());
    }

    /** Equal when every setting is equal; {@link #source()} does not take part. */
    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof HuatuoConfig)) {
            return false;
        }
        HuatuoConfig c = (HuatuoConfig) o;
        return hostname.equals(c.hostname) && region.equals(c.region) && dataDir.equals(c.dataDir)
                && console == c.console && stackAddressesShown == c.stackAddressesShown && record.equals(c.record) && jmx.equals(c.jmx) && jolokia.equals(c.jolokia)
                && prometheus.equals(c.prometheus) && dns.equals(c.dns) && kernelCost.equals(c.kernelCost)
                && tracers.equals(c.tracers);
    }

    @Override
    public int hashCode() {
        return Objects.hash(hostname, region, dataDir, console, stackAddressesShown, record, jmx, jolokia, prometheus, dns, kernelCost, tracers);
    }

    /** @return every effective setting on one line (for the start-up log) */
    @Override
    public String toString() {
        return "HuatuoConfig[source=" + source + ", hostname=" + hostname + ", region=" + region
                + ", dataDir=" + dataDir + ", console=" + console + ", stackAddresses="
                + (stackAddressesShown ? "shown" : "hidden") + ", " + record + ", " + jmx + ", " + jolokia + ", "
                + prometheus + ", " + dns + ", " + kernelCost + ", tracers=" + tracers + "]";
    }

    /**
     * Jackson's YAML errors carry SnakeYAML's multi-line text: "problem" lines, source excerpts with
     * a caret, and marks " in 'reader', line L, column C:". Keep the problem lines, and take the
     * position from the last mark (the problem's; Jackson's own location can be the previous token).
     */
    private static ConfigException syntaxError(String sourceName, JsonProcessingException e) {
        String original = e.getOriginalMessage() == null ? e.toString() : e.getOriginalMessage();
        StringBuilder what = new StringBuilder();
        original.lines()
                .filter(l -> !l.isBlank() && !Character.isWhitespace(l.charAt(0)))
                .forEach(l -> what.append(what.length() == 0 ? "" : "; ").append(l.trim()));
        String where = "";
        Matcher mark = MARK.matcher(original);
        while (mark.find()) {
            where = "line " + mark.group(1) + ", column " + mark.group(2) + ": ";
        }
        if (where.isEmpty() && e.getLocation() != null) {
            where = "line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ": ";
        }
        return new ConfigException(sourceName + ": " + where + "YAML syntax error: " + what, null, e);
    }

    /** This machine's hostname: the kernel's UTS name first (no DNS), the resolver only as a fallback. */
    private static String localHostname() {
        try {
            String name = Files.readString(Path.of("/proc/sys/kernel/hostname"), StandardCharsets.UTF_8).trim();
            if (!name.isEmpty()) {
                return name;
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or /proc not mounted: fall through
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }
}
