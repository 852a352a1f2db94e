package io.huatuo.jmx.tracer.link;

import io.huatuo.jmx.kernel.Netlink;
import io.huatuo.jmx.tracer.BadInput;
import io.huatuo.jmx.tracer.SourceTracer;
import java.nio.ByteBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A thread that reads rtnetlink link messages (RTMGRP_LINK) for a tracer: asks for a link dump
 * first (sequence number {@link #START_DUMP_SEQ}), then parses every batch into the listener. An
 * overrun (the kernel dropped messages) triggers a new dump, so differences still show up.
 * Bad input is counted, never thrown; close stops the thread.
 */
public final class LinkWatcher implements AutoCloseable {
    public static final int START_DUMP_SEQ = 1;
    private static final Logger LOG = LoggerFactory.getLogger(LinkWatcher.class);

    /** Receives the parsed messages on the watcher's thread. */
    public interface Listener extends RtnetlinkParser.Handler {
        /** The kernel dropped messages; a new dump has been requested. */
        default void overrun() {
        }

        /** The socket failed for good; the thread ends. */
        default void failed(String message) {
        }
    }

    private final String tracer;
    private final Netlink socket;
    private final RtnetlinkParser parser;
    private final BadInput bad;
    private final Listener listener;
    private final Thread thread;
    private int seq = START_DUMP_SEQ;

    private LinkWatcher(String tracer, Netlink socket, BadInput bad, Listener listener) {
        this.tracer = tracer;
        this.socket = socket;
        this.bad = bad;
        this.parser = new RtnetlinkParser(bad);
        this.listener = listener;
        this.thread = new Thread(this::run, "huatuo-" + tracer);
        this.thread.setDaemon(true);
    }

    /** Opens the socket, or says why it cannot be opened here. */
    public static Netlink open() throws SourceTracer.Unavailable {
        try {
            return Netlink.open(Netlink.NETLINK_ROUTE, Netlink.RTMGRP_LINK);
        } catch (Netlink.NetlinkException | LinkageError e) {
            throw new SourceTracer.Unavailable("rtnetlink socket: " + e.getMessage());
        }
    }

    /** Requests the start dump on {@code socket} (already bound: nothing falls between) and starts reading. */
    public static LinkWatcher start(String tracer, Netlink socket, BadInput bad, Listener listener)
            throws Netlink.NetlinkException {
        socket.requestLinkDump(START_DUMP_SEQ);
        LinkWatcher w = new LinkWatcher(tracer, socket, bad, listener);
        w.thread.start();
        return w;
    }

    private void run() {
        ByteBuffer buf = Netlink.buffer(256 * 1024);
        while (true) {
            try {
                if (socket.receive(buf, -1) < 0) {
                    return; // closed
                }
                parser.parseDatagrams(buf, listener);
            } catch (Netlink.NetlinkException e) {
                if (e.errno() != Netlink.ENOBUFS) {
                    LOG.error("{}: netlink receive failed, link messages stop: {}", tracer, e.getMessage());
                    listener.failed("netlink receive failed: " + e.getMessage());
                    return;
                }
                LOG.warn("{}: netlink overrun, the kernel dropped link messages; re-reading every link", tracer);
                listener.overrun();
                try {
                    socket.requestLinkDump(++seq);
                } catch (Netlink.NetlinkException again) {
                    LOG.warn("{}: link dump after an overrun failed: {}", tracer, again.getMessage());
                }
            } catch (RuntimeException e) {
                bad.count("unexpected", e.toString()); // one bad message must not stop the tracer
            }
        }
    }

    @Override
    public void close() {
        socket.close();
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
