package io.grow4j.train;

import io.grow4j.model.Activation;

import java.util.stream.IntStream;

/**
 * An ungated MLP nonlinearity h = f(z) in the float32 training pass and its backward dz = dh·f'(z), elementwise in
 * parallel. f and f' are computed in double ({@link ActivationGradients}) and rounded once, as the inference
 * kernels' GELU does, so the training forward equals inference.
 */
final class FloatActivation {
    private FloatActivation() {
    }

    static float[] forward(Activation activation, float[] z) {
        float[] h = new float[z.length];
        IntStream.range(0, z.length).parallel().forEach(i -> h[i] = (float) ActivationGradients.value(activation,
                z[i]));
        return h;
    }

    static float[] backward(Activation activation, float[] dh, float[] z) {
        float[] dz = new float[z.length];
        IntStream.range(0, z.length).parallel().forEach(i -> dz[i] = (float) (dh[i]
                * ActivationGradients.derivative(activation, z[i])));
        return dz;
    }
}
