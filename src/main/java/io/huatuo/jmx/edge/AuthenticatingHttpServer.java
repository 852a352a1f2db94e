package io.huatuo.jmx.edge;

import com.sun.net.httpserver.Authenticator;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.Executor;

/**
 * An HttpServer that puts one authenticator on every context created on it, so that a library
 * serving from it (Jolokia) cannot leave a path unauthenticated, whatever its own configuration does.
 */
final class AuthenticatingHttpServer extends HttpServer {
    private final HttpServer delegate;
    private final Authenticator authenticator;

    /** @param authenticator null = contexts as created */
    AuthenticatingHttpServer(HttpServer delegate, Authenticator authenticator) {
        this.delegate = delegate;
        this.authenticator = authenticator;
    }

    private HttpContext guard(HttpContext c) {
        if (authenticator != null) {
            c.setAuthenticator(authenticator);
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
