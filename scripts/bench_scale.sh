#!/usr/bin/env bash
# The scale report's measurements (docs/slurm.md): instances per hour of each subject of the PMT
# study on this node, at DeepCrime's data sizes and epochs, with train_mutants' default layout
# (one instance per core). Each subject trains 2 instances (both cores) for `epochs` epochs
# (default 1) on data of its real size; instances/hour = 2 x 3600 / (subject epochs x median
# seconds per epoch). Data whose content does not change the cost are synthetic (NumPy, seeded):
#   mnist         Debian's Fashion-MNIST as the 60,000 + 10,000 images (MNIST's size and shape)
#   lenet         UnityEyes' size: 103,428 training samples of 36x60 + 2 head angles (10% of them
#                 Keras' validation split), 1,000 test samples
#   movie_recomm  ml-latest-small's split: 72,601 training, 10,084 validation pairs
# Then the study's node-hours from data/settings.json (200 instances per configuration, the sound
# subject included; neurons_freezing and weights_fuzzing are post-training: no training).
# Usage: scripts/bench_scale.sh [build-dir] [work-dir] [epochs]   (needs /usr/bin/python3 + numpy)
set -euo pipefail
cd "$(dirname "$0")/.."
build="$(realpath "${1:-build}")"
work="$(realpath -m "${2:-/tmp/pmt_bench_scale}")"
epochs="${3:-1}"
mkdir -p "$work/datasets/mnist" "$work/datasets/unityeyes" "$work/datasets/movielens"
fashion=/usr/share/datasets/fashion-mnist
for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
  ln -sfn "$fashion/$f.gz" "$work/datasets/mnist/$f.gz"
done
/usr/bin/python3 - "$work/datasets" <<'PY'
import os, sys
import numpy as np
d = sys.argv[1]
r = np.random.default_rng(1)
def save(path, a):
    if not os.path.exists(path):
        np.save(path, a)
u = os.path.join(d, "unityeyes")
for split, n in (("train", 103428), ("test", 1000)):
    save(f"{u}/{split}_x_img.npy", r.random((n, 36, 60, 1), dtype=np.float32))
    save(f"{u}/{split}_x_head_angles.npy", r.normal(0, 0.3, (n, 2)).astype(np.float32))
    save(f"{u}/{split}_y_gaze_angles.npy", r.normal(0, 0.3, (n, 2)).astype(np.float32))
m = os.path.join(d, "movielens")
for split, n in (("train", 72601), ("val", 10084), ("test", 18151)):
    save(f"{m}/{split}_users.npy", r.integers(0, 610, n).astype(np.int64))
    save(f"{m}/{split}_movies.npy", r.integers(0, 9724, n).astype(np.int64))
    save(f"{m}/{split}_ratings.npy", r.random(n).astype(np.float32))
PY
printf '%-14s %8s %12s %14s %12s\n' subject epochs "s/epoch" "instances/h" "peak RSS MB"
rates=()
for model in mnist lenet movie_recomm; do
  full=$(sed -n 's/^ *"epochs": \([0-9]*\).*/\1/p' "data/subjects/$model.json")
  sed "s/^\( *\)\"epochs\": [0-9]*/\1\"epochs\": $epochs/" "data/subjects/$model.json" >"$work/$model.json"
  rm -rf "$work/trained_models/$model"
  json=$("$build/tools/train_mutants" --model "$model" --subject "$work/$model.json" \
    --data-root "$work" --instances 0-1 --quiet --json)
  secs=$(for i in 0 1; do
    /usr/bin/python3 -c 'import json,sys; h=json.load(open(sys.argv[1]))["history"]; print("\n".join(str(e["seconds"]) for e in h))' \
      "$work/trained_models/$model/original/instance_$i.json"
  done | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
  rss=$(echo "$json" | /usr/bin/python3 -c 'import json,sys; print(round(json.load(sys.stdin)["peak_rss_mb"]))')
  rate=$(awk -v s="$secs" -v e="$full" 'BEGIN { printf "%.1f", 2 * 3600 / (e * s) }')
  rates+=("$model=$rate")
  printf '%-14s %8s %12.1f %14s %12s\n' "$model" "$full" "$secs" "$rate" "$rss"
done
/usr/bin/python3 - "${rates[@]}" <<'PY'
import json, sys
rates = dict(a.split("=") for a in sys.argv[1:])
s = json.load(open("data/settings.json"))
post = set(s.get("model_level_mutations", []))
total = 0.0
for model, muts in s["models"].items():
    configs = 1 + sum(len(p) for m, p in muts.items() if m not in post)
    hours = configs * 200 / float(rates[model])
    total += hours
    print(f"{model}: {configs} trained configurations x 200 instances = {configs * 200} instances, "
          f"{hours:.0f} node-hours")
print(f"study: {total:.0f} node-hours; overnight (12 h): {int(-(-total // 12))} nodes")
PY
