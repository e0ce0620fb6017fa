#!/usr/bin/env python3
"""Sift's screening order against ASReview's, side by side on the same labelled sets.

    python3 bench/asreview_compare.py [--seeds 5] [--only SUBSTRING] [--jobs 2]
        [--asreview /tmp/asr3/bin/asreview] [--sift-args "--model svm"]

For every labelled set in ../shared/data/screening (the two top-level CSVs and
cohen_2006/online/*.csv) and every seed, the same prior records - one relevant and one
irrelevant record drawn with Python's random.Random(seed) - go to both tools:

- `asreview simulate DATA --prior-idx I J --seed S -o run.asreview` (PyPI asreview, default
  model ELAS u4: TF-IDF 1-2 grams + linear SVM C=0.11, balanced 9.8, max query); its labelling
  order is read from the project file's `results` table (in insertion order), record ids mapped
  back to the CSV's rows;
- `sift simulate DATA --prior-ids A,B --seed S --order-out order.csv` (release build).

Both orders are scored by the same code below, which follows asreview-insights 1.6
(`algorithms.py`): priors left out, records never labelled appended as irrelevant. The wall
time of each whole simulation (process start to exit) is measured. ASReview's runs are cached
in target/bench-asreview/asreview/ (they take minutes); delete that folder to rerun them.

Sift also reports when its stopping rule (recall >= 95 % with 95 % confidence) fires; the last
table shows how often the recall actually reached then met the target.
"""

import argparse
import concurrent.futures
import csv
import json
import random
import re
import shlex
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "screening"
OUT = ROOT / "target" / "bench-asreview"
SIFT = ROOT / "target" / "release" / "sift"


def datasets():
    sets = sorted(DATA.glob("*.csv")) + sorted((DATA / "cohen_2006" / "online").glob("*.csv"))
    return [p for p in sets if p.name != "index.csv"]


def read_rows(path):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return [(r["record_id"], int(float(r["label_included"]))) for r in rows]


def pick_priors(rows, seed):
    rng = random.Random(seed)
    included = [i for i, (_, label) in enumerate(rows) if label == 1]
    excluded = [i for i, (_, label) in enumerate(rows) if label == 0]
    return [rng.choice(included), rng.choice(excluded)]


# --- metrics, as asreview-insights 1.6 defines them -------------------------------------

def linspace_round(n_relevant, n):
    if n == 1:
        return [0.0]
    # numpy.round is round-half-to-even, like Python's round.
    return [float(round(n_relevant * k / (n - 1))) for k in range(n)]


def metrics(labels):
    n = len(labels)
    n_rel = sum(labels)
    found, total = [], 0
    for label in labels:
        total += label
        found.append(total)
    random_found = linspace_round(n_rel, n)
    i10 = sum(1 for k in range(1, n + 1) if k / n <= 0.1)
    recall10 = found[i10 - 1] / n_rel if i10 > 0 else 0.0
    k95 = sum(1 for k in range(1, n_rel + 1) if k / n_rel <= 0.95) or n_rel
    first = next(i for i, v in enumerate(found) if v >= k95)
    first_random = next(i for i, v in enumerate(random_found) if v >= k95)
    wss95 = (first_random - first) / n
    at = i10 - 1 if i10 > 0 else n - 1
    erf10 = (found[at] - random_found[at]) / n_rel
    atd = statistics.mean(i + 1 for i, label in enumerate(labels) if label)
    loss = (n_rel * (n - (n_rel - 1) / 2) - sum(found)) / (n_rel * (n - n_rel))
    return {"recall@10": recall10, "wss@95": wss95, "erf@10": erf10, "atd": atd, "loss": loss}


def labels_after_priors(order_rows, rows, priors):
    """Labels in screening order without the priors, padded with zeros for unlabelled rows."""
    prior_set = set(priors)
    labels = [rows[i][1] for i in order_rows if i not in prior_set]
    return labels + [0] * (len(rows) - len(prior_set) - len(labels))


# --- the two tools ---------------------------------------------------------------------

def run_asreview(asreview, path, rows, priors, seed):
    cache = OUT / "asreview" / f"{path.stem}-{seed}.json"
    if cache.exists():
        return json.loads(cache.read_text())
    cache.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "run.asreview"
        cmd = [asreview, "simulate", str(path), "--prior-idx", *map(str, priors), "--seed", str(seed),
               "-o", str(project)]
        start = time.perf_counter()
        done = subprocess.run(cmd, capture_output=True, text=True)
        seconds = time.perf_counter() - start
        if done.returncode != 0:
            sys.exit(f"asreview failed on {path.name} seed {seed}:\n{done.stderr[-2000:]}")
        with zipfile.ZipFile(project) as z:
            z.extract("results.db", tmp)
        db = sqlite3.connect(Path(tmp) / "results.db")
        row_of = dict(db.execute("SELECT record_id, dataset_row FROM record"))
        order = [row_of[r] for (r,) in db.execute("SELECT record_id FROM results ORDER BY rowid")]
        db.close()
    result = {"order": order, "seconds": seconds}
    cache.write_text(json.dumps(result))
    return result


def run_sift(sift_args, path, rows, priors, seed):
    index = {rid: i for i, (rid, _) in enumerate(rows)}
    with tempfile.TemporaryDirectory() as tmp:
        order_csv = Path(tmp) / "order.csv"
        cmd = [str(SIFT), "simulate", str(path), "--prior-ids", ",".join(rows[i][0] for i in priors),
               "--seed", str(seed), "--order-out", str(order_csv), *sift_args]
        start = time.perf_counter()
        done = subprocess.run(cmd, capture_output=True, text=True)
        seconds = time.perf_counter() - start
        if done.returncode != 0:
            sys.exit(f"sift failed on {path.name} seed {seed}:\n{done.stderr}")
        with open(order_csv, newline="") as f:
            order = [index[r["record_id"]] for r in csv.DictReader(f)]
    stop = re.search(r"stop after (\d+) records .*recall reached ([\d.]+) %", done.stdout)
    return {
        "order": order,
        "seconds": seconds,
        "stop_after": int(stop.group(1)) if stop else None,
        "stop_recall": float(stop.group(2)) / 100 if stop else None,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--only", default="", help="only sets whose file name contains this")
    parser.add_argument("--jobs", type=int, default=1, help="ASReview runs at a time")
    parser.add_argument("--asreview", default="/tmp/asr3/bin/asreview")
    parser.add_argument("--sift-args", default="", help="extra arguments for sift simulate")
    parser.add_argument("--skip-asreview", action="store_true", help="use only cached ASReview runs")
    parser.add_argument("--asreview-only", action="store_true", help="only run (and cache) ASReview")
    parser.add_argument("--reverse", action="store_true", help="run ASReview on the sets last to first "
                        "(a second process can then share the work through the cache)")
    args = parser.parse_args()
    if not args.asreview_only:
        subprocess.run(["cargo", "build", "--release", "-q", "-p", "sift-cli"], cwd=ROOT, check=True)
    sift_args = shlex.split(args.sift_args)
    sets = [p for p in datasets() if args.only in p.name]
    jobs = []
    for path in sets:
        rows = read_rows(path)
        for seed in range(1, args.seeds + 1):
            jobs.append((path, rows, pick_priors(rows, seed), seed))

    asr = {}
    if args.reverse:
        jobs.reverse()
    if not args.skip_asreview:
        with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
            futures = {pool.submit(run_asreview, args.asreview, p, r, pr, s): (p.stem, s) for p, r, pr, s in jobs}
            for future in concurrent.futures.as_completed(futures):
                asr[futures[future]] = future.result()
                print(f"  asreview {futures[future][0]} seed {futures[future][1]}: "
                      f"{asr[futures[future]]['seconds']:.1f} s", file=sys.stderr, flush=True)
    else:
        for p, r, pr, s in jobs:
            cache = OUT / "asreview" / f"{p.stem}-{s}.json"
            if cache.exists():
                asr[(p.stem, s)] = json.loads(cache.read_text())

    if args.asreview_only:
        return
    if args.reverse:
        jobs.reverse()
    results = []
    for path, rows, priors, seed in jobs:
        sift = run_sift(sift_args, path, rows, priors, seed)
        entry = {"set": path.stem, "seed": seed, "n": len(rows), "relevant": sum(l for _, l in rows),
                 "sift": metrics(labels_after_priors(sift["order"], rows, priors)),
                 "sift_seconds": sift["seconds"], "stop_after": sift["stop_after"],
                 "stop_recall": sift["stop_recall"]}
        if (path.stem, seed) in asr:
            a = asr[(path.stem, seed)]
            entry["asreview"] = metrics(labels_after_priors(a["order"], rows, priors))
            entry["asreview_seconds"] = a["seconds"]
        results.append(entry)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "results.json").write_text(json.dumps(results, indent=1))
    report(results)


def report(results):
    keys = ["recall@10", "wss@95", "erf@10", "atd", "loss"]
    print("| set | n | relevant | tool | " + " | ".join(keys) + " | seconds/run |")
    print("|---|---:|---:|---|" + "---:|" * (len(keys) + 1))
    compared = [r for r in results if "asreview" in r]
    for name in dict.fromkeys(r["set"] for r in results):
        runs = [r for r in results if r["set"] == name]
        for tool in ["asreview", "sift"]:
            have = [r for r in runs if tool in r]
            if not have:
                continue
            values = [statistics.mean(r[tool][k] for r in have) for k in keys]
            seconds = statistics.mean(r[f"{tool}_seconds"] for r in have)
            print(f"| {name} | {runs[0]['n']} | {runs[0]['relevant']} | {tool} | "
                  + " | ".join(f"{v:.1f}" if k == "atd" else f"{v:.3f}" for k, v in zip(keys, values))
                  + f" | {seconds:.2f} |")
    print()
    if compared:
        print(f"Means over {len(compared)} runs ({len(set(r['set'] for r in compared))} sets x seeds), "
              "each set weighted by its runs:")
        for tool in ["asreview", "sift"]:
            values = [statistics.mean(r[tool][k] for r in compared) for k in keys]
            print(f"  {tool:9s} " + "  ".join(f"{k} {v:.3f}" for k, v in zip(keys, values)))
        a_time = sum(r["asreview_seconds"] for r in compared)
        s_time = sum(r["sift_seconds"] for r in compared)
        ratios = [r["asreview_seconds"] / r["sift_seconds"] for r in compared]
        print(f"  wall time: asreview {a_time:.0f} s, sift {s_time:.1f} s in all; "
              f"sift faster by {a_time / s_time:.0f}x overall, {min(ratios):.0f}x in the closest run")
    stops = [r for r in results if r["stop_recall"] is not None]
    met = [r for r in stops if r["stop_recall"] >= 0.95]
    print(f"Stopping rule (recall >= 95 % with 95 % confidence): fired in {len(stops)} of {len(results)} runs; "
          f"target met in {len(met)} of {len(stops)}"
          + (f"; records screened when it fired: {statistics.mean(r['stop_after'] / (r['n'] - 2) for r in stops):.0%} "
             f"of the set on average" if stops else ""))


if __name__ == "__main__":
    main()
