package io.grow4j.kernels.aparapi;

import com.aparapi.Kernel;

import java.util.ArrayList;
import java.util.List;

/** Calls an interface method, which Aparapi cannot translate to OpenCL: it falls back to its Java thread pool. */
final class UntranslatableKernel extends Kernel {
    final List<Float> offsets = new ArrayList<>(List.of(1.5f));
    float[] out;

    @Override
    public void run() {
        int i = getGlobalId(0);
        out[i] = i + offsets.get(0);
    }
}
