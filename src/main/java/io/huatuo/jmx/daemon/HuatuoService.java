package io.huatuo.jmx.daemon;

import io.huatuo.jmx.bpf.Bpf;
import io.huatuo.jmx.config.HuatuoConfig;
import io.huatuo.jmx.edge.HttpGuardSettings;
import io.huatuo.jmx.edge.JmxRemoteServer;
import io.huatuo.jmx.edge.JolokiaEndpoint;
import io.huatuo.jmx.edge.LoginGuard;
import io.huatuo.jmx.edge.PrometheusEndpoint;
import io.huatuo.jmx.enrich.ContainerResolver;
import io.huatuo.jmx.enrich.KallsymsSymbolizer;
import io.huatuo.jmx.enrich.ReverseDns;
import io.huatuo.jmx.event.Attribute;
import io.huatuo.jmx.event.Event;
import io.huatuo.jmx.event.EventJson;
import io.huatuo.jmx.jmx.AttributeBean;
import io.huatuo.jmx.jmx.Notifier;
import io.huatuo.jmx.jmx.ObjectNames;
import io.huatuo.jmx.jmx.TracerBean;
import io.huatuo.jmx.record.RecordHeader;
import io.huatuo.jmx.record.RecordWriter;
import io.huatuo.jmx.registry.TracerRegistry;
import io.huatuo.jmx.tracer.KernelCostMeter;
import io.huatuo.jmx.tracer.RingPoller;
import io.huatuo.jmx.tracer.Tracer;
import io.huatuo.jmx.tracer.TracerContext;
import io.huatuo.jmx.tracer.TracerType;
import java.io.BufferedOutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.remote.JMXServiceURL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon's one lifecycle, shared by the foreground {@link Main} and jsvc's {@link HuatuoDaemon}:
 * start wires everything in order, close takes it down in reverse and leaves nothing attached in
 * the kernel. Start and close are called from one thread; close is idempotent.
 */
public final class HuatuoService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HuatuoService.class);
    private static final int RING_BATCH_BYTES = 256 * 1024;
    private static final int ENRICH_QUEUE = 8192;
    private static final int NOTIFY_QUEUE = 16384;

    private final HuatuoConfig config;
    private final PrintStream console;
    private final Map<String, Tracer> tracers = new LinkedHashMap<>();
    private final Map<String, TracerBean> beans = new LinkedHashMap<>();
    private final Map<String, RecordWriter> records = new LinkedHashMap<>();
    private final List<ObjectName> registered = new ArrayList<>();
    private final LoginGuard logins = new LoginGuard();
    private MBeanServer mbeans;
    private Notifier notifier;
    private ScheduledExecutorService windows;
    private ElasticHeap heap;
    private ReverseDns dns;
    private EventPipeline pipeline;
    private RingPoller poller;
    private KernelCostMeter kernelCost;
    private JmxRemoteServer jmxRemote;
    private JolokiaEndpoint jolokia;
    private PrometheusEndpoint prometheus;
    /** The network endpoints, last started first: closed first at shutdown. */
    private final Deque<Map.Entry<String, AutoCloseable>> endpoints = new ArrayDeque<>();
    private long startTime;
    private long ownNetns;
    private boolean closed;

    /** @param console where events are printed one per line, or null */
    public HuatuoService(HuatuoConfig config, PrintStream console) {
        this.config = config;
        // Buffered and flushed once per pipeline batch: not one write per event under load.
        this.console = console == null ? null
                : new PrintStream(new BufferedOutputStream(console, 64 * 1024), false, StandardCharsets.UTF_8);
    }

    public synchronized void start() throws Exception {
        startTime = System.currentTimeMillis();
        try {
            startAll();
        } catch (Exception | Error e) {
            close();
            throw e;
        }
        LOG.info("huatuo-jmx {} started in {} ms: {}", version(), System.currentTimeMillis() - startTime, states());
        // Start-up leaves garbage in the old generation (parsed kernel BTF, BPF object images) that an idle
        // daemon would otherwise keep resident for hours; one full collection now lets the heap shrink.
        System.gc();
    }

    private void startAll() throws Exception {
        mbeans = ManagementFactory.getPlatformMBeanServer();
        notifier = new Notifier(NOTIFY_QUEUE);
        if (config.dns().enabled()) {
            dns = ReverseDns.builder().positiveTtl(Duration.ofSeconds(config.dns().cacheSeconds())).build();
        }
        List<Consumer<Event>> outputs = new ArrayList<>();
        outputs.add(e -> beans.get(e.tracer()).publish(e));
        if (config.record().enabled()) {
            RecordWriter.restrictExisting(config.dataDir());
            for (String name : TracerRegistry.names()) {
                records.put(name, new RecordWriter(config.dataDir(), name, config.record().maxFileBytes(),
                        config.record().maxFiles()));
            }
            outputs.add(this::writeRecord);
        }
        if (console != null) {
            outputs.add(e -> {
                console.print(e.eventTime());
                console.print(' ');
                console.println(e.summary());
            });
        }
        pipeline = new EventPipeline(config.hostname(), config.region(),
                new KallsymsSymbolizer().hidingAddresses(!config.stackAddressesShown()),
                new ContainerResolver(), dns, config.dns().timeoutMillis(), outputs, this::flushOutputs, ENRICH_QUEUE,
                !config.stackAddressesShown());
        poller = new RingPoller(RING_BATCH_BYTES);
        TracerContext ctx = new TracerContext(config, poller, pipeline);
        ownNetns = networkNamespace();
        int[] configured = ownPorts(config.jmx().enabled() ? config.jmx().port() : 0,
                config.jolokia().enabled() ? config.jolokia().port() : 0,
                config.prometheus().enabled() ? config.prometheus().port() : 0);
        for (TracerType<?> type : TracerRegistry.ALL) { // every tracer checks its settings before any BPF program loads
            Tracer t = type.create(config);
            tracers.put(type.name(), t);
            t.ignoreOwnTraffic(ownNetns, configured); // before the probes attach: a restart under load is quiet too
        }
        for (TracerType<?> type : TracerRegistry.ALL) {
            tracers.get(type.name()).start(ctx, config.tracer(type).enabled());
        }
        for (Tracer t : tracers.values()) {
            TracerBean bean = new TracerBean(t.schema(), t.attributes(), notifier);
            beans.put(t.name(), bean);
            register(bean, bean.objectName());
        }
        AttributeBean daemon = new AttributeBean(ObjectNames.daemon(), "huatuo-jmx daemon", daemonAttributes(),
                notifier);
        register(daemon, daemon.objectName());
        pipeline.start();
        poller.start();
        // one sample per second behind every tracer's OccurrencesLastMinute, EventsLast5Minutes, ...
        windows = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "huatuo-windows");
            t.setDaemon(true);
            return t;
        });
        heap = ElasticHeap.ofThisJvm();
        windows.scheduleAtFixedRate(this::tickWindows, 0, 1, TimeUnit.SECONDS);
        kernelCost = new KernelCostMeter(List.copyOf(tracers.values()), config.kernelCost());
        kernelCost.start();
        startEdges();
    }

    /** The network endpoints, each from its config block; they see only the registered MBeans. */
    private void startEdges() throws Exception {
        var j = config.jmx();
        if (j.enabled()) {
            jmxRemote = new JmxRemoteServer(new JmxRemoteServer.Settings(j.host(), j.port(), j.passwordFile(),
                    j.accessFile(), j.ssl(), j.keyStore(), j.keyStorePasswordFile(), j.notificationBuffer()), logins);
            addEndpoint("JMX remote", jmxRemote);
            jmxRemote.start(mbeans, this::tracerBean);
        }
        var jo = config.jolokia();
        if (jo.enabled()) {
            jolokia = new JolokiaEndpoint(new JolokiaEndpoint.Settings(jo.host(), jo.port(), jo.policyFile(),
                    jo.user(), jo.passwordFile()),
                    new HttpGuardSettings(jo.allowedHosts(), jo.maxRequestBytes(), jo.maxBulkRequests()), logins);
            addEndpoint("Jolokia", jolokia);
            jolokia.start(this::tracerBean);
        }
        var p = config.prometheus();
        if (p.enabled()) {
            prometheus = new PrometheusEndpoint(new PrometheusEndpoint.Settings(p.host(), p.port(), p.rulesFile(),
                    p.user(), p.passwordFile()),
                    new HttpGuardSettings(p.allowedHosts(), HttpGuardSettings.PROMETHEUS_MAX_REQUEST_BYTES, 0), logins);
            addEndpoint("Prometheus", prometheus);
            prometheus.start();
        }
        // the ports really bound (0 in the configuration picks one)
        int[] bound = ownPorts(jmxRemote == null ? 0 : jmxRemote.url().getPort(),
                jolokia == null ? 0 : URI.create(jolokia.url()).getPort(),
                prometheus == null ? 0 : URI.create(prometheus.url()).getPort());
        for (Tracer t : tracers.values()) {
            t.ignoreOwnTraffic(ownNetns, bound);
        }
    }

    /** The tracer MBean of a name, null for any other. */
    private TracerBean tracerBean(ObjectName name) {
        return beans.values().stream().filter(b -> b.objectName().equals(name)).findFirst().orElse(null);
    }

    /** An endpoint to close at shutdown, before everything else (the last added first). */
    void addEndpoint(String name, AutoCloseable endpoint) {
        endpoints.push(Map.entry(name, endpoint));
    }

    /** The non-zero ports, each once. */
    private static int[] ownPorts(int... ports) {
        return java.util.Arrays.stream(ports).filter(port -> port > 0).distinct().toArray();
    }

    /** Inode of this process's network namespace (/proc/self/ns/net is "net:[inode]"); 0 if unreadable. */
    private static long networkNamespace() {
        try {
            String link = Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString();
            return Long.parseLong(link.substring(link.indexOf('[') + 1, link.indexOf(']')));
        } catch (IOException | RuntimeException e) {
            LOG.warn("cannot read /proc/self/ns/net: the daemon's own traffic is not told apart ({})", e.toString());
            return 0;
        }
    }

    private void tickWindows() {
        heap.tick();
        for (Tracer t : tracers.values()) {
            try {
                t.tickWindows();
            } catch (RuntimeException e) { // a failing counter read must not stop the other windows
                LOG.debug("{}: window sample failed", t.name(), e);
            }
        }
    }

    private void writeRecord(Event e) {
        String header = RecordHeader.format(e.timeMillis(), e.zone(), e.hostname(), e.region(),
                e.container().map(c -> c.hostname()).orElse(""), e.container().map(c -> c.id()).orElse(""),
                e.container().map(c -> c.type()).orElse(""), e.container().map(c -> c.level()).orElse(""));
        records.get(e.tracer()).add(header, out -> EventJson.write(e, out));
    }

    /** After each pipeline batch: what the batch buffered goes to the record files and the console. */
    private void flushOutputs() {
        for (RecordWriter w : records.values()) {
            w.flush();
        }
        if (console != null) {
            console.flush();
        }
    }

    private void register(Object bean, ObjectName name) throws JMException {
        if (mbeans.isRegistered(name)) {
            mbeans.unregisterMBean(name); // a previous service in this JVM (tests) left it
        }
        mbeans.registerMBean(bean, name);
        registered.add(name);
    }

    private List<Attribute> daemonAttributes() {
        List<Attribute> a = new ArrayList<>();
        a.add(Attribute.readOnly("Version", Attribute.Type.STRING, "huatuo-jmx version", HuatuoService::version));
        a.add(Attribute.readOnly("KernelRelease", Attribute.Type.STRING, "Running kernel (uname -r)",
                Bpf::kernelRelease));
        a.add(Attribute.readOnly("Hostname", Attribute.Type.STRING, "Hostname put into every event",
                config::hostname));
        a.add(Attribute.readOnly("Region", Attribute.Type.STRING, "Region put into every event", config::region));
        a.add(Attribute.readOnly("StartTime", Attribute.Type.LONG, "Daemon start, epoch milliseconds",
                () -> startTime).gauge("ms"));
        a.add(Attribute.readOnly("Uptime", Attribute.Type.LONG, "Milliseconds since start",
                () -> System.currentTimeMillis() - startTime).gauge("ms"));
        a.add(Attribute.readOnly("Tracers", Attribute.Type.STRING_ARRAY, "Names of all tracers",
                () -> TracerRegistry.names().toArray(String[]::new)));
        a.add(Attribute.readOnly("BpfAvailable", Attribute.Type.BOOLEAN,
                "BPF programs can be loaded and attached on this kernel", Bpf::isAvailable));
        a.add(Attribute.readOnly("BpfUnavailableReason", Attribute.Type.STRING,
                "Why BPF cannot be used, empty when it can",
                () -> Bpf.isAvailable() ? "" : String.valueOf(Bpf.unavailabilityCause())));
        a.add(Attribute.readOnly("EventsHandled", Attribute.Type.LONG, "Events reported by all tracers since start",
                () -> pipeline.handled()).counter("events"));
        a.add(Attribute.readOnly("EventsLost", Attribute.Type.LONG,
                "Events lost by all tracers since start (ring or daemon queue full)",
                () -> tracers.values().stream().mapToLong(Tracer::lostEvents).sum()).counter("events"));
        a.add(Attribute.readOnly("EventsQueued", Attribute.Type.INT, "Events waiting for enrichment now",
                () -> pipeline.queued()).gauge("events"));
        a.add(Attribute.readOnly("OutputErrors", Attribute.Type.LONG,
                "Enrichment or output failures since start (see the log)", () -> pipeline.outputErrors())
                .counter("errors"));
        a.add(Attribute.readOnly("RecordWriteErrors", Attribute.Type.LONG,
                "Record entries that could not be written (unwritable directory, full disk)",
                () -> records.values().stream().mapToLong(RecordWriter::writeErrors).sum()).counter("entries"));
        a.add(Attribute.readOnly("NotificationsDropped", Attribute.Type.LONG,
                "Deliveries (one notification to one listener) the daemon's notifier queue had no room for; the "
                        + "clients that missed them are in NotificationsLost", () -> notifier.dropped())
                .counter("notifications"));
        a.add(Attribute.readOnly("NotificationsLost", Attribute.Type.LONG,
                "Notifications a subscribed client did not get, all tracers, once per client (see each tracer's "
                        + "NotificationsLost)", () -> beans.values().stream().mapToLong(TracerBean::notificationsLost).sum())
                .counter("notifications"));
        a.add(Attribute.readOnly("AuthenticationFailures", Attribute.Type.LONG,
                "Wrong user names or passwords on any endpoint since start (each is logged with its address)",
                logins::failures).counter("logins"));
        a.add(Attribute.readOnly("AuthenticationsRefused", Attribute.Type.LONG,
                "Logins refused unchecked because their address had too many failures in a row and must wait",
                logins::refused).counter("logins"));
        a.add(Attribute.counts("HttpRequestsRefused", "Jolokia and Prometheus requests refused since start, by "
                + "reason: a Host header that is not this endpoint's (DNS rebinding), a CORS preflight from a "
                + "foreign origin, a body over maxRequestBytes, a bulk request over jolokia.maxBulkRequests, JSON "
                + "nested too deep, a fraction written to a whole-number attribute",
                HttpGuardSettings.REFUSAL_REASONS, HttpGuardSettings::refusals).counter("requests"));
        return a;
    }

    private String states() {
        StringBuilder sb = new StringBuilder();
        tracers.values().forEach(t -> sb.append(sb.length() == 0 ? "" : ", ").append(t.name()).append('=')
                .append(t.state()));
        return sb.toString();
    }

    private static void closeGuarded(String what, AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            LOG.warn("{}: close failed; closing the rest", what, e);
        }
    }

    public static String version() {
        String v = HuatuoService.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    public Tracer tracer(String name) {
        return tracers.get(name);
    }

    /** The ring poller, for tests that make it fail. */
    RingPoller poller() {
        return poller;
    }

    /** The JMX remote address, or null when JMX remote is off. */
    public JMXServiceURL jmxUrl() {
        return jmxRemote == null ? null : jmxRemote.url();
    }

    /** The Jolokia base URL ({@code http://host:port/jolokia/}), or null when Jolokia is off. */
    public String jolokiaUrl() {
        return jolokia == null ? null : jolokia.url();
    }

    /** The Prometheus scrape URL ({@code http://host:port/metrics}), or null when the exporter is off. */
    public String prometheusUrl() {
        return prometheus == null ? null : prometheus.url();
    }

    public Path recordFile(String tracer) {
        return config.dataDir().resolve("record").resolve(tracer);
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        // Each step is guarded: a part that fails to close is logged, and the rest still closes
        // (above all the tracers, whose BPF programs must not stay attached).
        for (Map.Entry<String, AutoCloseable> e : endpoints) {
            closeGuarded(e.getKey(), e.getValue());
        }
        if (windows != null) {
            windows.shutdownNow();
            try { // a sample in progress reads the tracers' maps, which are closed below
                windows.awaitTermination(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        closeGuarded("kernel cost meter", kernelCost); // its statistics window ends before the programs go
        closeGuarded("ring poller", poller); // stop draining before the rings' objects go away
        for (Tracer t : tracers.values()) {
            closeGuarded(t.name(), t);
        }
        closeGuarded("event pipeline", pipeline);
        for (ObjectName n : registered) {
            try {
                mbeans.unregisterMBean(n);
            } catch (JMException | RuntimeException e) {
                LOG.debug("unregister {} failed", n, e);
            }
        }
        records.forEach((tracer, w) -> closeGuarded("record file of " + tracer, w));
        closeGuarded("reverse DNS", dns);
        closeGuarded("notifier", notifier);
        LOG.info("huatuo-jmx stopped");
    }
}
