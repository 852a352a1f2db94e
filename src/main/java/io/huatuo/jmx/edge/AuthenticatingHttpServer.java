package io.huatuo.jmx.edge;

import com.sun.net.httpserver.Authenticator;
import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.Executor;

/**
 * An HttpServer that puts one authenticator and one request guard on every context created on it, so
 * that a library serving from it (Jolokia) cannot leave a path unauthenticated or unchecked, whatever
 * its own configuration does.
 */
final class AuthenticatingHttpServer extends HttpServer {
    private final HttpServer delegate;
    private final Authenticator authenticator;
    private final Filter requestGuard;

    /**
     * @param authenticator null = no authentication
     * @param requestGuard  runs before every handler (and, on JDK 17, before authentication), null = none
     */
    AuthenticatingHttpServer(HttpServer delegate, Authenticator authenticator, Filter requestGuard) {
        this.delegate = delegate;
        this.authenticator = authenticator;
        this.requestGuard = requestGuard;
    }

    private HttpContext guard(HttpContext c) {
        if (authenticator != null) {
            c.setAuthenticator(authenticator);
        }
        if (requestGuard != null) {
            c.getFilters().add(requestGuard);
        }
        return c;
    }

    @Override
    public HttpContext createContext(String path, HttpHandler handler) {
        return guard(delegate.createContext(path, handler));
    }

    @Override
    public HttpContext createContext(String path) {
        return guard(delegate.createContext(path));
    }

    @Override
    public void bind(InetSocketAddress addr, int backlog) throws IOException {
        delegate.bind(addr, backlog);
    }

    @Override
    public void start() {
        delegate.start();
    }

    @Override
    public void setExecutor(Executor executor) {
        delegate.setExecutor(executor);
    }

    @Override
    public Executor getExecutor() {
        return delegate.getExecutor();
    }

    @Override
    public void stop(int delay) {
        delegate.stop(delay);
    }

    @Override
    public void removeContext(String path) {
        delegate.removeContext(path);
    }

    @Override
    public void removeContext(HttpContext context) {
        delegate.removeContext(context);
    }

    @Override
    public InetSocketAddress getAddress() {
        return delegate.getAddress();
    }
}
