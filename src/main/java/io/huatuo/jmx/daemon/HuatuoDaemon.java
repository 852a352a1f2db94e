package io.huatuo.jmx.daemon;

import io.huatuo.jmx.config.HuatuoConfig;
import org.apache.commons.daemon.Daemon;
import org.apache.commons.daemon.DaemonContext;
import org.apache.commons.daemon.DaemonInitException;

/**
 * jsvc entry point: the same lifecycle as the foreground run. jsvc must run it as root (no
 * {@code -user}): jsvc drops capabilities before {@link #init}, and BPF needs them.
 */
public final class HuatuoDaemon implements Daemon {
    private HuatuoConfig config;
    private HuatuoService service;

    @Override
    public void init(DaemonContext context) throws DaemonInitException {
        try {
            config = Options.parse(context.getArguments()).loadConfig();
        } catch (RuntimeException e) {
            throw new DaemonInitException("huatuo-jmx: " + e.getMessage());
        }
    }

    @Override
    public void start() throws Exception {
        service = new HuatuoService(config, config.console() ? System.out : null);
        service.start();
    }

    @Override
    public void stop() {
        if (service != null) {
            service.close();
            service = null;
        }
    }

    @Override
    public void destroy() {
        stop();
    }
}
