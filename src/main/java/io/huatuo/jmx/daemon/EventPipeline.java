package io.huatuo.jmx.daemon;

import io.huatuo.jmx.enrich.ContainerInfo;
import io.huatuo.jmx.enrich.ContainerResolver;
import io.huatuo.jmx.enrich.KallsymsSymbolizer;
import io.huatuo.jmx.enrich.KernelAddresses;
import io.huatuo.jmx.enrich.ReverseDns;
import io.huatuo.jmx.event.Container;
import io.huatuo.jmx.event.Event;
import io.huatuo.jmx.tracer.EventSink;
import io.huatuo.jmx.tracer.PendingEvent;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Enrichment off the poller thread: symbolizes stacks, finds the container of the pid, resolves
 * addresses (bounded wait), completes the envelope, then hands the event to every output (JMX bean,
 * record file, console). One worker thread keeps events of a tracer in order; a full queue makes
 * {@link #offer} return false so the tracer counts the event as lost. A failing output is counted
 * and logged and never stops the others.
 *
 * <p>The worker takes what is queued in batches and runs {@code afterBatch} (flushing the record
 * files and the console) once per batch: under load one wakeup and one write per batch instead of
 * per event, while a lone event is still written as soon as it is published.
 */
final class EventPipeline implements EventSink, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EventPipeline.class);
    /** Events per batch: bounds what the record and console buffers hold between flushes. */
    private static final int BATCH = 256;
    /** How often an idle worker checks whether the kallsyms table can be dropped. */
    private static final int RELEASE_CHECK_SECONDS = 10;
    /** Queued by {@link #close} behind the last event. */
    private static final PendingEvent STOP = new PendingEvent(null, null);

    private final String hostname;
    private final String region;
    private final ZoneId zone = ZoneId.systemDefault();
    private final KallsymsSymbolizer symbolizer;
    private final ContainerResolver containers;
    private final ReverseDns dns;
    private final long dnsWaitMillis;
    private final List<Consumer<Event>> outputs;
    private final Runnable afterBatch;
    private final boolean hideKernelAddresses;
    private final BlockingQueue<PendingEvent> queue;
    private final Thread worker;
    private volatile boolean closing;
    private final AtomicLong handled = new AtomicLong();
    private final AtomicLong outputErrors = new AtomicLong();

    EventPipeline(String hostname, String region, KallsymsSymbolizer symbolizer, ContainerResolver containers,
            ReverseDns dns, long dnsWaitMillis, List<Consumer<Event>> outputs, Runnable afterBatch,
            int queueCapacity, boolean hideKernelAddresses) {
        this.hideKernelAddresses = hideKernelAddresses;
        this.hostname = hostname;
        this.region = region;
        this.symbolizer = symbolizer;
        this.containers = containers;
        this.dns = dns;
        this.dnsWaitMillis = dnsWaitMillis;
        this.outputs = List.copyOf(outputs);
        this.afterBatch = afterBatch;
        this.queue = new ArrayBlockingQueue<>(queueCapacity);
        this.worker = new Thread(this::run, "huatuo-enrich");
        worker.setDaemon(true);
    }

    /**
     * Starts the worker. The kallsyms table is read at the first stack, not now: an idle daemon does not
     * hold it (2.3 MB), and the worker drops it again once stacks stop coming. Only whether kallsyms shows
     * addresses is checked now, so that an operator sees at start that stacks will be raw.
     */
    void start() {
        symbolizer.checkAddressesShown().ifPresent(why -> LOG.warn("kernel stacks will show raw addresses: {}", why));
        worker.start();
    }

    @Override
    public boolean offer(PendingEvent p) {
        return !closing && queue.offer(p);
    }

    private void run() {
        List<PendingEvent> batch = new ArrayList<>(BATCH);
        boolean stop = false;
        while (!stop) {
            PendingEvent first;
            try {
                first = queue.poll(RELEASE_CHECK_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                return; // close() gave up waiting
            }
            releaseUnusedSymbols();
            if (first == null) {
                continue;
            }
            batch.add(first);
            queue.drainTo(batch, BATCH - 1);
            for (PendingEvent p : batch) {
                if (p == STOP) {
                    stop = true;
                } else {
                    process(p);
                }
            }
            batch.clear();
            try {
                afterBatch.run();
            } catch (RuntimeException e) {
                outputErrors.incrementAndGet();
                LOG.warn("flushing the outputs failed", e);
            }
        }
    }

    /**
     * The kallsyms table is most of what the heap holds beyond start-up; once no stack needed it for a
     * while it is dropped, and one full collection (as after start-up) lets the heap give it back.
     */
    private void releaseUnusedSymbols() {
        if (symbolizer.releaseIfUnused()) {
            System.gc();
        }
    }

    private void process(PendingEvent p) {
        Event event;
        try {
            event = complete(p);
        } catch (RuntimeException e) {
            p.tracer().countLostInDaemon();
            outputErrors.incrementAndGet();
            LOG.warn("{}: enrichment failed", p.tracer().name(), e);
            return;
        }
        // Counted before the outputs run, so a client woken by the notification sees the new count.
        if (p.whenComplete() != null) {
            try {
                p.whenComplete().accept(event);
            } catch (RuntimeException e) {
                outputErrors.incrementAndGet();
                LOG.warn("{}: completion step failed", p.tracer().name(), e);
            }
        }
        handled.incrementAndGet();
        p.tracer().countPublished();
        for (Consumer<Event> out : outputs) {
            try {
                out.accept(event);
            } catch (RuntimeException e) {
                if (outputErrors.incrementAndGet() % 1000 == 1) {
                    LOG.warn("{}: an output failed ({} output errors so far)", event.tracer(), outputErrors.get(), e);
                }
            }
        }
    }

    private Event complete(PendingEvent p) {
        Event.Builder b = p.builder().hostname(hostname).region(region).zone(zone);
        if (p.deferred() != null) {
            p.deferred().complete(b, ips -> symbolizer.stack(ips, ips.length));
        }
        if (p.stackIps() != null) {
            b.set(p.stackField(), symbolizer.stack(p.stackIps(), p.stackIps().length));
        }
        for (PendingEvent.DnsRequest r : p.dnsRequests()) {
            b.set(r.field(), dns == null || r.address().isEmpty() ? "" : dns.lookup(r.address(), dnsWaitMillis));
        }
        if (p.containerPid() > 0 || !p.containerPath().isEmpty()) {
            Optional<ContainerInfo> c = containers.resolve(p.containerPid(), p.containerPath());
            c.ifPresent(ci -> b.container(new Container(ci.id(), ci.hostname(), ci.hostNamespace(), ci.type(),
                    ci.level())));
        }
        for (PendingEvent.ContainerRequest r : p.containerRequests()) {
            Optional<ContainerInfo> c = containers.resolve(r.pid(), r.cgroupPath());
            b.set(r.prefix() + "container_id", c.map(ContainerInfo::id).orElse(""));
            b.set(r.prefix() + "container_hostname", c.map(ContainerInfo::hostname).orElse(""));
        }
        if (hideKernelAddresses) {
            b.mapStrings(KernelAddresses::hide); // before any output: LastEvent, notifications, records, console
        }
        return b.uploaded(Instant.now()).build();
    }

    long handled() {
        return handled.get();
    }

    long outputErrors() {
        return outputErrors.get();
    }

    int queued() {
        return queue.size();
    }

    /** Finishes what is queued (bounded wait), then stops the worker. */
    @Override
    public void close() {
        closing = true;
        if (!worker.isAlive()) {
            return;
        }
        try {
            if (!queue.offer(STOP, 5, TimeUnit.SECONDS)) {
                worker.interrupt();
            }
            worker.join(5000);
            if (worker.isAlive()) {
                worker.interrupt();
            }
        } catch (InterruptedException e) {
            worker.interrupt();
            Thread.currentThread().interrupt();
        }
    }
}
