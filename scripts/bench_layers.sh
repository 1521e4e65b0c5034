#!/usr/bin/env bash
# bench_layers.sh BUILD_DIR [WORK_DIR]: training throughput of the batch-normalised CNN (cifar10,
# Keras' ResNet20 v1) and the LSTM subject (imdb, two bidirectional LSTMs) in pmt's train_mutants
# against the same networks in PyTorch (Debian's python3-torch, scripts/bench_layers_baseline.py),
# side by side in one run on the same synthetic arrays of the subjects' shapes (real CIFAR-10 and
# IMDB are not redistributable here: the arithmetic is the same), whole processes timed, the
# layouts interleaved within each run, the median of BENCH_RUNS runs (default 3) reported.
#   BENCH_INSTANCES  instances per layout (default 2)
#   CIFAR_SAMPLES    training images (default 1024), IMDB_SAMPLES reviews (default 512), 1 epoch,
#                    no validation on either side
# Layouts: pmt default (train_mutants' defaults: one instance per core, one thread each), pmt 1x2
# (--jobs 1 --threads 2), python 1x2 (one process, the instances one after the other, 2 threads),
# python 2x1 (two processes at once, 1 thread each, half the instances each).
# Reported per layout: median wall seconds, training samples per second (all instances) and
# instances per hour at this size, and the ratio of pmt's default to the best Python layout.
set -euo pipefail

build="$(cd "${1:?usage: bench_layers.sh BUILD_DIR [WORK_DIR]}" && pwd)"
work="${2:-$(mktemp -d)}"
here="$(cd "$(dirname "$0")" && pwd)"
runs="${BENCH_RUNS:-3}"
n="${BENCH_INSTANCES:-2}"
/usr/bin/python3 -c "import torch" 2> /dev/null || {
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-torch > /dev/null
}
mkdir -p "$work"
/usr/bin/python3 - "$work" "$here/../data/subjects" "${CIFAR_SAMPLES:-1024}" "${IMDB_SAMPLES:-512}" << 'PY'
import json, os, sys
import numpy as np
work, subjects, nc, ni = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
rng = np.random.default_rng(1)
data = {"cifar10": (rng.integers(0, 256, (nc, 32, 32, 3)).astype(np.uint8), rng.integers(0, 10, nc)),
        "imdb": (rng.integers(0, 20000, (ni, 200)).astype(np.int32), rng.integers(0, 2, ni))}
for name, (x, y) in data.items():
    folder = f"{work}/datasets/{name}"
    os.makedirs(folder, exist_ok=True)
    for split in ("train", "test"):
        np.save(f"{folder}/{split}_x.npy", x); np.save(f"{folder}/{split}_y.npy", y)
    spec = json.load(open(f"{subjects}/{name}.json"))
    spec["epochs"], spec["validation"] = 1, "none"
    json.dump(spec, open(f"{work}/{name}.json", "w"))
PY

time_of() {  # seconds of wall time of a shell command
  local t0 t1
  t0=$(date +%s.%N)
  bash -c "$1"
  t1=$(date +%s.%N)
  echo "$t1 - $t0" | bc -l
}
median() { sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

layouts=("pmt default" "pmt 1x2" "python 1x2" "python 2x1")
command_of() {  # layout subject
  local half=$((n / 2))
  case "$1" in
    "pmt default") echo "'$build/tools/train_mutants' --subject '$work/$2.json' --instances 0-$((n - 1)) --data-root '$work' --quiet > /dev/null" ;;
    "pmt 1x2") echo "'$build/tools/train_mutants' --subject '$work/$2.json' --instances 0-$((n - 1)) --jobs 1 --threads 2 --data-root '$work' --quiet > /dev/null" ;;
    "python 1x2") echo "/usr/bin/python3 '$here/bench_layers_baseline.py' $2 '$work/datasets/$2' $n 1 2" ;;
    "python 2x1") echo "/usr/bin/python3 '$here/bench_layers_baseline.py' $2 '$work/datasets/$2' $half 1 1 & /usr/bin/python3 '$here/bench_layers_baseline.py' $2 '$work/datasets/$2' $((n - half)) 1 1; wait" ;;
  esac
}

echo "# bench_layers: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $n instances per layout, median of $runs runs"
for subject in cifar10 imdb; do
  samples=$(/usr/bin/python3 -c "import numpy; print(len(numpy.load('$work/datasets/$subject/train_y.npy')))")
  declare -A times=()
  for ((r = 0; r < runs; ++r)); do
    for layout in "${layouts[@]}"; do
      rm -rf "$work/trained_models"  # train_mutants resumes: start from nothing
      times[$layout]+="$(time_of "$(command_of "$layout" "$subject")") "
    done
  done
  echo
  echo "## $subject: $samples training samples, 1 epoch, batch 32"
  echo "| layout | wall s (median) | samples/s | instances/h at this size |"
  echo "|---|---|---|---|"
  best_py=""
  for layout in "${layouts[@]}"; do
    m=$(echo "${times[$layout]}" | tr ' ' '\n' | grep . | median)
    printf '| %s | %.1f | %.0f | %.0f |\n' "$layout" "$m" "$(echo "$n * $samples / $m" | bc -l)" \
      "$(echo "$n * 3600 / $m" | bc -l)"
    [ "$layout" = "pmt default" ] && pmt=$m
    if [[ "$layout" == python* ]] && { [ -z "$best_py" ] || (($(echo "$m < $best_py" | bc -l))); }; then
      best_py=$m
    fi
  done
  printf 'pmt default / best python wall time: %.2f\n' "$(echo "$pmt / $best_py" | bc -l)"
  unset times
done
