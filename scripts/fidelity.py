#!/usr/bin/python3
"""Runs pmt's analysis tools on the replication package's data (tests/data/pmt, raw_data/) and
compares every number with what the Python reference computes (tests/data/pmt/oracles_mnist.json).
Prints, per group, how many values match (to 1e-6 relative; p-values exactly) and the worst
relative error. Usage: scripts/fidelity.py [build-dir]   (exit 1 if anything mismatches)"""
import json, math, os, shutil, subprocess, sys, tempfile

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
tools = os.path.join(sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "build"), "tools")
data = os.path.join(root, "tests", "data", "pmt")
oracles = json.load(open(os.path.join(data, "oracles_mnist.json")))
groups, failed = {}, False


def run(tool, data_root, *args):
    out = subprocess.run([os.path.join(tools, tool), "--data-root", data_root, "--json", *args],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def compare(group, got, want, rel=1e-6):
    global failed
    n, worst = groups.get(group, (0, 0.0))
    if isinstance(want, str) or isinstance(got, str) or (isinstance(want, float) and math.isinf(want)):
        err = 0.0 if str(got) in ("inf", str(want)) else math.inf
    else:
        err = abs(got - want) / abs(want) if want else abs(got)
    if err > rel:
        failed = True
        print(f"MISMATCH {group}: got {got}, want {want}")
    groups[group] = (n + 1, max(worst, err))


with tempfile.TemporaryDirectory() as tmp:
    shutil.copytree(os.path.join(root, "raw_data"), os.path.join(tmp, "raw_data"))
    for mut in ("change_label", "delete_training_data", "change_activation_function",
                "change_weights_initialisation"):
        res = {r["param"]: r for r in run("mutation_test", tmp, "--model", "mnist", "--mut", mut, "--dc")["results"]}
        for row in oracles["deepcrime_single_test"]:
            if row["mut"] != mut:
                continue
            r, e = res[row["param"]], row["expected"]
            compare("DeepCrime p-value (3 decimals)", r["p_value"], e["p_value"], 0.0)
            compare("DeepCrime effect size", r["effect_size"], e["effect_size"], 1e-9)
            compare("DeepCrime verdict", float(r["killed"]), float(e["killed"]), 0.0)

    cache = os.path.join(tmp, "cached")
    os.makedirs(cache)
    shutil.copy(os.path.join(data, "cache", "mnist", "mnist_orig.npy"), cache)
    for row in oracles["ratio_from_cached_kill_rates"]:
        d = os.path.join(cache, "plot_results", "mnist", f"mnist_{row['mut']}_param")
        os.makedirs(d, exist_ok=True)
        shutil.copy(os.path.join(data, "cache", "mnist", f"mnist_{row['mut']}_list_mut.npy"),
                    os.path.join(d, "list_mut.npy"))
        got = run("ratio", cache, "--model", "mnist", "--mut", row["mut"])
        for k in ("to_sound", "to_mutant", "ratio"):
            compare("ratio from cached kill rates", got["original"][k], row["expected"]["original"][k])
        for g, w in zip(got["mutants"], row["expected"]["mutants"]):
            for k in ("to_sound", "to_mutant", "ratio"):
                compare("ratio from cached kill rates", g[k], w[k])

    shutil.copytree(os.path.join(data, "rep_mce"), os.path.join(tmp, "rep_mce"))
    for row in oracles["mce"]:
        args = ["--model", "mnist", "--mut", row["mut"]]
        if row["mut"] != "original":
            args += ["--param", row["param"]]
        got = run("mce", tmp, *args)
        for k in ("mean", "mean_mce", "variance", "variance_mce"):
            compare("mce (jackknife)", got[k], row["expected"][k])

    prac = os.path.join(tmp, "prac")
    for row in oracles["practicality"]:
        dst = os.path.join(prac, row["file"])
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copy(os.path.join(data, row["file"]), dst)
    for row in oracles["practicality"]:
        got = run("practicality", prac, "--model", "mnist", "--mut", "change_label", "--param", "3.12",
                  "--pop_size", str(row["size"]))
        for i, name in enumerate(("estimate", "lower", "upper")):
            for k, q in enumerate(("mean", "variance")):
                for j in range(3):
                    compare("practicality summaries", got[name][q][j], row["expected"][name][k][j])

total = sum(n for n, _ in groups.values())
for g, (n, worst) in groups.items():
    print(f"{g:34s} {n:4d} values, worst relative error {worst:.2e}")
print(f"{'all deterministic oracle values':34s} {total:4d} values, "
      f"{'all match' if not failed else 'MISMATCHES above'}")
sys.exit(1 if failed else 0)
