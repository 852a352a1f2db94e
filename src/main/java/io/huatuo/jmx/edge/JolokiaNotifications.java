package io.huatuo.jmx.edge;

import io.huatuo.jmx.jmx.TracerBean;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.JMException;
import javax.management.JMRuntimeException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.jolokia.json.JSONObject;
import org.jolokia.server.core.http.BackChannel;
import org.jolokia.server.core.http.BackChannelHolder;
import org.jolokia.server.core.request.BadRequestException;
import org.jolokia.server.core.request.EmptyResponseException;
import org.jolokia.server.core.request.JolokiaExecRequest;
import org.jolokia.server.core.request.JolokiaNotificationRequest;
import org.jolokia.server.core.request.JolokiaRequest;
import org.jolokia.server.core.request.JolokiaRequestFactory;
import org.jolokia.server.core.request.NotChangedException;
import org.jolokia.server.core.request.ProcessingParameters;
import org.jolokia.server.core.request.notification.AddCommand;
import org.jolokia.server.core.request.notification.ClientCommand;
import org.jolokia.server.core.request.notification.NotificationCommand;
import org.jolokia.server.core.request.notification.RemoveCommand;
import org.jolokia.server.core.service.notification.NotificationResult;
import org.jolokia.server.core.service.request.AbstractRequestHandler;
import org.jolokia.server.core.service.request.RequestHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Jolokia's notification protocol with bounds and accounting, in front of Jolokia's own handler
 * (which keeps registered clients forever, without limit). It takes every {@code notification}
 * request and every {@code pull} of the notification store, checks and records them, and hands them
 * to Jolokia:
 * <ul>
 * <li>at most {@link #MAX_CLIENTS} clients, {@link #MAX_LISTENERS_PER_CLIENT} listeners each and
 * {@link #MAX_LISTENERS} in all; a listener is on one huatuo MBean (no patterns, nothing else);
 * beyond a bound the request is refused (403) naming it;</li>
 * <li>a client is unregistered when it has sent nothing for {@link #IDLE_MINUTES} minutes and has no
 * open SSE stream, or {@link #CUT_GRACE_SECONDS} s after its SSE stream was cut for falling behind
 * without reopening it;</li>
 * <li>what a client missed is counted in the tracer's NotificationsLost: pull-store overflow (the
 * {@code dropped} of each pull; what an expired pull client never fetched), and an SSE stream's
 * notifications after it was cut ({@link SseChannel}).</li>
 * </ul>
 * The commands of all clients are handled one at a time (Jolokia's own client table is not
 * thread-safe). Thread-safe.
 */
final class JolokiaNotifications extends AbstractRequestHandler {
    private static final Logger LOG = LoggerFactory.getLogger(JolokiaNotifications.class);
    private static final Pattern HANDLE = Pattern.compile("\"handle\":\"([^\"]*)\"");
    static final int MAX_CLIENTS = 32;
    static final int MAX_LISTENERS_PER_CLIENT = 16;
    static final int MAX_LISTENERS = 128;
    static final long IDLE_MINUTES = 10;
    static final long CUT_GRACE_SECONDS = 60;

    private final Function<ObjectName, TracerBean> tracers;
    private final Map<String, Client> clients = new LinkedHashMap<>(); // guarded by this
    private final ScheduledExecutorService sweeper;
    private RequestHandler jolokia;

    private static final class Client {
        final String id;
        /** handle → MBean; concurrent: an SSE stream's losses are looked up on the notifier thread */
        final Map<String, ObjectName> listeners = new ConcurrentHashMap<>();
        long lastSeen = System.nanoTime();
        SseChannel sse;

        Client(String id) {
            this.id = id;
        }
    }

    JolokiaNotifications(Function<ObjectName, TracerBean> tracers) {
        super("jmx", 10); // before Jolokia's own handler (1000)
        this.tracers = tracers;
        sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "huatuo-jolokia-expiry");
            t.setDaemon(true);
            return t;
        });
        sweeper.scheduleWithFixedDelay(this::expire, 30, 30, TimeUnit.SECONDS);
    }

    @Override
    public void destroy() throws Exception {
        close();
        super.destroy();
    }

    /** Stops the expiry sweep (with the endpoint). */
    void close() {
        sweeper.shutdownNow();
    }

    @Override
    public boolean canHandle(JolokiaRequest request) {
        return request instanceof JolokiaNotificationRequest || isPull(request);
    }

    private static boolean isPull(JolokiaRequest request) {
        return request instanceof JolokiaExecRequest e && JolokiaRestrictor.isPull(e.getObjectName(),
                e.getOperation().replaceAll("\\(.*", ""));
    }

    @Override
    public synchronized <R extends JolokiaRequest> Object handleRequest(R request, Object previous)
            throws IOException, JMException, JMRuntimeException, NotChangedException, BadRequestException,
            EmptyResponseException {
        if (request instanceof JolokiaExecRequest pull) {
            return pull(pull);
        }
        NotificationCommand command = ((JolokiaNotificationRequest) request).getCommand();
        Client client = command instanceof ClientCommand c ? clients.get(c.getClient()) : null;
        if (client != null) {
            client.lastSeen = System.nanoTime();
        }
        switch (command.getType()) {
            case REGISTER:
                return register(request);
            case ADD:
                return add(request, (AddCommand) command, client);
            case OPEN:
                return open(request, client);
            case REMOVE: {
                Object r = jolokia().handleRequest(request, previous);
                if (client != null) {
                    client.listeners.remove(((RemoveCommand) command).getHandle());
                }
                return r;
            }
            case UNREGISTER: {
                Object r = jolokia().handleRequest(request, previous);
                clients.remove(((ClientCommand) command).getClient());
                return r;
            }
            default:
                return jolokia().handleRequest(request, previous);
        }
    }

    private Object register(JolokiaRequest request) throws IOException, JMException, NotChangedException,
            BadRequestException, EmptyResponseException {
        if (clients.size() >= MAX_CLIENTS) {
            throw new SecurityException("refused: " + MAX_CLIENTS + " Jolokia notification clients are registered, "
                    + "the limit; unregister one (clients idle for " + IDLE_MINUTES + " min are dropped)");
        }
        Object r = jolokia().handleRequest(request, null);
        if (r instanceof Map<?, ?> m && m.get("id") instanceof String id) {
            clients.put(id, new Client(id));
        }
        return r;
    }

    private Object add(JolokiaRequest request, AddCommand add, Client client) throws IOException, JMException,
            NotChangedException, BadRequestException, EmptyResponseException {
        ObjectName name = add.getObjectName();
        if (!Exposure.isOurs(name)) {
            throw new SecurityException("refused: notifications come from one huatuo MBean per listener (no patterns), not "
                    + name);
        }
        if (client == null) {
            return jolokia().handleRequest(request, null); // Jolokia's own error for an unknown client
        }
        if (client.listeners.size() >= MAX_LISTENERS_PER_CLIENT) {
            throw new SecurityException("refused: a Jolokia notification client may have " + MAX_LISTENERS_PER_CLIENT
                    + " listeners, the limit; this one has " + client.listeners.size());
        }
        int all = clients.values().stream().mapToInt(c -> c.listeners.size()).sum();
        if (all >= MAX_LISTENERS) {
            throw new SecurityException("refused: Jolokia notification clients may have " + MAX_LISTENERS
                    + " listeners in all, the limit, and have " + all);
        }
        Object handle = jolokia().handleRequest(request, null);
        client.listeners.put(String.valueOf(handle), name);
        return handle;
    }

    /** An SSE stream: Jolokia writes into our bounded channel instead of the response itself. */
    private Object open(JolokiaRequest request, Client client) throws IOException, JMException,
            NotChangedException, BadRequestException, EmptyResponseException {
        BackChannel http = BackChannelHolder.get();
        if (client == null || http == null) {
            return jolokia().handleRequest(request, null);
        }
        SseChannel sse = new SseChannel(http, message -> sseLost(client, message));
        BackChannelHolder.set(sse);
        client.sse = sse;
        return jolokia().handleRequest(request, null);
    }

    /**
     * A message an SSE client did not get: one notification as {@code {"handle":"..","notifications":[..]}},
     * as Jolokia sends it. Runs on the notifier thread for every lost message, so it only looks for the
     * handle, and takes no lock: the notifier holds the stream's monitor (Jolokia's) while it writes.
     */
    private void sseLost(Client client, byte[] message) {
        Matcher m = HANDLE.matcher(new String(message, StandardCharsets.UTF_8));
        count(m.find() ? client.listeners.get(m.group(1)) : null, 1);
    }

    /** A pull: what the store dropped since the last one is what this client missed. */
    private Object pull(JolokiaExecRequest request) throws IOException, JMException, NotChangedException,
            BadRequestException, EmptyResponseException {
        List<?> args = request.getArguments();
        Client client = args != null && !args.isEmpty() ? clients.get(String.valueOf(args.get(0))) : null;
        if (client != null) {
            client.lastSeen = System.nanoTime();
        }
        Object r = jolokia().handleRequest(request, null);
        if (client != null && r instanceof NotificationResult result && result.getDropped() > 0) {
            count(client.listeners.get(result.getHandle()), result.getDropped());
        }
        return r;
    }

    private void count(ObjectName mbean, long n) {
        TracerBean bean = mbean == null ? null : tracers.apply(mbean);
        if (bean != null) {
            bean.countLost(n);
        }
    }

    /** Unregisters idle clients and those whose SSE stream was cut and not reopened. */
    synchronized void expire() {
        long now = System.nanoTime();
        for (Client c : List.copyOf(clients.values())) {
            long cut = c.sse == null ? -1 : c.sse.cutAt();
            boolean streaming = c.sse != null && !c.sse.isClosed() && cut < 0;
            boolean idle = now - c.lastSeen > TimeUnit.MINUTES.toNanos(IDLE_MINUTES);
            boolean abandoned = cut >= 0 && now - cut > TimeUnit.SECONDS.toNanos(CUT_GRACE_SECONDS);
            if ((idle && !streaming) || abandoned) {
                unregister(c);
            }
        }
    }

    private void unregister(Client c) {
        countUnfetched(c);
        try {
            JSONObject req = new JSONObject();
            req.put("type", "notification");
            req.put("command", "unregister");
            req.put("client", c.id);
            jolokia().handleRequest(JolokiaRequestFactory.createPostRequest(req, new ProcessingParameters(Map.of())),
                    null);
            LOG.info("jolokia: notification client {} unregistered: {}", c.id,
                    c.sse != null && c.sse.cutAt() >= 0 ? "its SSE stream fell behind and was not reopened" : "idle");
        } catch (Exception e) {
            LOG.warn("jolokia: notification client {} could not be unregistered", c.id, e);
        }
        clients.remove(c.id);
    }

    /** What an expiring pull client never fetched (and what its store dropped) is lost too. */
    private void countUnfetched(Client c) {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        try {
            for (ObjectName store : server.queryNames(new ObjectName("jolokia:type=NotificationStore,*"), null)) {
                for (Map.Entry<String, ObjectName> l : c.listeners.entrySet()) {
                    Object r = server.invoke(store, "pull", new Object[] {c.id, l.getKey()},
                            new String[] {String.class.getName(), String.class.getName()});
                    if (r instanceof NotificationResult result) {
                        count(l.getValue(), result.getNotifications().size() + result.getDropped());
                    }
                }
            }
        } catch (JMException e) {
            LOG.debug("jolokia: could not read what client {} left in the pull store", c.id, e);
        }
    }

    synchronized int clientCount() {
        return clients.size();
    }

    /** Jolokia's own handler of the request, the next after this one. */
    private RequestHandler jolokia() {
        if (jolokia == null) {
            for (RequestHandler h : getJolokiaContext().getServices(RequestHandler.class)) {
                if (h != this && "jmx".equals(h.getProvider())) {
                    jolokia = h;
                    break;
                }
            }
            if (jolokia == null) {
                throw new IllegalStateException("Jolokia's JMX request handler is missing");
            }
        }
        return jolokia;
    }
}
