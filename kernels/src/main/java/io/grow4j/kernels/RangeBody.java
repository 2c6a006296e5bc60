package io.grow4j.kernels;

/** Work over the items [from, to) of a range that a kernel splits into chunks (rows, entries, heads). */
@FunctionalInterface
public interface RangeBody {
    void run(int from, int to);
}
