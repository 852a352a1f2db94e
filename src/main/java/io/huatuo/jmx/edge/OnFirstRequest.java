package io.huatuo.jmx.edge;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A handler made when its endpoint gets its first request, so that a library's classes and objects
 * (a few MB of a daemon that idles at about 64) are only in memory on hosts whose monitoring uses
 * that endpoint. Made once, by whichever request comes first; the others wait for it. If making it
 * fails, every request gets a 500 and the cause is logged once (clients are not told it, as Jolokia's
 * errors carry no stack trace): nothing a client sends can make it try again.
 */
final class OnFirstRequest implements HttpHandler {
    private static final Logger LOG = LoggerFactory.getLogger(OnFirstRequest.class);

    private final String endpoint;
    private final Callable<HttpHandler> factory;
    private volatile HttpHandler handler;
    private volatile boolean failed;

    /** @param endpoint named in the log and the error, e.g. {@code prometheus} */
    OnFirstRequest(String endpoint, Callable<HttpHandler> factory) {
        this.endpoint = endpoint;
        this.factory = factory;
    }

    /** Whether the handler has been made (tests). */
    boolean isMade() {
        return handler != null;
    }

    @Override
    public void handle(HttpExchange ex) throws IOException {
        HttpHandler h = handler == null ? make() : handler;
        if (h == null) {
            byte[] b = (endpoint + ": could not start; the daemon's log says why\n").getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
            ex.sendResponseHeaders(500, b.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(b);
            }
            ex.close();
            return;
        }
        h.handle(ex);
    }

    private synchronized HttpHandler make() {
        if (handler == null && !failed) {
            try {
                handler = factory.call();
            } catch (Exception | Error e) {
                failed = true;
                LOG.error("{}: could not start: {}", endpoint, e, e);
            }
        }
        return handler;
    }
}
