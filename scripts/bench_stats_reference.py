#!/usr/bin/python3
"""Times the Python reference's mutation test: a statsmodels GLM (Gaussian, Acc ~ Mod) whose
p-value is read from the printed summary (as the replication package's utils.p_value_glm does)
plus Cohen's d with numpy, on 20 vs 20 accuracies drawn from the bundled MNIST files.
Prints {"seconds_per_test": ..., "tests": ...} as JSON. Needs python3-statsmodels (Debian)."""
import json, sys, time
import numpy as np
import pandas as pd
import statsmodels.api as sm
from patsy import dmatrices

root = sys.argv[1] if len(sys.argv) > 1 else "."
n_tests = int(sys.argv[2]) if len(sys.argv) > 2 else 300

def last_row(path):
    return pd.read_csv(path, sep=";").tail(1).to_numpy()[0][1:].astype(float)

sound = last_row(f"{root}/raw_data/mnist/results_mnist_original.csv")
mutant = last_row(f"{root}/raw_data/mnist/results_mnist_delete_training_data_mutated0_MP_9.29.csv")

def test(a, b):
    frame = pd.DataFrame({"Acc": list(a) + list(b), "Mod": [0] * len(a) + [1] * len(b)})
    y, x = dmatrices("Acc ~ Mod", frame, return_type="dataframe")
    p = float(str(sm.GLM(y, x).fit().summary().tables[1][2][4]))
    pooled = np.sqrt(((len(a) - 1) * np.std(a, ddof=1) ** 2 + (len(b) - 1) * np.std(b, ddof=1) ** 2)
                     / (len(a) + len(b) - 2))
    d = abs((np.mean(a) - np.mean(b)) / pooled)
    return p < 0.05 and d >= 0.5

rng = np.random.default_rng(42)
start = time.perf_counter()
kills = sum(test(rng.choice(sound, 20, replace=False), rng.choice(mutant, 20, replace=False))
            for _ in range(n_tests))
elapsed = time.perf_counter() - start
print(json.dumps({"tests": n_tests, "seconds_per_test": elapsed / n_tests, "kill_rate": kills / n_tests}))
