#!/usr/bin/python3
"""Regression fixture for `mutation_test --dc` with a missing instance, run once.

Copies raw_data/deepcrime_comp/results_mnist_change_label_mutated0_MP_3.12_dc.csv to
tests/data/dc_missing/ with the cell of pred_label_model_15 emptied (a failed training), and
prints what the reference computes on it: comp_deepcrime.py fits statsmodels' GLM `Acc ~ Mod`
(patsy drops the missing row) and reads p off the summary (3 decimals); its Cohen's d is NaN
(numpy mean of a list holding NaN), so it cannot print "Killed". Also the same GLM p-value by the
formula of DESIGN.md (Wald z with pooled scale) and Cohen's d on the 19 usable instances, which
is what pmt reports (it drops the missing instance from both). The numbers are kept in
tests/tools/mutation_test_test.cpp.

Usage: scripts/dc_missing_fixture.py [project-root]   (python3-statsmodels, python3-pandas)
"""
import math
import os
import sys

import numpy as np

root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
src = os.path.join(root, "raw_data", "deepcrime_comp")
name = "results_mnist_change_label_mutated0_MP_3.12_dc.csv"
missing = 15

lines = open(os.path.join(src, name)).read().splitlines()
cells = lines[-1].split(";")
cells[1 + missing] = ""
lines[-1] = ";".join(cells)
dst = os.path.join(root, "tests", "data", "dc_missing")
os.makedirs(dst, exist_ok=True)
with open(os.path.join(dst, name), "w") as f:
    f.write("\n".join(lines) + "\n")


def last_row(path):
    row = open(path).read().strip().splitlines()[-1].split(";")[1:]
    return np.array([float(v) if v else np.nan for v in row])


a = last_row(os.path.join(src, "results_mnist_original_dc.csv"))
b = last_row(os.path.join(dst, name))

# The reference: statsmodels GLM on a DataFrame holding the NaN (dropped by patsy).
try:
    import pandas as pd
    import statsmodels.api as sm
    import statsmodels.formula.api as smf

    df = pd.DataFrame({"Acc": np.concatenate([a, b]), "Mod": [0] * len(a) + [1] * len(b)})
    fit = smf.glm("Acc ~ Mod", data=df, family=sm.families.Gaussian()).fit()
    p_ref = fit.pvalues["Mod"]
    print(f"statsmodels GLM p = {p_ref!r} (summary: {p_ref:.3f}), nobs = {fit.nobs}")
except ImportError:
    print("statsmodels not installed: reference GLM skipped")
print(f"reference Cohen's d (numpy, NaN kept): {np.mean(b)} -> nan, never 'Killed'")

# DESIGN.md's formula on the usable instances, and pmt's Cohen's d.
bb = b[~np.isnan(b)]
ss = ((a - a.mean()) ** 2).sum() + ((bb - bb.mean()) ** 2).sum()
scale = ss / (len(a) + len(bb) - 2)
diff = bb.mean() - a.mean()
p = math.erfc(abs(diff / math.sqrt(scale * (1 / len(a) + 1 / len(bb)))) / math.sqrt(2))
d = (a.mean() - bb.mean()) / math.sqrt(scale)
print(f"Wald z pooled-scale p = {p!r} (3 decimals: {round(p, 3)}), n = {len(a)} + {len(bb)}")
print(f"Cohen's d on the usable instances = {d!r}; pmt: killed = {round(p, 3) < 0.05 and abs(d) >= 0.5}")
