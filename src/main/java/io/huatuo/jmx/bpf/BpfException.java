package io.huatuo.jmx.bpf;

/**
 * A BPF operation failed, or a BPF object does not match what the caller expects (a missing program, map,
 * variable or struct; a size mismatch). Unchecked, like every failure of this package.
 *
 * <p>The message names the object, the operation and the program or map involved, then the error, e.g.
 * {@code dropwatch: attach program handle_kfree_skb: Operation not permitted (errno 1)}. {@link #log()} holds what
 * libbpf printed during the failed call, including the verifier log when a load was rejected; it is never printed
 * anywhere else.
 *
 * <p>Immutable and thread-safe.
 */
public class BpfException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int errno;
    private final String log;

    public BpfException(String message) {
        this(message, 0, "", null);
    }

    public BpfException(String message, Throwable cause) {
        this(message, 0, "", cause);
    }

    BpfException(String message, int errno, String log, Throwable cause) {
        super(message, cause);
        this.errno = errno;
        this.log = log == null ? "" : log;
    }

    /** The positive errno of the failed system or libbpf call, or 0 when the failure was not a call's error. */
    public int errno() {
        return errno;
    }

    /** What libbpf printed during the failed call (verifier log included); empty if nothing. */
    public String log() {
        return log;
    }
}
