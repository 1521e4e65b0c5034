#!/usr/bin/python3
"""Fixture cases for pmt's Wilcoxon tests (tests/stats/wilcoxon_test.cpp), computed once with
scipy 1.10 (Debian bookworm's python3-scipy) and written as C++ to tests/stats/wilcoxon_cases.inc,
so that the test suite needs no Python. Also DeepCrime's single test with `WLX` on the 20 mnist
rows of raw_data/deepcrime_comp/ (mannwhitneyu(sound, mutant), numpy's Cohen's d, killed when
p < 0.05 and |d| >= 0.5) -> tests/data/wilcoxon_dc_mnist.json (tests/tools/mutation_test_test.cpp).

  scipy.stats.mannwhitneyu(x, y)  = use_continuity=True, alternative='two-sided', method='auto'
  scipy.stats.wilcoxon(x, y)      = zero_method='wilcox', correction=False, method='auto'

Each case records the statistic, the p-value and which method 'auto' chose (found by comparing
with method='exact' and the asymptotic method; -1 when both give the same p).
Cases: continuous samples (exact and asymptotic), ties, zeros among the paired differences,
every size 1..30 for both tests, sizes around scipy's thresholds (8/9, 50/51), constant and fully
separated samples, and MNIST accuracies resampled as the bootstrap does (raw_data/mnist/).

Usage: scripts/wilcoxon_fixtures.py [project-root]   (apt-get install python3-scipy)
"""
import json
import os
import sys
import warnings

import numpy as np
import scipy
from scipy import stats

root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
assert scipy.__version__.startswith("1.10"), f"needs scipy 1.10, found {scipy.__version__}"
warnings.simplefilter("ignore")
rng = np.random.default_rng(20240607)


def accuracies(name, folder="mnist"):
    with open(os.path.join(root, "raw_data", folder, f"results_mnist_{name}.csv")) as f:
        last = f.read().strip().splitlines()[-1]
    return np.array([float(v) for v in last.split(";")[1:]])


cases = []


def which(p, p_exact, p_approx):
    if p_exact == p_approx:
        return -1
    return 1 if p == p_exact else 0 if p == p_approx else -2


def mwu(name, x, y):
    x, y = np.asarray(x, float), np.asarray(y, float)
    r = stats.mannwhitneyu(x, y)
    pe = stats.mannwhitneyu(x, y, method="exact").pvalue
    pa = stats.mannwhitneyu(x, y, method="asymptotic").pvalue
    m = which(r.pvalue, pe, pa)
    assert m != -2, name
    cases.append((name, False, x, y, float(r.statistic), float(r.pvalue), m))


def wlx(name, x, y):
    x, y = np.asarray(x, float), np.asarray(y, float)
    r = stats.wilcoxon(x, y)
    pa = stats.wilcoxon(x, y, method="approx").pvalue
    pe = stats.wilcoxon(x, y, method="exact").pvalue
    # With a zero difference, method='exact' itself falls back to the approximation.
    m = 0 if np.any(x - y == 0) else which(r.pvalue, pe, pa)
    assert m != -2, name
    cases.append((name, True, x, y, float(r.statistic), float(r.pvalue), m))


# --- Mann-Whitney U -------------------------------------------------------------------------
for n in range(1, 31):  # every size, continuous (no ties): exact up to 8, asymptotic from 9
    for shift in (0.0, 1.0):
        mwu(f"mwu continuous {n}v{n} shift {shift}", rng.normal(size=n), rng.normal(size=n) + shift)
for n1, n2 in [(1, 30), (30, 1), (1, 2), (2, 5), (5, 2), (3, 20), (20, 3), (7, 12), (8, 9),
               (9, 8), (8, 30), (9, 9), (9, 30), (4, 100), (8, 60), (25, 40)]:
    for shift in (0.3, 2.0):
        mwu(f"mwu continuous {n1}v{n2} shift {shift}", rng.normal(size=n1),
            rng.normal(size=n2) + shift)
for n1, n2 in [(3, 4), (5, 6), (8, 8), (10, 10), (20, 20), (30, 30), (2, 25)]:  # ties: asymptotic
    for shift in (0.0, 0.8):
        mwu(f"mwu ties {n1}v{n2} shift {shift}", np.round(rng.normal(size=n1), 1),
            np.round(rng.normal(size=n2) + shift, 1))
mwu("mwu one tie across samples 4v5", [1, 2, 3, 4], [4, 5, 6, 7, 8])
mwu("mwu all tied 3v3", [0.99] * 3, [0.99] * 3)
mwu("mwu all tied 20v20", [0.99] * 20, [0.99] * 20)
mwu("mwu constant but different 20v20", [0.99] * 20, [0.98] * 20)
mwu("mwu 1v1", [0.5], [0.7])
mwu("mwu separated 8v30", np.arange(8.0), np.arange(30.0) + 100)
mwu("mwu separated 30v30", np.arange(30.0), np.arange(30.0) + 100)
mwu("mwu separated 5v5", np.arange(5.0) + 10, np.arange(5.0))
sound = accuracies("original")
for mut in ("delete_training_data_mutated0_MP_9.29", "change_label_mutated0_MP_3.12",
            "delete_training_data_mutated0_MP_30.93"):
    mutant = accuracies(mut)
    for k in (5, 8, 20):
        for rep in range(3):  # as the bootstrap: resample, then draw k positions
            bs, bm = rng.choice(sound, sound.size), rng.choice(mutant, mutant.size)
            mwu(f"mwu mnist {mut} k {k} #{rep}", rng.choice(bs, k, replace=False),
                rng.choice(bm, k, replace=False))

# --- signed-rank ----------------------------------------------------------------------------
for n in range(1, 31):  # every size, continuous differences: exact
    for shift in (0.0, 0.7):
        x = rng.normal(size=n)
        wlx(f"wlx continuous n {n} shift {shift}", x, x - rng.normal(size=n) - shift)
for n in (45, 50, 51, 60):  # scipy 1.10's threshold: exact up to 50 pairs
    x = rng.normal(size=n)
    wlx(f"wlx continuous n {n}", x, x - rng.normal(size=n) - 0.3)
# Differences on a grid of quarters (x + d - x == d exactly), so that |d| really ties.
def quarters(n, shift):
    return np.round((rng.normal(size=n) + shift) * 4) / 4, rng.integers(0, 64, n) / 4.0


for n in (3, 5, 10, 20, 30, 50):  # ties among |d|, no zero: still 'exact' (r_plus truncated)
    for shift in (0.0, 0.5):
        d, x = quarters(n, shift)
        d[d == 0] = 0.25
        wlx(f"wlx ties n {n} shift {shift}", x + d, x)
wlx("wlx tie across signs n 4", [1.0, 2.0, 3.0, 4.0], [0.5, 2.5, 2.0, 3.5])
wlx("wlx half-integer r_plus n 5", [0, 0, 0, 0, 0], [1.0, -1.0, 2.0, 3.0, 4.0])
for n in (2, 5, 10, 20, 30, 51, 60):  # zeros: normal approximation without them
    for shift in (0.0, 0.6):
        d, x = quarters(n, shift)
        d[: max(1, n // 5)] = 0.0
        d[-1] = 0.5  # at least one non-zero difference
        wlx(f"wlx zeros n {n} shift {shift}", x + d, x)
wlx("wlx one non-zero n 4", [1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 3.5])
wlx("wlx constant difference n 20", [0.99] * 20, [0.98] * 20)
wlx("wlx constant difference n 60", [0.99] * 60, [0.98] * 60)
wlx("wlx 1 pair", [0.5], [0.7])
for mut in ("neurons_freezing_mutated0_MP_0.01", "neurons_freezing_mutated0_MP_0.1",
            "weights_fuzzing_mutated0_MP_0.05_1"):
    mutant = accuracies(mut)
    for k in (5, 20):
        for rep in range(3):  # paired bootstrap: ids resampled, then k positions
            ids = rng.choice(rng.integers(0, sound.size, sound.size), k, replace=False)
            wlx(f"wlx mnist {mut} k {k} #{rep}", sound[ids], mutant[ids])


def arr(v):
    return "{" + ", ".join(repr(float(t)) for t in v) + "}"


out = os.path.join(root, "tests", "stats", "wilcoxon_cases.inc")
with open(out, "w") as f:
    f.write(f"// Generated by scripts/wilcoxon_fixtures.py with scipy {scipy.__version__} and numpy "
            f"{np.__version__}: do not edit.\n// {{name, paired, x, y, statistic, p-value, "
            "exact (1), asymptotic (0), either (-1)}\n")
    for name, paired, x, y, s, p, m in cases:
        f.write(f'{{"{name}", {str(paired).lower()}, {arr(x)}, {arr(y)}, {s!r}, {p!r}, {m}}},\n')
print(f"{len(cases)} cases -> {out}", file=sys.stderr)


def cohen_d(a, b):  # the reference's utils.cohen_d
    n1, n2 = len(a), len(b)
    s = np.sqrt(((n1 - 1) * np.var(a, ddof=1) + (n2 - 1) * np.var(b, ddof=1)) / (n1 + n2 - 2))
    return (np.mean(a) - np.mean(b)) / s


settings = json.load(open(os.path.join(root, "data", "settings.json")))["models"]["mnist"]
dc_sound = accuracies("original_dc", "deepcrime_comp")
rows = []
for mut in ("change_label", "delete_training_data", "change_activation_function",
            "change_weights_initialisation"):
    for param in settings[mut]:
        b = accuracies(f"{mut}_mutated0_MP_{param}_dc", "deepcrime_comp")
        r = stats.mannwhitneyu(dc_sound, b)
        d = abs(cohen_d(dc_sound, b))
        rows.append({"mut": mut, "param": param, "statistic": float(r.statistic),
                     "p_value": float(r.pvalue), "effect_size": float(d),
                     "killed": bool(r.pvalue < 0.05 and d >= 0.5)})
out = os.path.join(root, "tests", "data", "wilcoxon_dc_mnist.json")
with open(out, "w") as f:
    json.dump({"source": f"scripts/wilcoxon_fixtures.py, scipy {scipy.__version__}: "
               "mannwhitneyu(sound, mutant) on raw_data/deepcrime_comp",
               "rows": rows}, f, indent=1)
    f.write("\n")
print(f"{len(rows)} DeepCrime rows -> {out}", file=sys.stderr)
