package io.grow4j.kernels.aparapi;

/** Argument checks shared by the Aparapi entry points. */
final class Checks {
    private Checks() {
    }

    static void length(String kernel, String arg, float[] array, long needed) {
        if (array.length < needed) {
            throw new IllegalArgumentException(kernel + ": " + arg + " has " + array.length + " floats, needs " + needed);
        }
    }
}
