package io.huatuo.jmx.tracer;

import io.huatuo.jmx.event.Event;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * A decoded event waiting for enrichment: the builder with every field the kernel gave, plus what
 * the enrichment stage (off the poller thread) must still fill in. Not thread-safe; handed over
 * from the poller to the enrichment thread once.
 */
public final class PendingEvent {
    /** A reverse DNS lookup whose result goes into a string field. */
    public record DnsRequest(String field, String address) {
    }

    /**
     * Container fields of a process other than the envelope's: {@code <prefix>container_id} and
     * {@code <prefix>container_hostname}, from the cgroup path the kernel captured (the process may
     * be gone by then) or, with an empty path, from the live pid.
     */
    public record ContainerRequest(String prefix, int pid, String cgroupPath) {
    }

    private final Tracer tracer;
    private final Event.Builder builder;
    private int containerPid = -1;
    private String containerPath = "";
    private final List<ContainerRequest> containerRequests = new ArrayList<>(2);
    private Consumer<Event> whenComplete;
    private long[] stack;
    private String stackField;
    private final List<DnsRequest> dns = new ArrayList<>(2);
    private Deferred deferred;

    /** Symbolizes kernel stacks (innermost first) into the same text as {@link #stack}. */
    @FunctionalInterface
    public interface StackSymbols {
        String stack(long[] ips);
    }

    /**
     * Work too slow for the poller thread (e.g. running a task iterator and symbolizing many stacks).
     * Runs on the enrichment thread before the outputs; a RuntimeException counts the event as lost.
     */
    @FunctionalInterface
    public interface Deferred {
        void complete(Event.Builder builder, StackSymbols symbols);
    }

    public PendingEvent(Tracer tracer, Event.Builder builder) {
        this.tracer = tracer;
        this.builder = builder;
    }

    public Tracer tracer() {
        return tracer;
    }

    public Event.Builder builder() {
        return builder;
    }

    /** The process whose container goes into the envelope; -1 for none. */
    public PendingEvent containerOf(int pid) {
        this.containerPid = pid;
        return this;
    }

    /**
     * The process whose container goes into the envelope, with the cgroup path the kernel captured
     * for it: the path decides the container, so a process that exited meanwhile is still attributed.
     */
    public PendingEvent containerOf(int pid, String cgroupPath) {
        this.containerPid = pid;
        this.containerPath = cgroupPath == null ? "" : cgroupPath;
        return this;
    }

    public int containerPid() {
        return containerPid;
    }

    /** The envelope process's captured cgroup path, "" to look the pid up. */
    public String containerPath() {
        return containerPath;
    }

    /** Also fills {@code <prefix>container_id} and {@code <prefix>container_hostname}; see {@link ContainerRequest}. */
    public PendingEvent containerFields(String prefix, int pid, String cgroupPath) {
        containerRequests.add(new ContainerRequest(prefix, pid, cgroupPath == null ? "" : cgroupPath));
        return this;
    }

    public List<ContainerRequest> containerRequests() {
        return containerRequests;
    }

    /**
     * Runs on the enrichment thread once the event is complete, before any output sees it (so a
     * tracer's counters that depend on enrichment are up to date when a client is notified).
     */
    public PendingEvent whenComplete(Consumer<Event> action) {
        this.whenComplete = action;
        return this;
    }

    public Consumer<Event> whenComplete() {
        return whenComplete;
    }

    /** Kernel instruction pointers, innermost first, to symbolize into {@code field}. */
    public PendingEvent stack(String field, long[] ips) {
        this.stackField = field;
        this.stack = ips;
        return this;
    }

    public long[] stackIps() {
        return stack;
    }

    public String stackField() {
        return stackField;
    }

    /** Sets work to run off the poller, on the enrichment thread. */
    public PendingEvent later(Deferred work) {
        this.deferred = work;
        return this;
    }

    public Deferred deferred() {
        return deferred;
    }

    public PendingEvent resolve(String field, String address) {
        dns.add(new DnsRequest(field, address));
        return this;
    }

    public List<DnsRequest> dnsRequests() {
        return dns;
    }
}
