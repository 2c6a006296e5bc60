package io.grow4j.cli;

import io.grow4j.kernels.KernelBackend;
import io.grow4j.kernels.device.Backends;
import io.grow4j.kernels.device.DeviceProfile;
import io.grow4j.kernels.forward.DecodingSession;
import io.grow4j.kernels.forward.ForwardPass;
import io.grow4j.kernels.opencl.ClDevice;
import io.grow4j.kernels.opencl.DecodeProgram;
import io.grow4j.kernels.opencl.DeviceForwardPass;
import io.grow4j.kernels.opencl.OpenClKernels;
import io.grow4j.model.Model;

/**
 * Decoder forward passes for one backend, prepared once per model: {@code opencl} runs the device-resident
 * {@link DeviceForwardPass} (weights, activations and the key/value cache on the device, logits the only read);
 * cpu, scalar and aparapi run {@link ForwardPass} on their {@link KernelBackend}. One device (and one decoder
 * program) serves every model of a run; {@link #close()} frees them.
 */
final class Forwards implements AutoCloseable {
    /** One model's forward pass; closing it frees what it holds on the device. */
    interface Forward extends AutoCloseable {
        DecodingSession newSession();

        /** Logits at every position of the sequence: [tokens.length][vocab]. */
        float[][] logits(int[] tokens);

        /** Logits at every position of every sequence: [sequences][positions][vocab], as one batch where it can. */
        float[][][] logits(int[][] sequences);

        /** {@link #logits(int[][])}, calling stageDone {@link #stages}(sequences.length) times along the way. */
        float[][][] logits(int[][] sequences, Runnable stageDone);

        /** How many stages a batch of this many sequences reports. */
        int stages(int sequences);

        /** Heap bytes a batch of this many positions needs (0 when the pass keeps its state on a device). */
        long heapBytes(int positions);

        /** Weights the pass copies to float32 because it cannot read their dtype in place, named. */
        java.util.List<String> copiedMatrices();

        @Override
        void close();
    }

    private final String name;
    private final DeviceProfile profile;
    private final ClDevice device;        // opencl only
    private final DecodeProgram program;  // opencl only
    private KernelBackend kernels;        // other backends; for opencl made on first use (encoders)

    private Forwards(String name, DeviceProfile profile, ClDevice device, DecodeProgram program,
                     KernelBackend kernels) {
        this.name = name;
        this.profile = profile;
        this.device = device;
        this.program = program;
        this.kernels = kernels;
    }

    /** Starts backend {@code name} (opencl, aparapi, cpu, scalar); OpenCL problems throw with the reason. */
    static Forwards open(String name, DeviceProfile profile) {
        if (!name.equals("opencl")) {
            return new Forwards(name, profile, null, null, Backends.create(name, profile));
        }
        ClDevice device = ClDevice.open(profile.device());
        try {
            return new Forwards(name, profile, device, DecodeProgram.build(device, profile), null);
        } catch (RuntimeException e) {
            device.close();
            throw e;
        }
    }

    /** The backend id, as --backend named it. */
    String name() {
        return name;
    }

    /** The model's forward pass on this backend. */
    Forward create(Model model) {
        if (program != null) {
            DeviceForwardPass pass = new DeviceForwardPass(model, program);
            return new Forward() {
                public DecodingSession newSession() {
                    return pass.newSession();
                }

                public float[][] logits(int[] tokens) {
                    return pass.logits(tokens);
                }

                public float[][][] logits(int[][] sequences) {
                    return logits(sequences, () -> { });
                }

                /** The device pass runs sequence by sequence: one stage each. */
                public float[][][] logits(int[][] sequences, Runnable stageDone) {
                    float[][][] out = new float[sequences.length][][];
                    for (int s = 0; s < sequences.length; s++) {
                        out[s] = pass.logits(sequences[s]);
                        stageDone.run();
                    }
                    return out;
                }

                public int stages(int sequences) {
                    return sequences;
                }

                public long heapBytes(int positions) {
                    return 0;
                }

                public java.util.List<String> copiedMatrices() {
                    return java.util.List.of();
                }

                public void close() {
                    pass.close();
                }
            };
        }
        ForwardPass pass = new ForwardPass(model, kernels);
        return new Forward() {
            public DecodingSession newSession() {
                return pass.newSession();
            }

            public float[][] logits(int[] tokens) {
                return pass.logits(tokens);
            }

            public float[][][] logits(int[][] sequences) {
                return pass.logits(sequences);
            }

            public float[][][] logits(int[][] sequences, Runnable stageDone) {
                return pass.logits(sequences, stageDone);
            }

            public int stages(int sequences) {
                return pass.stages();
            }

            public long heapBytes(int positions) {
                return pass.heapBytes(positions);
            }

            public java.util.List<String> copiedMatrices() {
                return pass.copiedMatrices();
            }

            public void close() {
            }
        };
    }

    /** The kernel backend itself, for passes that run kernel by kernel (encoders); on opencl, the same device. */
    KernelBackend kernels() {
        if (kernels == null) {
            kernels = new OpenClKernels(device, profile);
        }
        return kernels;
    }

    @Override
    public void close() {
        if (kernels != null) {
            kernels.close();
        }
        if (device != null) {
            device.close();
        }
    }
}
