#!/usr/bin/python3
"""Fixture values of DeepCrime's statistical power for tests/stats/power_test.cpp.

Debian's python3-statsmodels (0.13.5) and scipy (1.10.1): the two-sided two-sample t-test power
TTestIndPower().solve_power(effect_size=d, nobs1=n, alpha=0.05, ratio=1), and DeepCrime's
stats.py power, FTestAnovaPower().solve_power(effect_size=d, nobs=2n, alpha=0.05) (f = d).
Also Python's round() cases used by tests/search/search_test.cpp.
Run: /usr/bin/python3 scripts/power_fixtures.py
"""
from statsmodels.stats.power import FTestAnovaPower, TTestIndPower

for d, n in [(0.5, 20), (0.8, 20), (1.0, 20), (2.0, 20), (0.3, 20), (1.5, 4), (0.5, 4), (-0.8, 20)]:
    p = TTestIndPower().solve_power(effect_size=d, nobs1=n, alpha=0.05, ratio=1)
    print(f"ttest d={d} n={n}: {p!r}")
for d in [0.5, 0.8]:
    p = FTestAnovaPower().solve_power(effect_size=d, nobs=40, alpha=0.05)
    print(f"deepcrime (FTestAnovaPower f=d) d={d} nobs=40: {p!r}")
for x, k in [(3.125, 2), (12.375, 2), (37.125, 2), (2.675, 2), (28.125, 2), (29.685, 2),
             (6.5, 0), (7.5, 0), (0.0055, 3), (0.5505, 3)]:
    print(f"round({x!r}, {k}) = {round(x, k)!r}")
