package io.grow4j.kernels.opencl;

import io.grow4j.kernels.device.DeviceProfile;
import io.grow4j.kernels.device.DeviceType;
import io.grow4j.kernels.device.MatmulVariant;
import io.grow4j.kernels.device.WorkGroupSizes;

/**
 * Layout and work-group sizes of the decoder kernels ({@code decode.cl}), chosen here and nowhere else.
 *
 * <p>Rows layout (CPU devices, PoCL): each work item owns {@code rows} whole rows of a matrix and reads them 16 floats
 * at a time; groups of {@code rowGroup} items; norms and attention heads run as one item each, since PoCL turns a
 * group into loops and keeps every item's state across a barrier in memory. Measured on PoCL 3.1 (2 cores,
 * AVX-512): 4 rows per item and groups of 16 read a 4096² matrix at ~50 GB/s, against ~10 GB/s for a group per row.
 *
 * <p>Group layout (GPUs): {@code matvecGroup} items share a row with strided, coalesced loads and reduce it in local
 * memory; norms and heads reduce with the profile's group sizes.
 *
 * @param rows           rows per item in the rows layout, 0 for the group layout
 * @param rowGroup       items per group in the rows layout
 * @param matvecGroup    items per row in the group layout (1 in the rows layout)
 * @param normGroup      items of a norm's single group
 * @param attentionGroup items per attention head
 * @param elementwise    items per group of embed and rope
 * @param padGroup       pad kernel group size, for dtype conversions of device tensors
 */
record DecodeSizes(int rows, int rowGroup, int matvecGroup, int normGroup, int attentionGroup, int elementwise,
                   int padGroup) {
    private static final int ROWS_PER_ITEM = 4;
    private static final int ROW_GROUP = 16;

    /** The rows layout on CPU devices (or when the profile's matmulKernel is blocked), else the group layout. */
    static DecodeSizes of(DeviceProfile profile, ClDeviceInfo info) {
        WorkGroupSizes s = profile.workGroups();
        boolean rowsLayout = profile.matmulKernel() == MatmulVariant.BLOCKED
                || profile.matmulKernel() == MatmulVariant.AUTO && info.type() == DeviceType.CPU;
        DecodeSizes sizes = rowsLayout
                ? new DecodeSizes(ROWS_PER_ITEM, ROW_GROUP, 1, 1, 1, s.elementwise(), s.pad())
                : new DecodeSizes(0, 0, s.matvec(), s.rmsnorm(), s.attention(), s.elementwise(), s.pad());
        sizes.check(info);
        return sizes;
    }

    boolean rowsLayout() {
        return rows > 0;
    }

    String buildOptions() {
        return "-D ROWS=" + rows + " -D MV_WG=" + matvecGroup + " -D NORM_WG=" + normGroup + " -D ATT_WG="
                + attentionGroup;
    }

    /** Global and local range of {@code project} over matrices of these row counts. */
    long[][] project(int... rowCounts) {
        long units = 0;
        for (int r : rowCounts) {
            units += rowsLayout() ? (r + rows - 1) / rows : r;
        }
        if (!rowsLayout()) {
            return new long[][] {{units * matvecGroup}, {matvecGroup}};
        }
        return new long[][] {{units}, units >= rowGroup ? new long[] {rowGroup} : null};
    }

    long[][] elementwise(long items) {
        return new long[][] {{items}, items >= elementwise ? new long[] {elementwise} : null};
    }

    private void check(ClDeviceInfo info) {
        int[] items = {rowGroup, matvecGroup, normGroup, attentionGroup, elementwise};
        String[] names = {"decoder rows", "matvec", "rmsnorm", "attention", "elementwise"};
        for (int i = 0; i < items.length; i++) {
            if (items[i] > info.maxWorkGroupSize()) {
                throw new OpenClException("work-group size " + items[i] + " for the decoder's " + names[i]
                        + " kernels exceeds the maximum " + info.maxWorkGroupSize() + " of " + info.describe()
                        + "; lower it in the device profile");
            }
        }
    }
}
