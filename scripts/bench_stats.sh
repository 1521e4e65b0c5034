#!/usr/bin/env bash
# Statistics benchmark: pmt's mutation tests per second per core, its scaling with --proc, the
# bit-identity of results across thread counts, the full sampling-effect sweep of one parameter,
# and the speed-up over the Python reference (statsmodels) measured side by side in this run.
# Usage: scripts/bench_stats.sh [--proc N] [--reps R] [--no-sweep]   (installs python3-statsmodels)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_deps.sh python3-statsmodels python3-pandas python3-patsy
scripts/build.sh >/dev/null
bench="${PMT_BUILD_DIR:-build}/bench/bench_stats"
echo "pmt (bench_stats $*):" >&2
pmt_json=$("$bench" --data-root . "$@")
echo "Python reference (statsmodels GLM + numpy Cohen's d, 300 tests):" >&2
ref_json=$(/usr/bin/python3 scripts/bench_stats_reference.py . 300)
/usr/bin/python3 - "$pmt_json" "$ref_json" <<'PY'
import json, sys
pmt, ref = json.loads(sys.argv[1]), json.loads(sys.argv[2])
one = pmt["one_thread"]["tests_per_second"]
n = pmt["n_threads"]
print(f"machine: {pmt['threads']} threads")
print(f"pmt, 1 thread:        {one / 1e6:8.2f} M tests/s")
print(f"pmt, {pmt['threads']} threads:       {n['tests_per_second'] / 1e6:8.2f} M tests/s "
      f"({n['tests_per_second_per_core'] / 1e6:.2f} M per core, x{n['speedup_over_one_thread']:.2f} over 1 thread)")
print(f"bit-identical across thread counts: {pmt['bit_identical_across_threads']}")
t = pmt["by_test"]
for name, label in (("glm", "GLM"), ("mann_whitney", "Wilcoxon Mann-Whitney U"),
                    ("glm_paired_draws", "GLM, paired draws"), ("signed_rank", "Wilcoxon signed-rank")):
    print(f"  {label + ', 1 thread:':34s}{t[name]['tests_per_second'] / 1e6:6.2f} M tests/s "
          f"(mean kill rate {t[name]['mean_kill_rate']:.3f})")
print(f"  bare rank tests, 1 thread:        {t['bare_mann_whitney_per_second'] / 1e6:6.2f} M Mann-Whitney/s, "
      f"{t['bare_signed_rank_per_second'] / 1e6:.2f} M signed-rank/s")
print(f"reference (Python):   {ref['seconds_per_test'] * 1e3:8.3f} ms per test "
      f"= {1 / ref['seconds_per_test']:.0f} tests/s")
print(f"speed-up per core:    {one * ref['seconds_per_test']:,.0f}x")
if "sweep" in pmt:
    s = pmt["sweep"]
    print(f"sampling-effect sweep (240 M tests + 24,000 fits) on {s['threads']} threads: {s['seconds']:.1f} s")
PY
