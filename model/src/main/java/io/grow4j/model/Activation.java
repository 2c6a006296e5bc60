package io.grow4j.model;

/** MLP nonlinearity. SWIGLU has a gate projection; the others a single first layer. */
public enum Activation {
    SWIGLU("silu", true),
    RELU("relu", false),
    /** Exact (erf) GELU. */
    GELU("gelu", false),
    /** GPT-2's tanh approximation of GELU ("gelu_new"). */
    GELU_TANH("gelu_new", false),
    /**
     * Gemma's gated MLP: down(gelu_tanh(gate(x)) · up(x)), hidden_activation "gelu_pytorch_tanh" (HF transformers
     * Gemma2MLP); read only by the Gemma codecs.
     */
    GEGLU_TANH("gelu_pytorch_tanh", true);

    private final String hfName;
    private final boolean gated;

    Activation(String hfName, boolean gated) {
        this.hfName = hfName;
        this.gated = gated;
    }

    public String hfName() {
        return hfName;
    }

    public boolean gated() {
        return gated;
    }

    public static Activation fromHf(String name) {
        for (Activation a : values()) {
            if (a.hfName.equals(name) && a != GEGLU_TANH) {
                return a;
            }
        }
        throw new IllegalArgumentException("unsupported hidden_act '" + name + "' (supported: silu, relu, gelu, gelu_new)");
    }
}
