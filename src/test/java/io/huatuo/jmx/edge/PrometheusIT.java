package io.huatuo.jmx.edge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.huatuo.jmx.testing.Kernel;
import io.huatuo.jmx.testing.NetnsPair;
import io.huatuo.jmx.testing.Provoke;
import io.huatuo.jmx.testing.Shell;
import io.huatuo.jmx.testing.TestDaemon;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import javax.management.MBeanAttributeInfo;
import javax.management.ObjectName;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Prometheus endpoint as a Prometheus user sees it, after real events on the tracers that can
 * be provoked here (dropwatch, netrecvlat, oom, memreclaim, softirq, netdev; softlockup would taint
 * the kernel, hungtask and lacp add no metric names): Prometheus's own linter ({@code promtool
 * check metrics}, Debian package prometheus) finds nothing, every numeric attribute of every tracer
 * MBean comes out under the family its JMX metricType and the naming conventions say, and the
 * README's contract table lists every family.
 */
class PrometheusIT {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String FLAP = "hjflap" + ProcessHandle.current().pid() % 1000;
    /** Numbers not exported on purpose (see jmx-exporter-rules.yaml): Prometheus computes windows itself. */
    private static final Set<String> NOT_EXPORTED = Set.of("OccurrencesLastMinute", "OccurrencesLast5Minutes",
            "EventsLastMinute", "EventsLast5Minutes");
    private static TestDaemon daemon;
    private static NetnsPair net;

    @BeforeAll
    static void start() throws Exception {
        Kernel.assumeRootAndBpf();
        if (!Files.isExecutable(Path.of("/usr/bin/promtool"))) {
            String why = "/usr/bin/promtool is missing (scripts/packages.txt lists prometheus)";
            if (Kernel.isCi()) {
                throw new AssertionError(why);
            }
            org.junit.jupiter.api.Assumptions.abort(why);
        }
        daemon = TestDaemon.start(IntegrationsIT.TRACERS + "  netdev:\n    include: [\"" + FLAP + "*\"]\n");
        net = new NetnsPair();
    }

    @AfterAll
    static void stop() throws Exception {
        if (net != null) {
            net.close();
        }
        if (daemon != null) {
            daemon.close();
        }
    }

    private static String scrape() throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(daemon.service.prometheusUrl()))
                .header("Accept", "text/plain").build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        return r.body();
    }

    @Test
    void aScrapeAfterEventsPassesPromtoolAndFollowsTheJmxMetadata() throws Exception {
        daemon.provokeDrop(net);
        Provoke.receiveLatency(daemon, net, 8391);
        Provoke.oomKill(daemon);
        Provoke.linkDown(daemon, FLAP);
        Provoke.reclaimStall(daemon);
        Provoke.softirqOff(daemon);
        String text = scrape();
        Path file = Files.createTempFile("huatuo-scrape", ".prom");
        try {
            Files.writeString(file, text);
            Shell.Result lint = Shell.run("sh", "-c", "promtool check metrics < " + file);
            System.out.println("promtool check metrics on a scrape of " + text.lines().count() + " lines: exit "
                    + lint.exit() + ", output: " + (lint.output().isBlank() ? "(none)" : lint.output()));
            assertEquals(0, lint.exit(), "promtool check metrics:\n" + lint.output());
            assertTrue(lint.output().isBlank(), "no warnings:\n" + lint.output());
        } finally {
            Files.delete(file);
        }

        PromText scrape = PromText.parse(text);
        List<String> wrong = new ArrayList<>();
        for (ObjectName bean : daemon.mbsc.queryNames(new ObjectName("huatuo:type=Tracer,*"), null)) {
            String tracer = bean.getKeyProperty("name");
            for (MBeanAttributeInfo a : daemon.mbsc.getMBeanInfo(bean).getAttributes()) {
                Object metricType = a.getDescriptor().getFieldValue("metricType");
                if (metricType == null || NOT_EXPORTED.contains(a.getName())) {
                    continue;
                }
                String family = family(tracer, a.getName(), (String) metricType);
                if (a.getType().equals("javax.management.openmbean.CompositeData")) {
                    continue; // per-key counts: only keys that counted something, checked below
                }
                if (metricType.equals("counter") && !scrape.families().contains(family)) {
                    family += "_total"; // the text format's TYPE line may name a counter either way
                }
                if (!scrape.families().contains(family)) {
                    wrong.add(tracer + "." + a.getName() + " (" + metricType + "): no family " + family);
                } else if (!scrape.type(family).equals(metricType)) {
                    wrong.add(tracer + "." + a.getName() + ": " + family + " is a " + scrape.type(family)
                            + ", its metricType " + metricType);
                }
            }
        }
        assertEquals(List.of(), wrong, "numeric attributes and their families");

        // shared concepts are one family with a tracer label: sums across tracers work
        assertEquals("counter", scrape.type("huatuo_events_total"));
        for (String t : List.of("dropwatch", "netrecvlat", "oom", "netdev", "memreclaim", "softirq")) {
            assertTrue(scrape.value("huatuo_events_total", Map.of("tracer", t)) >= 1, t + " reported an event");
            assertTrue(scrape.value("huatuo_last_event_timestamp_seconds", Map.of("tracer", t)) > 1.7e9, t);
        }
        assertEquals(1.0, scrape.value("huatuo_tracer_state", Map.of("tracer", "dropwatch", "state", "RUNNING")));
        assertTrue(scrape.value("huatuo_dropwatch_drops_total", Map.of("reason", "NO_SOCKET")) >= 1);
        assertEquals(1.0, scrape.value("huatuo_oom_kills_total", Map.of("victim", "host")), 0.0,
                "the cgroup is not a container: a host kill");
        assertEquals(0.9, scrape.value("huatuo_memreclaim_threshold_seconds", Map.of()), 1e-9);
        String version = (String) daemon.mbsc.getAttribute(new ObjectName("huatuo:type=Daemon"), "Version");
        String kernel = (String) daemon.mbsc.getAttribute(new ObjectName("huatuo:type=Daemon"), "KernelRelease");
        assertEquals(1.0, scrape.value("huatuo_build_info", Map.of("version", version, "kernel", kernel)));
        // reasons that never occurred are not series
        long zeros = text.lines().filter(l -> l.startsWith("huatuo_dropwatch_drops_total{") && l.endsWith(" 0.0")).count();
        assertEquals(0, zeros, "drop reasons at zero exported");
        // no identifiers as values: the fields of LastEvent are not exported
        assertTrue(scrape.names().stream().noneMatch(n -> n.contains("last_event_") && !n.startsWith(
                "huatuo_last_event_timestamp")), scrape.names().toString());

        // the README's contract lists every family the daemon exports
        String readme = Files.readString(Path.of("README.md"));
        Set<String> missing = new TreeSet<>();
        for (String f : scrape.families()) {
            if (f.startsWith("huatuo_") && !readme.contains(f)) {
                missing.add(f);
            }
        }
        assertEquals(Set.of(), missing, "families missing from README.md");
        System.out.println("prometheus: " + scrape.families().size() + " families, "
                + scrape.names().stream().filter(n -> n.startsWith("huatuo_")).count() + " huatuo sample names");
    }

    /**
     * The family an attribute is exported as, by the conventions of jmx-exporter-rules.yaml: what every
     * tracer has is huatuo_<concept>{tracer}; a tracer's own attribute is huatuo_<tracer>_<snake_case
     * name>, ...Count and other counters end in _total, ...Millis become _seconds.
     */
    static String family(String tracer, String attribute, String metricType) {
        String shared = switch (attribute) {
            case "EventCount" -> "huatuo_events";
            case "OccurrenceCount" -> "huatuo_occurrences";
            case "LostEvents" -> "huatuo_lost_events";
            case "MissedProgramRuns" -> "huatuo_bpf_missed_program_runs";
            case "RateLimitedEvents" -> "huatuo_rate_limited_events";
            case "OwnTrafficIgnored" -> "huatuo_own_traffic_ignored";
            case "NotificationsLost" -> "huatuo_notifications_lost";
            case "MaxEventsPerSecond" -> "huatuo_max_events_per_second";
            case "LastEventTime" -> "huatuo_last_event_timestamp_seconds";
            case "KernelCostNanosPerSecond" -> "huatuo_bpf_cpu_ratio";
            case "ProgramRunsPerSecond" -> "huatuo_bpf_program_runs_per_second";
            case "HostOomCount", "ContainerOomCount" -> "huatuo_oom_kills";
            default -> null;
        };
        if (shared != null) {
            return shared;
        }
        String snake = attribute.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(java.util.Locale.ROOT);
        String name = "huatuo_" + tracer + "_" + snake.replaceAll("_count$", "").replaceAll("_millis$", "_seconds");
        return name; // counters: without _total
    }
}
