#!/usr/bin/env bash
# Weak vs full test set: DeepCrime's mutation score of the mnist_mlp subject's full test
# split and of its weak test set (weak_test_set: the inputs sound instance 0 classifies right with
# the highest confidence), from mutation_search on ten operators (seven binary, three
# exhaustive), `--instances` per configuration on the npm digits (scripts/get_data.sh).
# Everything resumes: a rerun trains nothing twice.
# Usage: scripts/score_weak.sh [build-dir] [data-root] [instances, default 20] [fraction, default 0.5]
set -euo pipefail
cd "$(dirname "$0")/.."
build="$(realpath "${1:-build}")"
root="${2:-score_weak}"
instances="${3:-20}"
fraction="${4:-0.5}"
tools="$build/tools"
scripts/get_data.sh "$root" >/dev/null
model=mnist_mlp
ops=(change_label delete_training_data unbalance_train_data add_noise make_output_classes_overlap
  change_learning_rate change_epochs change_activation_function change_optimisation_function
  change_batch_size)
start=$(date +%s)
for mut in "${ops[@]}"; do
  echo "== mutation_search $mut (training and full test set)"
  "$tools/mutation_search" --model "$model" --mut "$mut" --instances "$instances" --set both \
    --data-root "$root" --no-progress
done
weak="$root/weak/weak-images-idx3-ubyte"
"$tools/weak_test_set" --model "$model" --data-root "$root" --fraction "$fraction" --out "$weak"
for mut in "${ops[@]}"; do
  echo "== mutation_search $mut (weak test set)"
  "$tools/mutation_search" --model "$model" --mut "$mut" --instances "$instances" --set test \
    --test-set "$weak" --test-set-name weak --data-root "$root" --no-progress
done
echo "== mutation score, full test set"
"$tools/mutation_score" --model "$model" --data-root "$root"
echo "== mutation score, weak test set"
"$tools/mutation_score" --model "$model" --data-root "$root" --test-set-name weak
echo "== done in $(($(date +%s) - start)) s"
