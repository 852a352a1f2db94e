package io.huatuo.jmx.bpf;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An attached program. Closing it detaches the program (and closes the perf event of a perf_event attachment);
 * closing its {@link BpfObject} closes it too.
 *
 * <p>Thread-safe: synchronizes on the owning object. {@link #close()} is idempotent.
 */
public final class BpfLink implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BpfLink.class);

    private final BpfObject owner;
    private final String description;
    private long handle;

    BpfLink(BpfObject owner, long handle, String description) {
        this.owner = owner;
        this.handle = handle;
        this.description = description;
    }

    /** Whether the program is still attached through this link. */
    public boolean isOpen() {
        synchronized (owner) {
            return handle != 0;
        }
    }

    @Override
    public void close() {
        synchronized (owner) {
            if (handle == 0) {
                return;
            }
            int rc = BpfNative.linkDestroy(handle);
            handle = 0;
            owner.forget(this);
            if (rc < 0) {
                // the link is gone either way; nothing for the caller to do
                LOG.debug("{}: detach {}: {} (errno {})", owner.name(), description, BpfNative.strerror(-rc), -rc);
            }
        }
    }

    @Override
    public String toString() {
        return "BpfLink[" + owner.name() + ": " + description + "]";
    }
}
