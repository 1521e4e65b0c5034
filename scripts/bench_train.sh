#!/usr/bin/env bash
# bench_train.sh BUILD_DIR [WORK_DIR]: training throughput of the built-in mnist subject (DeepCrime's
# MNIST model, Adadelta, batch 128, validation on the test split every epoch) with pmt's
# train_mutants against the same model and optimiser in Python (Debian's python3-torch,
# scripts/bench_train_baseline.py), side by side, same data (get_data.sh's 8,004 npm digits).
#
# Each side trains 2 instances for E epochs (E = $BENCH_EPOCHS, default 2; pmt via the
# change_epochs mutation, which is exactly the subject with E epochs):
#   pmt           its default layout (2 cores: 2 instances at once x 1 intra-op thread)
#   python 1x2    one process, instances one after the other, torch's default threads (2)
#   python 2x1    two processes at once, 1 thread each (pmt's layout, by hand)
# Reported: images/s (training images through the network, all instances) and instances/hour
# of the full 12-epoch subject (extrapolated: E/12 of an instance per run). The ratio is against
# the faster Python layout. Needs OpenBLAS (libopenblas0-pthread): without it LibTorch falls back
# to the reference BLAS, ~2.5x slower.
set -euo pipefail

build="$(cd "${1:?usage: bench_train.sh BUILD_DIR [WORK_DIR]}" && pwd)"
work="${2:-$(mktemp -d)}"
here="$(cd "$(dirname "$0")" && pwd)"
epochs="${BENCH_EPOCHS:-2}"
SUDO=""
if [ "$(id -u)" != 0 ] && command -v sudo > /dev/null; then SUDO="sudo"; fi
need=()
/usr/bin/python3 -c "import torch" 2> /dev/null || need+=(python3-torch)
dpkg -s libopenblas0-pthread > /dev/null 2>&1 || need+=(libopenblas0-pthread)
if [ ${#need[@]} -gt 0 ]; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" > /dev/null
fi
"$here/get_data.sh" "$work" > /dev/null
blas="$(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 || true)"
echo "bench_train: BLAS $blas; $(nproc) cores; $epochs epochs x 2 instances per side"

now() { echo "$EPOCHREALTIME"; }
rm -rf "$work/trained_models/mnist/change_epochs_$epochs"
t0=$(now)
"$build/tools/train_mutants" --model mnist --mut change_epochs --param "$epochs" --instances 0-1 \
  --data-root "$work" --quiet --json > "$work/bench_pmt.json"
t_pmt="$t0:$(now)"

base="$here/bench_train_baseline.py"
t0=$(now)
/usr/bin/python3 "$base" --data-dir "$work/datasets/mnist" --epochs "$epochs" --instances 2 \
  > "$work/bench_py12.json"
t_py12="$t0:$(now)"

t0=$(now)
/usr/bin/python3 "$base" --data-dir "$work/datasets/mnist" --epochs "$epochs" --instances 1 \
  --threads 1 --seed 1 > "$work/bench_py21a.json" &
/usr/bin/python3 "$base" --data-dir "$work/datasets/mnist" --epochs "$epochs" --instances 1 \
  --threads 1 --seed 2 > "$work/bench_py21b.json"
wait
t_py21="$t0:$(now)"

/usr/bin/python3 - "$epochs" "$t_pmt" "$t_py12" "$t_py21" << 'PY'
import sys
def span(s):
    a, b = map(float, s.split(":"))
    return b - a
epochs = int(sys.argv[1])
t_pmt, t_py12, t_py21 = map(span, sys.argv[2:])
n_train = 8004
def row(name, t):
    ips = 2 * epochs * n_train / t
    iph = 3600 * 2 * (epochs / 12) / t
    print(f"  {name:<12} {t:8.1f} s  {ips:8.0f} images/s  {iph:6.2f} instances/hour")
    return iph
print("bench_train: wall time for 2 instances, images/s, 12-epoch instances/hour")
p = row("pmt", t_pmt)
a = row("python 1x2", t_py12)
b = row("python 2x1", t_py21)
print(f"bench_train: ratio pmt / best python = {p / max(a, b):.2f}x "
      f"(vs python 1x2: {p / a:.2f}x, vs python 2x1: {p / b:.2f}x)")
PY
