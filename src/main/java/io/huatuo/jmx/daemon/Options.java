package io.huatuo.jmx.daemon;

import io.huatuo.jmx.config.HuatuoConfig;
import io.huatuo.jmx.registry.TracerRegistry;
import java.nio.file.Path;

/** Command-line options, shared by the foreground run and jsvc (whose arguments follow the class name). */
record Options(Path configFile, boolean quiet, boolean help) {
    static final String USAGE = """
            usage: java -jar huatuo-jmx.jar [--config FILE] [--quiet] [--help]

            Runs the huatuo-jmx daemon in the foreground (as root: BPF needs it), printing each event
            as one line. Stop it with Ctrl-C or SIGTERM; it detaches every probe before it exits.

              --config FILE   YAML configuration (see huatuo-jmx.yaml in the jar for every key and
                              its default); without it the built-in defaults are used
              --quiet         do not print events, as the service runs (JMX, Jolokia, Prometheus
                              and the record files still get every one)
              --help          this text

            JMX: service:jmx:rmi:///jndi/rmi://127.0.0.1:9875/jmxrmi by default (jmx.host, jmx.port).
            """;

    static Options parse(String[] args) {
        Path config = null;
        boolean quiet = false;
        boolean help = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--config", "-c" -> {
                    if (i + 1 >= args.length) {
                        throw new IllegalArgumentException("--config needs a file name");
                    }
                    config = Path.of(args[++i]);
                }
                case "--quiet", "-q" -> quiet = true;
                case "--help", "-h" -> help = true;
                default -> throw new IllegalArgumentException("unknown option '" + args[i] + "'");
            }
        }
        return new Options(config, quiet, help);
    }

    HuatuoConfig loadConfig() {
        return configFile == null ? HuatuoConfig.defaults(TracerRegistry.ALL)
                : HuatuoConfig.load(configFile, TracerRegistry.ALL);
    }
}
