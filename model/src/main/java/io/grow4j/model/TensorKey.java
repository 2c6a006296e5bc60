package io.grow4j.model;

/** A tensor's identity inside a model: its role and, for per-layer roles, its layer (otherwise -1). */
public record TensorKey(Role role, int layer) implements Comparable<TensorKey> {
    public TensorKey {
        if (role.perLayer() != (layer >= 0)) {
            throw new IllegalArgumentException(role + (role.perLayer() ? " needs a layer" : " has no layer"));
        }
    }

    public static TensorKey global(Role role) {
        return new TensorKey(role, -1);
    }

    public static TensorKey of(Role role, int layer) {
        return new TensorKey(role, layer);
    }

    @Override
    public int compareTo(TensorKey o) {
        int byLayer = Integer.compare(layer, o.layer);
        return byLayer != 0 ? byLayer : role.compareTo(o.role);
    }

    @Override
    public String toString() {
        return role.perLayer() ? "layers." + layer + "." + role.name().toLowerCase() : role.name().toLowerCase();
    }
}
