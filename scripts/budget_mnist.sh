#!/usr/bin/env bash
# Instance budgets of the 30 mnist configurations: for every mutation and parameter
# of data/settings.json, `ratio --budget` on the bundled accuracies (raw_data/mnist, 200
# instances per side; --same for the post-training mutations), then one table with the full
# verdict, the instances per side needed and the saving, the median saving and the wall time.
# Usage: scripts/budget_mnist.sh [build-dir] [extra ratio flags, e.g. --proc 2 --test wilcoxon]
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build}"
shift || true
start=$(date +%s.%N)
out=$(mktemp)
for mut in change_label delete_training_data change_activation_function \
  change_weights_initialisation neurons_freezing weights_fuzzing; do
  same=""
  case "$mut" in neurons_freezing | weights_fuzzing) same="--same" ;; esac
  "$build/tools/ratio" --data-root . --model mnist --mut "$mut" $same --budget --json "$@" \
    2>/dev/null >>"$out"
done
end=$(date +%s.%N)
/usr/bin/python3 - "$out" "$start" "$end" <<'PY'
import json, statistics, sys
rows = []
for line in open(sys.argv[1]):
    j = json.loads(line)
    for r in j["budget"]["results"]:
        rows.append((j["mut"], r))
print(f"{'mutation':30s} {'param':14s} {'full verdict':12s} {'needed':>6s}  saving")
savings = []
for mut, r in rows:
    need = r["needed"]
    sav = "-" if need is None else f"{r['full']} -> {need} ({100 * r['saving']:.0f}%)"
    if need is not None:
        savings.append(r["saving"])
    print(f"{mut:30s} {r['param']:14s} {r['full_verdict']:12s} {str(need or '-'):>6s}  {sav}")
firm = len(savings)
print(f"{len(rows)} configurations, {firm} with a firm full verdict; median saving "
      f"{100 * statistics.median(savings):.0f}% over those "
      f"(median needed {statistics.median([1 - s for s in savings]) * 200:.0f} of 200); "
      f"wall time {float(sys.argv[3]) - float(sys.argv[2]):.1f} s")
PY
rm -f "$out"
