package io.huatuo.jmx.bpf;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Loads the JNI shim {@code libhuatuo.so} once per JVM. Tried in order, each failure kept as a suppressed
 * exception of the final error:
 * <ol>
 * <li>the file named by the system property {@value #PATH_PROPERTY}, if set;</li>
 * <li>{@code huatuo} on {@code java.library.path};</li>
 * <li>{@value #RESOURCE} from the classpath (target/classes or the shaded jar), copied into a fresh directory under
 * {@value #TMPDIR_PROPERTY} (default {@code java.io.tmpdir}), loaded, then deleted.</li>
 * </ol>
 * Setting {@value #DEBUG_PROPERTY}{@code =true} keeps libbpf's debug messages in the logs attached to
 * {@link BpfException}s.
 *
 * <p>Thread-safe: {@link #load()} is synchronized and idempotent; a failure is remembered and rethrown.
 */
public final class NativeLibrary {
    public static final String PATH_PROPERTY = "huatuo.native.path";
    public static final String TMPDIR_PROPERTY = "huatuo.native.tmpdir";
    public static final String DEBUG_PROPERTY = "huatuo.bpf.debug";
    static final String RESOURCE = "/META-INF/huatuo/native/libhuatuo.so";

    private static boolean loaded;
    private static UnsatisfiedLinkError failure;

    private NativeLibrary() {
    }

    /**
     * Loads the library unless already loaded.
     *
     * @throws UnsatisfiedLinkError if no attempt worked; every attempt's error is attached as suppressed
     */
    public static synchronized void load() {
        if (loaded) {
            return;
        }
        if (failure != null) {
            throw failure;
        }
        List<Throwable> attempts = new ArrayList<>();
        String explicit = System.getProperty(PATH_PROPERTY);
        if (explicit != null && tryLoad(() -> System.load(explicit), attempts)
                || tryLoad(() -> System.loadLibrary("huatuo"), attempts)
                || tryLoad(NativeLibrary::loadFromClasspath, attempts)) {
            loaded = true;
            BpfNative.setDebug(Boolean.getBoolean(DEBUG_PROPERTY));
            return;
        }
        failure = new UnsatisfiedLinkError("cannot load libhuatuo.so (tried " + PATH_PROPERTY
                + ", java.library.path and " + RESOURCE + " from the classpath); see the suppressed errors");
        attempts.forEach(failure::addSuppressed);
        throw failure;
    }

    /** Whether {@link #load()} has succeeded. */
    /** The C library's text for a positive errno (the library must be loaded). */
    public static String strerror(int errno) {
        return BpfNative.strerror(errno);
    }

    public static synchronized boolean isLoaded() {
        return loaded;
    }

    private interface Attempt {
        void run() throws IOException;
    }

    private static boolean tryLoad(Attempt attempt, List<Throwable> failures) {
        try {
            attempt.run();
            return true;
        } catch (IOException | UnsatisfiedLinkError | SecurityException e) {
            failures.add(e);
            return false;
        }
    }

    private static void loadFromClasspath() throws IOException {
        Path base = Path.of(System.getProperty(TMPDIR_PROPERTY, System.getProperty("java.io.tmpdir")));
        Path dir = Files.createTempDirectory(base, "huatuo-native");
        Path lib = dir.resolve("libhuatuo.so");
        try {
            try (InputStream in = NativeLibrary.class.getResourceAsStream(RESOURCE)) {
                if (in == null) {
                    throw new FileNotFoundException(RESOURCE + " is not on the classpath");
                }
                Files.copy(in, lib);
            }
            try {
                System.load(lib.toString());
            } catch (UnsatisfiedLinkError e) {
                UnsatisfiedLinkError error = new UnsatisfiedLinkError(e.getMessage() + " (extracted into " + dir
                        + ": that directory may be on a noexec mount; point " + TMPDIR_PROPERTY
                        + " at one that allows execution)");
                error.initCause(e);
                throw error;
            }
        } finally {
            // the loaded library stays mapped; the file is no longer needed
            Files.deleteIfExists(lib);
            Files.deleteIfExists(dir);
        }
    }
}
