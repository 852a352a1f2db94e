package io.huatuo.jmx.tracer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.huatuo.jmx.testing.Kernel;
import io.huatuo.jmx.testing.NetnsPair;
import io.huatuo.jmx.testing.TestDaemon;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.BlockingQueue;
import java.util.regex.Pattern;
import javax.management.Notification;
import javax.management.openmbean.CompositeData;
import org.junit.jupiter.api.Test;

/**
 * A real drop's kernel stack as every client sees it: by default with symbols but zeroed addresses
 * (in the notification, LastEvent over JMX and Jolokia, and the record file, which is root-only);
 * with {@code stackAddresses: shown}, the real addresses.
 */
class StackAddressesIT {
    private static final Pattern KERNEL_ADDRESS = Pattern.compile("ffff[0-9a-f]{12}");
    private static final Pattern HIDDEN_FRAME = Pattern.compile("[\\w.$?]+/0{16} \\[[\\w-]+\\]");
    private static final String TRACERS = "  dropwatch:\n    maxEventsPerSecond: 100000\n";

    private static CompositeData provokeDrop(TestDaemon daemon, NetnsPair net) throws Exception {
        BlockingQueue<Notification> q = daemon.subscribe("dropwatch");
        net.run(net.a, "nc", "-z", "-w1", net.addrB, "9");
        return TestDaemon.await(q, 5000, cd -> net.addrB.equals(cd.get("daddr")) && Integer.valueOf(9).equals(cd.get("dport")));
    }

    private static String recordText(TestDaemon daemon, String daddr) throws Exception {
        Path file = daemon.service.recordFile("dropwatch");
        long end = System.currentTimeMillis() + 5000;
        while (System.currentTimeMillis() < end) {
            if (Files.exists(file) && Files.readString(file).contains(daddr)) {
                return Files.readString(file);
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no record of the drop to " + daddr + " in " + file);
    }

    @Test
    void byDefaultEveryClientSeesSymbolsWithoutAddresses() throws Exception {
        Kernel.assumeRootAndBpf();
        try (TestDaemon daemon = TestDaemon.start(TRACERS); NetnsPair net = new NetnsPair()) {
            CompositeData e = provokeDrop(daemon, net);
            String stack = (String) e.get("stack");
            System.out.println("hidden stack:\n" + stack);
            assertFalse(stack.isEmpty());
            for (String frame : stack.split("\n")) {
                assertTrue(HIDDEN_FRAME.matcher(frame).matches(), "frame without its address: " + frame);
            }
            assertTrue(stack.contains("tcp_v4_rcv") || stack.contains("kfree_skb"), "symbols kept:\n" + stack);
            CompositeData last = (CompositeData) daemon.attribute("dropwatch", "LastEvent");
            assertFalse(KERNEL_ADDRESS.matcher(String.valueOf(last.get("stack"))).find(), "LastEvent");
            String jolokia = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                    daemon.service.jolokiaUrl() + "read/huatuo:type=Tracer,name=dropwatch/LastEvent")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertTrue(jolokia.contains("/0000000000000000 ["), jolokia);
            assertFalse(KERNEL_ADDRESS.matcher(jolokia).find(), "Jolokia: " + jolokia);
            String record = recordText(daemon, net.addrB);
            assertFalse(KERNEL_ADDRESS.matcher(record).find(), "record file");
            Path file = daemon.service.recordFile("dropwatch");
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())));
        }
    }

    @Test
    void shownForTrustedConsumersKeepsTheRealAddresses() throws Exception {
        Kernel.assumeRootAndBpf();
        try (TestDaemon daemon = TestDaemon.startWith("stackAddresses: shown\n", TRACERS);
                NetnsPair net = new NetnsPair()) {
            String stack = (String) provokeDrop(daemon, net).get("stack");
            String first = stack.split("\n")[0];
            String symbol = first.substring(0, first.indexOf('/'));
            String address = first.substring(first.indexOf('/') + 1, first.indexOf(' '));
            assertTrue(KERNEL_ADDRESS.matcher(address).matches(), first);
            String kallsyms = Files.readString(Path.of("/proc/kallsyms"));
            assertTrue(kallsyms.contains(address + " T " + symbol) || kallsyms.contains(address + " t " + symbol),
                    "the symbol's real start address: " + first);
            assertTrue(recordText(daemon, net.addrB).contains(address), "record file");
        }
    }
}
