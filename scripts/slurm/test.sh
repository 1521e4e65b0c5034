#!/usr/bin/env bash
# The Slurm test, on a real one-node Slurm started here (local_cluster.sh): submits a
# study with submit.sh (2-task training arrays of 4 mnist_mlp instances, sound and one mutant; a
# dependent gen_acc job; a dependent ratio job), requeues one training task in the middle of an
# epoch, waits, and checks that the models, the accuracy files and ratio's output are
# bit-identical to a local unsharded run and that no temporary file is left; then the paper's
# motivating example through submit.sh --paper, identical to `make -C paper motivating`. Stops the daemons it
# started (by pid) whatever happens. Offline: the `mnist` dataset folder is Debian's
# Fashion-MNIST (same IDX format and shape), so no download is needed.
# Usage: scripts/slurm/test.sh [build-dir]   (as root; exit 77 = skipped, not root)
set -euo pipefail
cd "$(dirname "$0")/../.."
build="$(realpath "${1:-build}")"
bin="$build/tools"
[ "$(id -u)" = 0 ] || { echo "slurm test: skipped (the daemons need root)"; exit 77; }
start=$(date +%s)
work="$(mktemp -d /tmp/pmt_slurm_test.XXXXXX)"
cluster="$work/cluster"
cleanup() {
  scripts/slurm/local_cluster.sh stop "$cluster" || true
  if [ "${keep:-0}" = 1 ]; then echo "slurm test: kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
fail() { echo "slurm test: FAILED: $*" >&2; keep=1; exit 1; }

# Data: Fashion-MNIST from Debian as the mnist folder.
fashion=/usr/share/datasets/fashion-mnist
if [ ! -s "$fashion/train-images-idx3-ubyte.gz" ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist >/dev/null
fi
data="$work/datasets/mnist"
mkdir -p "$data"
for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
  ln -s "$fashion/$f.gz" "$data/$f.gz"
done
# mnist_mlp with 2 epochs (a few seconds per instance on 60,000 images)
sed 's/"epochs": 5/"epochs": 2/' data/subjects/mnist_mlp.json >"$work/mnist_mlp.json"
grep -q '"epochs": 2' "$work/mnist_mlp.json" || fail "could not set the epochs of the test subject"
cat >"$work/study.txt" <<EOF
# the Slurm test's study
model mnist_mlp
subject $work/mnist_mlp.json
data_dir $work/datasets
instances 0-3
shards 2
seed 7
mutation delete_training_data 50
analysis ratio --sample-size 4 --mc-reps 5 --proc 1
EOF

scripts/slurm/local_cluster.sh start "$cluster" >/dev/null
export SLURM_CONF="$cluster/slurm.conf"
t_submit=$(date +%s)
out=$(scripts/slurm/submit.sh "$work/study.txt" --data-root "$work/slurm" --bin "$bin")
echo "$out"
read -r -a jobs <<<"$(echo "$out" | sed -n 's/^jobs: //p')"
[ ${#jobs[@]} = 4 ] || fail "expected 4 jobs (2 arrays, gen_acc, ratio), got: ${jobs[*]}"

# Requeue task 1 of the sound array in the middle of its training (after its first epoch line).
log="$work/slurm/slurm_logs/pmt-train-original_${jobs[0]}_1.out"
for _ in $(seq 600); do grep -q 'epoch 1/2' "$log" 2>/dev/null && break; sleep 0.1; done
grep -q 'epoch 1/2' "$log" || fail "task ${jobs[0]}_1 did not start training ($log)"
scontrol requeue "${jobs[0]}_1"
echo "slurm test: requeued task ${jobs[0]}_1 during its second epoch"
sleep 3  # let slurmd finish the killed task, then lift Slurm's 2-minute requeue delay
scontrol update jobid="${jobs[0]}_1" StartTime=now

for _ in $(seq 900); do
  [ -z "$(squeue -h 2>/dev/null)" ] && break
  sleep 0.5
done
[ -z "$(squeue -h)" ] && echo "slurm test: all jobs done in $(($(date +%s) - t_submit)) s" ||
  fail "jobs still queued after 7.5 minutes: $(squeue -h)"
for j in "${jobs[@]}"; do
  state=$(scontrol -o show job "$j" 2>/dev/null | grep -o 'JobState=[A-Z]*' | sort -u | tr '\n' ' ')
  [ "$state" = "JobState=COMPLETED " ] || fail "job $j: $state (logs in $work/slurm/slurm_logs)"
done
grep -q 'restart 1' "$log" || fail "task ${jobs[0]}_1 was not rerun after the requeue"

# The same study locally, unsharded.
local_root="$work/local"
for mut in original delete_training_data; do
  param=()
  [ "$mut" = original ] || param=(--param 50)
  "$bin/train_mutants" --model mnist_mlp --subject "$work/mnist_mlp.json" --data-dir "$work/datasets" \
    --data-root "$local_root" --seed 7 --mut "$mut" "${param[@]}" --instances 0-3 --quiet >/dev/null
  "$bin/gen_acc" --model mnist_mlp --subject "$work/mnist_mlp.json" --data-dir "$work/datasets" \
    --data-root "$local_root" --mut "$mut" "${param[@]}" >/dev/null
done
"$bin/ratio" --model mnist_mlp --mut delete_training_data --data-root "$local_root" --sample-size 4 \
  --mc-reps 5 --proc 1 >"$work/local_ratio.txt" 2>/dev/null

for f in raw_data/mnist_mlp/results_mnist_mlp_original.csv \
  raw_data/mnist_mlp/results_mnist_mlp_delete_training_data_mutated0_MP_50.csv \
  trained_models/mnist_mlp/original/instance_{0,1,2,3}.pt \
  trained_models/mnist_mlp/delete_training_data_50/instance_{0,1,2,3}.pt; do
  cmp -s "$work/slurm/$f" "$local_root/$f" || fail "$f differs between Slurm and the local run"
done
cmp -s "$work/slurm/analyses/mnist_mlp/delete_training_data_ratio.txt" "$work/local_ratio.txt" ||
  fail "ratio's output differs between Slurm and the local run"
# A paper target through Slurm (submit.sh --paper), against make locally.
out=$(scripts/slurm/submit.sh --paper motivating --data-root "$work/slurm" --bin "$bin")
echo "$out"
for _ in $(seq 600); do [ -z "$(squeue -h 2>/dev/null)" ] && break; sleep 0.2; done
make -s -C paper motivating BIN="$bin" OUT="$work/paper_local" >/dev/null
cmp -s "$work/slurm/paper/motivating_example.txt" "$work/paper_local/motivating_example.txt" ||
  fail "the paper's motivating example differs between Slurm and make (logs in $work/slurm/paper/slurm_logs)"

leftovers=$(find "$work/slurm" -name '*.tmp.*' | head -3)
[ -z "$leftovers" ] || fail "temporary files left: $leftovers"
echo "slurm test: passed in $(($(date +%s) - start)) s (models, accuracy files, ratio and the paper's motivating example identical to the local runs)"
