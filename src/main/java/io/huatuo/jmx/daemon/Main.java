package io.huatuo.jmx.daemon;

import io.huatuo.jmx.config.ConfigException;
import java.util.concurrent.CountDownLatch;

/** Foreground run: {@code java -jar huatuo-jmx.jar [--config FILE] [--quiet]}. Exit 2 on bad usage or config. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) throws InterruptedException {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("huatuo-jmx: " + e.getMessage());
            System.err.print(Options.USAGE);
            System.exit(2);
            return;
        }
        if (options.help()) {
            System.out.print(Options.USAGE);
            return;
        }
        HuatuoService service;
        try {
            service = new HuatuoService(options.loadConfig(), options.quiet() ? null : System.out);
            service.start();
        } catch (ConfigException | IllegalArgumentException e) {
            System.err.println("huatuo-jmx: " + e.getMessage());
            System.exit(2);
            return;
        } catch (Exception e) {
            System.err.println("huatuo-jmx: start failed: " + e);
            e.printStackTrace();
            System.exit(1);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            service.close();
            stopped.countDown();
        }, "huatuo-shutdown"));
        System.err.println("huatuo-jmx running" + (service.jmxUrl() == null ? "" : ", JMX at " + service.jmxUrl())
                + "; Ctrl-C stops it");
        stopped.await();
    }
}
