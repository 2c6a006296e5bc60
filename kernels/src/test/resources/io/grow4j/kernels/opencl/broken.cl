// A kernel that cannot build: the build log must reach the user.
__kernel void broken(__global float* x) {
    x[0] = undeclared_thing;
}
