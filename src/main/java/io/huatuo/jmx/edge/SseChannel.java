package io.huatuo.jmx.edge;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.function.Consumer;
import org.jolokia.server.core.http.BackChannel;

/**
 * Jolokia's server-sent-events stream to one client, made safe for everyone else. Jolokia's SSE
 * backend writes each notification to the HTTP response inside the JMX listener, under a lock shared
 * by all streams: a client that stops reading (a full TCP window) would stall the daemon's notifier
 * thread and every other stream. Here the backend only appends finished messages (one per flush) to a
 * bounded buffer; this stream's own thread writes them out. When a client falls {@link #MAX_BUFFERED}
 * bytes behind, its connection is cut (interrupting the blocked write closes the socket) and every
 * notification message it did not get, then and until it reopens the stream or is unregistered, is
 * handed to {@code lost}: a cut stream still looks open to the backend, so that each one is seen. A
 * client that closes the connection itself is simply gone (nothing is counted for it).
 * Thread-safe.
 */
final class SseChannel implements BackChannel {
    /** How far a client may fall behind: some hundred notifications. */
    static final int MAX_BUFFERED = 256 * 1024;
    private static final byte[] ID_FIELD = "id: ".getBytes(java.nio.charset.StandardCharsets.UTF_8);

    private final BackChannel http;
    private final Consumer<byte[]> lost;
    private final ArrayDeque<byte[]> queue = new ArrayDeque<>(); // guarded by this, like the fields below
    private int buffered;
    private boolean cut;
    private long cutAt;
    private boolean gone;
    private boolean closed;
    private Thread writer;

    /**
     * @param http the response Jolokia opened for the stream
     * @param lost called with each notification message the client did not get (on the sender's thread)
     */
    SseChannel(BackChannel http, Consumer<byte[]> lost) {
        this.http = http;
        this.lost = lost;
    }

    @Override
    public void open(Map<String, ?> params) throws IOException {
        http.open(params);
        synchronized (this) {
            writer = new Thread(this::writeOut, "huatuo-jolokia-sse");
            writer.setDaemon(true);
            writer.start();
        }
    }

    /** @return nanoTime when the client was cut off for falling behind, or -1 when it was not */
    synchronized long cutAt() {
        return cut ? cutAt : -1;
    }

    /** Closed by Jolokia or by the client; a cut stream still looks open, so that every lost message is seen. */
    @Override
    public synchronized boolean isClosed() {
        return closed || gone;
    }

    @Override
    public void close() {
        Thread w;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            w = writer;
            notifyAll();
        }
        if (w == null) {
            http.close();
        }
        // else the writer thread closes the response once it has stopped
    }

    @Override
    public OutputStream getOutputStream() {
        return new OutputStream() {
            private final ByteArrayOutputStream message = new ByteArrayOutputStream();

            @Override
            public void write(int b) {
                message.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                message.write(b, off, len);
            }

            @Override
            public void flush() {
                if (message.size() > 0) {
                    enqueue(message.toByteArray());
                    message.reset();
                }
            }
        };
    }

    private void enqueue(byte[] m) {
        java.util.List<byte[]> dropped = new java.util.ArrayList<>();
        synchronized (this) {
            if (closed || gone) {
                return;
            }
            if (!cut && buffered + m.length > MAX_BUFFERED) {
                cut = true; // too far behind: cut the client off, everything it did not get is lost
                cutAt = System.nanoTime();
                dropped.addAll(queue);
                queue.clear();
                buffered = 0;
                if (writer != null) {
                    writer.interrupt(); // a write blocked on the socket ends, and the socket is closed
                }
            }
            if (cut) {
                dropped.add(m);
            } else {
                queue.add(m);
                buffered += m.length;
                notifyAll();
            }
        }
        for (byte[] d : dropped) {
            if (isNotification(d)) {
                lost.accept(d);
            }
        }
    }

    /** Notification messages start with their id; heartbeats do not. */
    static boolean isNotification(byte[] m) {
        return java.util.Arrays.equals(m, 0, Math.min(m.length, ID_FIELD.length), ID_FIELD, 0, ID_FIELD.length);
    }

    /** This stream's thread: writes messages out until the stream is closed or cut. */
    private void writeOut() {
        try {
            OutputStream out = http.getOutputStream();
            while (true) {
                byte[] m;
                synchronized (this) {
                    while (queue.isEmpty() && !closed && !cut) {
                        wait();
                    }
                    if (closed || cut) {
                        break;
                    }
                    m = queue.poll();
                    buffered -= m.length;
                }
                out.write(m);
                out.flush();
            }
        } catch (IOException | InterruptedException e) {
            // the client went away, or was cut off (interrupted)
        } finally {
            Thread.interrupted(); // the response's close below must not be interrupted again
            synchronized (this) {
                gone = !cut && !closed;
                queue.clear();
                buffered = 0;
            }
            http.close();
        }
    }
}
