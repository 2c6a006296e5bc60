#!/bin/sh
# Installs what the OpenCL backends and the bench need, only when missing: PoCL (an OpenCL device on the CPU),
# the ICD loader, clinfo, and gcc + OpenBLAS for the sgemm baseline. Idempotent and quiet; Debian/Ubuntu only.
# Usage: scripts/install-opencl.sh            (needs root, or sudo without a password)
set -eu

packages="pocl-opencl-icd ocl-icd-libopencl1 clinfo libopenblas-dev gcc"

missing=""
for p in $packages; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-opencl: missing$missing, and this is not a Debian-like system; install them by hand" >&2
    exit 1
fi
sudo=""
if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        sudo="sudo -n"
    else
        echo "install-opencl: missing$missing; run as root to install them" >&2
        exit 1
    fi
fi
echo "install-opencl: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >/dev/null
# shellcheck disable=SC2086
$sudo apt-get install -y -qq $missing >/dev/null
