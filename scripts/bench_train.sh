#!/usr/bin/env bash
# bench_train.sh BUILD_DIR [WORK_DIR]: training throughput of pmt's train_mutants against the same
# models and optimisers in Python (Debian's python3-torch 1.13, scripts/bench_train_baseline.py),
# side by side on the same data (get_data.sh's 8,004 npm digits), whole processes timed, the
# layouts interleaved within each run (so that a shared machine's load hits them alike), the
# median of BENCH_RUNS runs (default 5) reported.
#
# Subjects (BENCH_SUBJECTS, default "mnist mnist_mlp"):
#   mnist      DeepCrime's MNIST model cut to MNIST_EPOCHS epochs (default 1; pmt: the mutation
#              change_epochs, which is exactly the subject with fewer epochs), MNIST_INSTANCES
#              instances (default 4); the test split evaluated after every epoch on both sides
#              (the subject's validation data)
#   mnist_mlp  the demo MLP at its own 5 epochs, MLP_INSTANCES instances (default 20); no
#              validation, so the test split is evaluated once at the end on both sides (pmt:
#              train_mutants then gen_acc)
# Layouts:
#   pmt default      train_mutants' defaults (no --fuse: one model per instance; one instance
#                    per core, one thread each)
#   pmt fuse F       --fuse F for F in MNIST_FUSE (default "2 4") / MLP_FUSE ("2 5 10 20")
#   python 1x2       one process, the instances one after the other, 2 intra-op threads
#   python 2x1       two processes at once, 1 thread each, half the instances each
#   functorch 1x2    one process, the instances as ONE functorch ensemble (stacked parameters,
#                    vmap(grad)), 2 threads
#   functorch 2x1    two such processes at once, 1 thread each, half the instances each
# (BENCH_PY_LAYOUTS: a comma-separated subset of these four)
# Reported per layout: median wall time, images/s (training images through the network, all
# instances), instances/hour of the full subject (mnist: 12 epochs, extrapolated), achieved
# GFLOP/s (model FLOPs: training 3 x the forward FLOPs per image, evaluation 1 x) against the
# roofline, the CPU seconds (user + system of all its processes: on a shared machine the wall
# time also counts the time spent waiting for a core, the CPU time does not) and GFLOP per CPU
# second, the peak RSS of the largest process (/usr/bin/time), and the ratio of pmt's default to
# the best Python layout. The roofline: GFLOP/s of a 4096^3 single-precision GEMM (OpenBLAS via
# numpy, the BLAS LibTorch uses) on 2 and 1 threads.
# BENCH_DECISION=1 (default) ends with the fused-vs-unfused decision: 20 mnist_mlp instances
# with --fuse 1 (seed 42) and 20 with --fuse 10 (seed 43: two fused models, one per core), evaluated by gen_acc, compared by
# mutation_test's DeepCrime test (GLM + Cohen's d) and ratio (bagged posterior), plus the
# same-seed check (--fuse 10 with seed 42: accuracies equal to the unfused ones).
set -euo pipefail

build="$(cd "${1:?usage: bench_train.sh BUILD_DIR [WORK_DIR]}" && pwd)"
work="${2:-$(mktemp -d)}"
here="$(cd "$(dirname "$0")" && pwd)"
runs="${BENCH_RUNS:-5}"
subjects="${BENCH_SUBJECTS:-mnist mnist_mlp}"
mnist_n="${MNIST_INSTANCES:-4}"
mnist_e="${MNIST_EPOCHS:-1}"
mlp_n="${MLP_INSTANCES:-20}"
mnist_fuse="${MNIST_FUSE-2 4}"
mlp_fuse="${MLP_FUSE-2 5 10 20}"
IFS=, read -r -a py_layouts <<< "${BENCH_PY_LAYOUTS:-python 1x2,python 2x1,functorch 1x2,functorch 2x1}"
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
data="$work/datasets/mnist"
base="$here/bench_train_baseline.py"
results="$work/bench_train_times.tsv"
: > "$results"
echo "bench_train: BLAS $blas (OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-auto}); $(nproc) cores;" \
  "$runs runs; load average $(cut -d' ' -f1-3 /proc/loadavg)"

# timed SUBJECT LAYOUT RUN COMMAND: runs COMMAND (a bash string) under /usr/bin/time and records
# SUBJECT LAYOUT RUN wall_s cpu_s(user + system, all processes) peak_rss_mb(largest process)
timed() {
  local subject=$1 layout=$2 run=$3 cmd=$4
  /usr/bin/time -f "%e %U %S %M" -o "$work/bench_time.txt" bash -c "$cmd"
  read -r wall user sys kb < "$work/bench_time.txt"
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$subject" "$layout" "$run" "$wall" \
    "$(echo "$user + $sys" | bc -l)" "$((kb / 1024))" >> "$results"
}

pmt_run() {  # pmt_run SUBJECT N FUSE RUN
  local subject=$1 n=$2 fuse=$3 run=$4 mut="--mut original" label="pmt fuse $3"
  [ "$subject" = mnist ] && mut="--mut change_epochs --param $mnist_e"
  [ "$fuse" = 0 ] && label="pmt default"
  rm -rf "$work/trained_models/$subject"
  local flag="--fuse $fuse"
  [ "$fuse" = 0 ] && flag=""
  local cmd="'$build/tools/train_mutants' --model $subject $mut --instances 0-$((n - 1)) $flag --data-root '$work' --quiet > /dev/null"
  # mnist_mlp has no validation data: the test split is evaluated at the end, as gen_acc does
  [ "$subject" = mnist_mlp ] && cmd="$cmd && '$build/tools/gen_acc' --model $subject $mut --data-root '$work' > /dev/null 2>&1"
  timed "$subject" "$label" "$run" "$cmd"
}

py_run() {  # py_run SUBJECT N LABEL RUN: python 1x2 | python 2x1 | functorch 1x2 | functorch 2x1
  local subject=$1 n=$2 label=$3 run=$4 epochs=5 extra=""
  [ "$subject" = mnist ] && epochs=$mnist_e
  case "$label" in functorch*) extra="--ensemble" ;; esac
  local py="/usr/bin/python3 '$base' --data-dir '$data' --model $subject --epochs $epochs $extra"
  case "$label" in
    *1x2) timed "$subject" "$label" "$run" "$py --instances $n --threads 2 > /dev/null" ;;
    *2x1)
      timed "$subject" "$label" "$run" "$py --instances $((n / 2)) --threads 1 --seed 1 > /dev/null &
        $py --instances $((n - n / 2)) --threads 1 --seed 2 > /dev/null; wait" ;;
  esac
}

for run in $(seq 1 "$runs"); do
  for subject in $subjects; do
    if [ "$subject" = mnist ]; then n=$mnist_n fuses="0 $mnist_fuse"; else n=$mlp_n fuses="0 $mlp_fuse"; fi
    for fuse in $fuses; do pmt_run "$subject" "$n" "$fuse" "$run"; done
    for label in "${py_layouts[@]}"; do
      py_run "$subject" "$n" "$label" "$run"
    done
    echo "bench_train: run $run/$runs $subject done (load average $(cut -d' ' -f1-3 /proc/loadavg))"
  done
done

roofline=$(/usr/bin/python3 - << 'PY'
import os, time, statistics, subprocess, sys
code = """
import time, statistics, numpy as np
n = 4096
a = np.random.rand(n, n).astype(np.float32); b = np.random.rand(n, n).astype(np.float32)
a @ b
ts, cs = [], []
for _ in range(5):
    t, c = time.perf_counter(), time.process_time()
    a @ b
    ts.append(time.perf_counter() - t); cs.append(time.process_time() - c)
print(2 * n**3 / statistics.median(ts) / 1e9, 2 * n**3 / statistics.median(cs) / 1e9)
"""
out = []
for threads in (2, 1):
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads))
    out.append(subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                              text=True, check=True).stdout.strip())
print(" ".join(out))
PY
)

/usr/bin/python3 - "$results" "$mnist_n" "$mnist_e" "$mlp_n" "$roofline" << 'PY'
import collections, statistics, sys
path, mnist_n, mnist_e, mlp_n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
gemm2, gemm2_cpu, gemm1, gemm1_cpu = map(float, sys.argv[5].split())
n_train, n_test = 8004, 1996
# forward FLOPs per image (2 x multiply-adds of the conv and dense layers)
fwd = {"mnist": 2 * (26 * 26 * 32 * 9 + 24 * 24 * 64 * 288 + 9216 * 128 + 128 * 10),
       "mnist_mlp": 2 * (784 * 64 + 64 * 10)}
work = {"mnist": (mnist_n, mnist_e, mnist_e, 12), "mnist_mlp": (mlp_n, 5, 1, 5)}
rows = collections.defaultdict(list)
cpu = collections.defaultdict(list)
rss = collections.defaultdict(list)
for line in open(path):
    subject, layout, run, seconds, cpu_s, peak = line.rstrip("\n").split("\t")
    rows[(subject, layout)].append(float(seconds))
    cpu[(subject, layout)].append(float(cpu_s))
    rss[(subject, layout)].append(float(peak))
print(f"bench_train: roofline: 4096^3 sgemm {gemm2:.0f} GFLOP/s on 2 threads, "
      f"{gemm1:.0f} on 1 thread (wall); {gemm1_cpu:.0f} GFLOP per CPU second on 1 thread, "
      f"{gemm2_cpu:.0f} on 2")
for subject in ("mnist", "mnist_mlp"):
    layouts = [l for (s, l) in rows if s == subject]
    if not layouts:
        continue
    n, epochs, evals, full = work[subject]
    flop = n * (epochs * n_train * 3 * fwd[subject] + evals * n_test * fwd[subject])
    print(f"bench_train: {subject}: {n} instances x {epochs} epoch(s), {evals} evaluation(s) of "
          f"the test split each; median of {len(rows[(subject, layouts[0])])} runs")
    print(f"  {'layout':<16} {'median s':>9} {'range s':>13} {'images/s':>9} "
          f"{'inst/hour':>9} {'GFLOP/s':>8} {'roofline':>8} {'CPU s':>7} {'GFLOP/CPU-s':>11} "
          f"{'of 1-core':>8} {'peak RSS MB':>11}")
    iph = {}
    for layout in layouts:
        ts = rows[(subject, layout)]
        t = statistics.median(ts)
        ips = n * epochs * n_train / t
        iph[layout] = 3600 * n * (epochs / full) / t
        gf = flop / t / 1e9
        c = statistics.median(cpu[(subject, layout)])
        peak = statistics.median(rss[(subject, layout)])
        print(f"  {layout:<16} {t:9.1f} {min(ts):6.1f}-{max(ts):<6.1f} {ips:9.0f} "
              f"{iph[layout]:9.1f} {gf:8.1f} {100 * gf / gemm2:7.0f}% {c:7.1f} "
              f"{flop / c / 1e9:11.1f} {100 * flop / c / 1e9 / gemm1_cpu:7.0f}% {peak:11.0f}")
    py = {l: v for l, v in iph.items() if not l.startswith("pmt")}
    best = max(py, key=py.get)
    fused = {l: v for l, v in iph.items() if l.startswith("pmt")}
    top = max(fused, key=fused.get)
    print(f"bench_train: {subject}: pmt default / best python ({best}) = "
          f"{iph['pmt default'] / py[best]:.2f}x; best pmt ({top}) = {fused[top] / py[best]:.2f}x")
PY

if [ "${BENCH_DECISION:-1}" = 1 ]; then
  # fused vs unfused: 20 + 20 mnist_mlp instances, the GLM test and the ratio
  d="$work/decision"
  rm -rf "$d"
  mkdir -p "$d"
  ln -s "$work/datasets" "$d/datasets"
  "$build/tools/train_mutants" --model mnist_mlp --instances 0-19 --fuse 1 --data-root "$d" --quiet > /dev/null
  "$build/tools/gen_acc" --model mnist_mlp --data-root "$d" > /dev/null 2>&1
  for seed in 43 42; do
    s="$work/decision_fused_$seed"
    rm -rf "$s"
    mkdir -p "$s"
    ln -s "$work/datasets" "$s/datasets"
    "$build/tools/train_mutants" --model mnist_mlp --instances 0-19 --fuse 10 --seed "$seed" \
      --data-root "$s" --quiet > /dev/null
    "$build/tools/gen_acc" --model mnist_mlp --data-root "$s" > /dev/null 2>&1
  done
  # the fused population as a "mutant" of the unfused one, for the analysis tools
  cp "$work/decision_fused_43/raw_data/mnist_mlp/results_mnist_mlp_original.csv" \
    "$d/raw_data/mnist_mlp/results_mnist_mlp_fused_mutated0_MP_10.csv"
  mkdir -p "$d/raw_data/deepcrime_comp"
  cp "$d/raw_data/mnist_mlp/results_mnist_mlp_original.csv" \
    "$d/raw_data/deepcrime_comp/results_mnist_mlp_original_dc.csv"
  cp "$d/raw_data/mnist_mlp/results_mnist_mlp_fused_mutated0_MP_10.csv" \
    "$d/raw_data/deepcrime_comp/results_mnist_mlp_fused_mutated0_MP_10_dc.csv"
  echo "bench_train: decision, 20 unfused (--fuse 1, seed 42) vs 20 fused (--fuse 10, seed 43) mnist_mlp instances:"
  "$build/tools/mutation_test" --model mnist_mlp --mut fused --param 10 --dc --data-root "$d"
  "$build/tools/ratio" --model mnist_mlp --mut fused --param 10 --data-root "$d"
  /usr/bin/python3 - "$d/raw_data/mnist_mlp/results_mnist_mlp_original.csv" \
    "$work/decision_fused_43/raw_data/mnist_mlp/results_mnist_mlp_original.csv" \
    "$work/decision_fused_42/raw_data/mnist_mlp/results_mnist_mlp_original.csv" << 'PY'
import statistics, sys
def acc(path):
    return [float(v) for v in open(path).read().strip().split("\n")[-1].split(";")[1:]]
a, b, same = (acc(p) for p in sys.argv[1:])
sd = statistics.stdev(a + b)
diff = abs(statistics.mean(a) - statistics.mean(b))
print(f"bench_train: mean accuracy unfused {statistics.mean(a):.4f} (sd {statistics.stdev(a):.4f}), "
      f"fused {statistics.mean(b):.4f} (sd {statistics.stdev(b):.4f}): |difference| {diff:.4f} "
      f"{'<' if diff < sd else '>='} one sd of the 40 ({sd:.4f})")
print(f"bench_train: same seed (42), fused vs unfused: largest |accuracy difference| "
      f"{max(abs(x - y) for x, y in zip(a, same)):.4f} over 20 instances")
PY
fi
