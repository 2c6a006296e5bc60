package io.grow4j.kernels.device;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Work-group sizes per kernel, chosen per device in its profile (the counterpart of TornadoVM's grid schedulers).
 * A missing entry takes the default; sizes are checked here so a bad profile fails at load, not at launch.
 *
 * @param matmulTile side of the square tile of C each OpenCL C work-group computes (tile × tile/4 items, each
 *                   keeping 4 rows in registers)
 * @param aparapiMatmulTile side of the Aparapi matmul tile (tile × tile items, one element each)
 * @param matvec     work items reducing one row
 * @param rmsnorm    work items of the single reducing group
 * @param attention  work items per query head
 * @param elementwise work items per group for swiglu, relu, gelu, add, rope
 * @param pad        work items per group along a row of the padded tensor
 */
public record WorkGroupSizes(@JsonProperty("matmulTile") Integer matmulTile,
                             @JsonProperty("aparapiMatmulTile") Integer aparapiMatmulTile,
                             @JsonProperty("matvec") Integer matvec,
                             @JsonProperty("rmsnorm") Integer rmsnorm,
                             @JsonProperty("attention") Integer attention,
                             @JsonProperty("elementwise") Integer elementwise,
                             @JsonProperty("pad") Integer pad) {

    public static final WorkGroupSizes DEFAULT = new WorkGroupSizes(null, null, null, null, null, null, null);

    public WorkGroupSizes {
        matmulTile = orDefault(matmulTile, 32);
        aparapiMatmulTile = positive("aparapiMatmulTile", orDefault(aparapiMatmulTile, 16));
        matvec = powerOfTwo("matvec", orDefault(matvec, 64));
        rmsnorm = powerOfTwo("rmsnorm", orDefault(rmsnorm, 256));
        attention = powerOfTwo("attention", orDefault(attention, 64));
        elementwise = positive("elementwise", orDefault(elementwise, 64));
        pad = positive("pad", orDefault(pad, 64));
        if (matmulTile < 4 || matmulTile > 64 || matmulTile % 4 != 0) {
            throw new IllegalArgumentException("workGroups.matmulTile must be a multiple of 4 in 4..64, got " + matmulTile);
        }
    }

    private static int orDefault(Integer value, int fallback) {
        return value == null ? fallback : value;
    }

    /** Tree reductions in local memory halve the group each step, so they need a power of two. */
    private static int powerOfTwo(String field, int value) {
        if (value < 1 || Integer.bitCount(value) != 1) {
            throw new IllegalArgumentException("workGroups." + field + " must be a power of two, got " + value);
        }
        return value;
    }

    private static int positive(String field, int value) {
        if (value < 1) {
            throw new IllegalArgumentException("workGroups." + field + " must be positive, got " + value);
        }
        return value;
    }
}
