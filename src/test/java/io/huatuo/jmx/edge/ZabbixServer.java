package io.huatuo.jmx.edge;

import io.huatuo.jmx.testing.Kernel;
import io.huatuo.jmx.testing.Shell;
import io.huatuo.jmx.testing.TestDaemon;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Assumptions;

/**
 * A throwaway Zabbix 6.0 installation from Debian's packages, all under one temporary directory:
 * a PostgreSQL cluster loaded with the package's schema, zabbix_server (pollers, Java pollers, LLD,
 * triggers) with short cache intervals, Debian's zabbix-java-gateway, and the PHP frontend served by
 * {@code php -S} for its JSON-RPC API and for a browser. The frontend reads its configuration from the fixed path
 * /etc/zabbix/zabbix.conf.php (a Debian patch), so php runs in a private mount namespace where our
 * directory is bind-mounted over /etc/zabbix: nothing on the machine is touched. Ports are free ones
 * found at start; every process is ours and stopped by {@link #close()}.
 */
final class ZabbixServer implements AutoCloseable {
    /** The newest PostgreSQL server binaries (Debian 12: 15). */
    private static final String PG = pgBin();
    private static final Path SCHEMA = Path.of("/usr/share/zabbix-server-pgsql");
    private static final Path GATEWAY = Path.of("/usr/sbin/zabbix-java-gateway.jar");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    final Path dir;
    private final List<Process> processes = new ArrayList<>();
    private boolean pgStarted;
    private int pgPort;
    private int serverPort;
    private int gatewayPort;
    private int webPort;
    private String auth;

    private ZabbixServer(Path dir) {
        this.dir = dir;
    }

    private static String pgBin() {
        String[] versions = new java.io.File("/usr/lib/postgresql").list();
        int newest = versions == null ? 15 : java.util.Arrays.stream(versions).filter(v -> v.matches("\\d+"))
                .mapToInt(Integer::parseInt).max().orElse(15);
        return "/usr/lib/postgresql/" + newest + "/bin/";
    }

    /** Skips without the packages, fails under CI=true (CI installs scripts/packages.txt). */
    static void requirePackages() {
        for (Path p : List.of(Path.of("/usr/sbin/zabbix_server"), SCHEMA.resolve("schema.sql.gz"), GATEWAY,
                Path.of("/usr/share/zabbix/api_jsonrpc.php"), Path.of(PG + "initdb"), Path.of("/usr/bin/php"))) {
            if (!Files.exists(p)) {
                String why = p + " is missing (scripts/packages.txt lists zabbix-server-pgsql, zabbix-frontend-php, "
                        + "php-pgsql, php-cli, postgresql, zabbix-java-gateway)";
                if (Kernel.isCi()) {
                    throw new AssertionError("Zabbix server test cannot run (CI=true): " + why);
                }
                Assumptions.abort(why);
            }
        }
        if (Shell.run("php", "-r", "exit(function_exists('pg_connect') ? 0 : 1);").exit() != 0) {
            throw new AssertionError("php has no pgsql extension (php-pgsql)");
        }
    }

    /** Starts everything; on failure stops what was started and throws with the logs. */
    static ZabbixServer start() throws Exception {
        ZabbixServer z = new ZabbixServer(Files.createTempDirectory("huatuo-6z-zabbix"));
        try {
            z.startDatabase();
            z.startGateway();
            z.startServer();
            z.startFrontend();
            z.login();
            return z;
        } catch (Exception | AssertionError e) {
            String logs = z.logs();
            z.close();
            throw new AssertionError("Zabbix did not start: " + e.getMessage() + "\n" + logs, e);
        }
    }

    private void startDatabase() throws Exception {
        // initdb refuses root: the cluster belongs to postgres (the postgresql package's user)
        UserPrincipal postgres = dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("postgres");
        Files.setOwner(dir, postgres);
        pgPort = freePort(54260);
        Shell.check("runuser", "-u", "postgres", "--", PG + "initdb", "-D", dir.resolve("pg").toString(), "-A", "trust",
                "-U", "zabbix", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync");
        Shell.check("runuser", "-u", "postgres", "--", PG + "pg_ctl", "-D", dir.resolve("pg").toString(), "-l",
                dir.resolve("postgres.log").toString(), "-w", "-t", "60", "-o",
                "-p " + pgPort + " -k " + dir + " -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off"
                        + " -c full_page_writes=off", "start");
        pgStarted = true;
        Shell.check(PG + "createdb", "-h", "127.0.0.1", "-p", "" + pgPort, "-U", "zabbix", "zabbix6z");
        // the package's own schema, images and initial data (Admin/zabbix, templates, ...)
        Shell.check("sh", "-c", "zcat " + SCHEMA + "/schema.sql.gz " + SCHEMA + "/images.sql.gz " + SCHEMA
                + "/data.sql.gz | psql -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p " + pgPort + " -U zabbix zabbix6z");
    }

    private void startGateway() throws Exception {
        Files.writeString(dir.resolve("gateway-logback.xml"), """
                <configuration>
                  <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
                    <encoder><pattern>%d %-5level %logger{20} - %msg%n</pattern></encoder>
                  </appender>
                  <root level="info"><appender-ref ref="OUT"/></root>
                </configuration>
                """);
        gatewayPort = freePort(20600); // the gateway accepts 1024..32767 only
        spawn("gateway.log", "java", "-Dzabbix.listenIP=127.0.0.1", "-Dzabbix.listenPort=" + gatewayPort,
                "-Dzabbix.startPollers=2", "-Dzabbix.timeout=5",
                "-Dlogback.configurationFile=" + dir.resolve("gateway-logback.xml"), "-jar", GATEWAY.toString());
        awaitPort(gatewayPort, "gateway.log");
    }

    private void startServer() throws Exception {
        serverPort = freePort(10610);
        Path conf = dir.resolve("zabbix_server.conf");
        Files.writeString(conf, String.join("\n",
                "LogFile=" + dir.resolve("server.log"), "LogFileSize=0", "PidFile=" + dir.resolve("server.pid"),
                "SocketDir=" + dir, "DBHost=127.0.0.1", "DBPort=" + pgPort, "DBName=zabbix6z", "DBUser=zabbix",
                "ListenIP=127.0.0.1", "ListenPort=" + serverPort, "AllowRoot=1",
                // new hosts and items reach the pollers within a second
                "CacheUpdateFrequency=1", "HousekeepingFrequency=0", "Timeout=10",
                "StartPollers=2", "StartPollersUnreachable=1", "StartTrappers=1", "StartPingers=0",
                "StartDiscoverers=0", "StartHTTPPollers=0", "StartTimers=1", "StartEscalators=1", "StartAlerters=1",
                "StartLLDProcessors=1", "StartPreprocessors=2", "StartDBSyncers=2",
                "StartJavaPollers=2", "JavaGateway=127.0.0.1", "JavaGatewayPort=" + gatewayPort, ""));
        spawn("server.out", "/usr/sbin/zabbix_server", "-f", "-c", conf.toString());
        awaitPort(serverPort, "server.log");
    }

    private void startFrontend() throws Exception {
        webPort = freePort(18600);
        Path etc = Files.createDirectories(dir.resolve("etc-zabbix"));
        Files.writeString(etc.resolve("zabbix.conf.php"), """
                <?php
                $DB['TYPE'] = 'POSTGRESQL';
                $DB['SERVER'] = '127.0.0.1';
                $DB['PORT'] = '%d';
                $DB['DATABASE'] = 'zabbix6z';
                $DB['USER'] = 'zabbix';
                $DB['PASSWORD'] = '';
                $DB['SCHEMA'] = '';
                $ZBX_SERVER = '127.0.0.1';
                $ZBX_SERVER_PORT = '%d';
                $ZBX_SERVER_NAME = 'huatuo-jmx 6z';
                $IMAGE_FORMAT_DEFAULT = IMAGE_FORMAT_PNG;
                """.formatted(pgPort, serverPort));
        // the frontend sets the user's locale (en_US) and says so on every page when the machine has
        // none: one compiled for this directory only (LOCPATH), nothing installed system-wide
        Path locales = Files.createDirectories(dir.resolve("locale"));
        Shell.check("localedef", "-i", "en_US", "-c", "-f", "UTF-8", locales.resolve("en_US.UTF-8").toString());
        spawn("php.log", "unshare", "--mount", "--propagation", "private", "sh", "-c",
                "mount --bind " + etc + " /etc/zabbix && LOCPATH=" + locales
                        + " exec php -d memory_limit=512M -d post_max_size=16M"
                        + " -d max_execution_time=300 -S 127.0.0.1:" + webPort + " -t /usr/share/zabbix");
        awaitPort(webPort, "php.log");
    }

    private void login() throws Exception {
        ObjectNode p = JSON.createObjectNode().put("username", "Admin").put("password", "zabbix");
        auth = call("user.login", p).asText();
    }

    /** The frontend's address of a page, e.g. {@code zabbix.php?action=latest.view}. */
    String url(String page) {
        return "http://127.0.0.1:" + webPort + "/" + page;
    }

    /** One JSON-RPC call; an API error fails the test with the error. */
    JsonNode call(String method, Object params) throws Exception {
        ObjectNode req = JSON.createObjectNode().put("jsonrpc", "2.0").put("method", method).put("id", 1);
        req.set("params", JSON.valueToTree(params));
        if (auth != null) {
            req.put("auth", auth);
        }
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + webPort
                + "/api_jsonrpc.php")).header("Content-Type", "application/json-rpc")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(req))).build(),
                HttpResponse.BodyHandlers.ofString());
        JsonNode body = JSON.readTree(r.body());
        if (body.has("error") || !body.has("result")) {
            throw new AssertionError(method + " failed: " + body.path("error"));
        }
        return body.get("result");
    }

    /** The last lines of every log, for failure messages. */
    String logs() {
        StringBuilder b = new StringBuilder();
        for (String f : List.of("postgres.log", "server.log", "gateway.log", "php.log")) {
            try {
                List<String> lines = Files.readAllLines(dir.resolve(f));
                b.append("---- ").append(f).append('\n');
                lines.subList(Math.max(0, lines.size() - 30), lines.size()).forEach(l -> b.append(l).append('\n'));
            } catch (IOException | RuntimeException missing) {
                // not started
            }
        }
        return b.toString();
    }

    private void spawn(String log, String... cmd) throws IOException {
        ProcessBuilder b = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve(log).toFile());
        b.environment().put("PHP_CLI_SERVER_WORKERS", "4"); // php -S: a browser loads pages and scripts in parallel
        processes.add(b.start());
    }

    private void awaitPort(int port, String log) throws Exception {
        long end = System.currentTimeMillis() + 30000;
        Process p = processes.get(processes.size() - 1);
        while (true) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException e) {
                if (!p.isAlive() || System.currentTimeMillis() > end) {
                    throw new AssertionError("nothing listens on " + port + " (see " + log + ")");
                }
                Thread.sleep(100);
            }
        }
    }

    /** The first free loopback port from base on (bases differ per component, so runs do not collide). */
    private static int freePort(int base) throws IOException {
        for (int p = base; p < base + 200; p++) {
            try (ServerSocket s = new ServerSocket(p, 1, InetAddress.getLoopbackAddress())) {
                return p;
            } catch (IOException busy) {
                // next
            }
        }
        throw new IOException("no free port in " + base + ".." + (base + 199));
    }

    @Override
    public void close() throws Exception {
        // frontend, server, gateway: the reverse of the start order
        for (int i = processes.size() - 1; i >= 0; i--) {
            Process p = processes.get(i);
            // php -S forks its workers (PHP_CLI_SERVER_WORKERS), and they outlive a master that is told to
            // stop: each is stopped on its own, or they stay behind holding the port
            List<ProcessHandle> children = p.descendants().toList();
            p.destroy();
            children.forEach(ProcessHandle::destroy);
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
            }
            for (ProcessHandle c : children) {
                try {
                    c.onExit().get(10, TimeUnit.SECONDS);
                } catch (TimeoutException stuck) {
                    c.destroyForcibly();
                }
            }
        }
        if (pgStarted) {
            Shell.run("runuser", "-u", "postgres", "--", PG + "pg_ctl", "-D", dir.resolve("pg").toString(), "-m",
                    "immediate", "-w", "stop");
        }
        TestDaemon.deleteTree(dir);
    }
}
