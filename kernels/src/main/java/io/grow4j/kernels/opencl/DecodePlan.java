package io.grow4j.kernels.opencl;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The fixed sequence of kernel launches a {@link DeviceForwardPass} makes for every token, each step named as
 * TornadoVM task graphs name tasks ({@code layer_3.qkv_projection}), for profiles and logs.
 */
public record DecodePlan(List<Step> steps) {

    public DecodePlan {
        steps = List.copyOf(steps);
    }

    /**
     * One launch: its name, the kernel of {@code decode.cl} it runs, and its global and local range (local null: the
     * OpenCL implementation chooses).
     */
    public record Step(String name, String kernel, long[] global, long[] local) {
        @Override
        public String toString() {
            return name + " = " + kernel + " " + Arrays.toString(global) + " / "
                    + (local == null ? "auto" : Arrays.toString(local));
        }
    }

    /** Step names in launch order. */
    public List<String> names() {
        return steps.stream().map(Step::name).toList();
    }

    /** One line per step. */
    public String describe() {
        return steps.stream().map(Step::toString).collect(Collectors.joining("\n"));
    }
}
