package io.grow4j.kernels.aparapi;

import com.aparapi.Kernel;
import com.aparapi.device.OpenCLDevice;
import io.grow4j.kernels.device.FallbackPolicy;

import java.util.HashSet;
import java.util.Set;
import java.util.logging.Logger;

/**
 * Catches Aparapi's silent fallback: when it cannot translate or build a kernel it logs at WARNING and runs the
 * kernel in a Java thread pool instead, which is correct but slow and defeats the point of the backend. After every
 * execute this checks where the kernel actually ran and applies the profile's policy.
 */
final class FallbackGuard {
    private static final Logger LOG = Logger.getLogger(FallbackGuard.class.getName());

    private final FallbackPolicy policy;
    private final String device;
    private final Set<String> warned = new HashSet<>();

    FallbackGuard(FallbackPolicy policy, String device) {
        this.policy = policy;
        this.device = device;
    }

    /** Throws (FAIL) or logs once per kernel (WARN) when {@code kernel}'s last execute did not run on OpenCL. */
    void check(Kernel kernel, String name) {
        if (ranOnOpenCl(kernel)) {
            return;
        }
        String where = String.valueOf(kernel.getTargetDevice()).lines().findFirst().orElse("?");
        String message = "Aparapi kernel " + name + " (" + kernel.getClass().getSimpleName() + ") did not run on "
                + device + " but fell back to " + where + "; Aparapi's log above says why";
        if (policy == FallbackPolicy.FAIL) {
            throw new AparapiFallbackException(message + " (fallback policy: fail)");
        }
        if (warned.add(name)) {
            LOG.warning(message + " (fallback policy: warn; further fallbacks of this kernel are not logged)");
        }
    }

    /**
     * Called when Aparapi refused the device outright because this kernel class fell back before: FAIL throws before
     * anything runs; WARN returns so the caller can run it in the thread pool (and {@link #check} then logs).
     */
    void refused(Kernel kernel, String name) {
        if (policy == FallbackPolicy.FAIL) {
            throw new AparapiFallbackException("Aparapi kernel " + name + " (" + kernel.getClass().getSimpleName()
                    + ") cannot run on " + device + ": it fell back to the Java thread pool before (fallback policy: fail)");
        }
    }

    static boolean ranOnOpenCl(Kernel kernel) {
        return kernel.isRunningCL() && kernel.getTargetDevice() instanceof OpenCLDevice;
    }
}
