import java.util.concurrent.atomic.AtomicLong;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/**
 * A remote JMX client subscribed to one tracer's notifications, as JConsole subscribes (no filter), in
 * its own JVM so that a test can stop it (SIGSTOP). It counts what arrives and, from the tracer's
 * sequence numbers (1, 2, 3, ...), what it missed. Prints "subscribed", then, when stdin closes,
 * "received=N gaps=G last=S". Arguments: url tracer
 */
public class NotificationCounter {
    public static void main(String[] a) throws Exception {
        AtomicLong received = new AtomicLong();
        AtomicLong gaps = new AtomicLong();
        AtomicLong last = new AtomicLong(-1);
        try (JMXConnector c = JMXConnectorFactory.connect(new JMXServiceURL(a[0]))) {
            c.getMBeanServerConnection().addNotificationListener(new ObjectName("huatuo:type=Tracer,name=" + a[1]),
                    (n, h) -> {
                        long s = n.getSequenceNumber();
                        long l = last.getAndSet(s);
                        if (l >= 0 && s > l + 1) {
                            gaps.addAndGet(s - l - 1);
                        }
                        received.incrementAndGet();
                    }, null, null);
            System.out.println("subscribed");
            System.out.flush();
            while (System.in.read() >= 0) {
                // until the test closes stdin
            }
            Thread.sleep(1000); // the last fetch
            System.out.println("received=" + received + " gaps=" + gaps + " last=" + last);
        }
    }
}
