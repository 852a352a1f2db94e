package io.huatuo.jmx.bench;

/** The bench's reference footprint: a JVM with the daemon's options that loads nothing and waits. */
public final class BareJvm {
    private BareJvm() {
    }

    public static void main(String[] args) throws InterruptedException {
        System.out.println("idle");
        Thread.sleep(Long.MAX_VALUE);
    }
}
