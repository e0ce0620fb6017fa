#!/usr/bin/env python3
"""Deduplication accuracy of Sift beside bib-dedupe (PyPI) and biblib (crates.io), per labelled
set in ../shared/data/dedup, measured in the same run.

    python3 bench/dedup_accuracy.py [--sets haematology,special_cases] [--show-false-merges]

Scores are pairwise: every pair of records in one group is a pair; precision, recall and F1
compare the tool's pairs with the labelled ones (`merged_record_ids.csv`). Sift is run twice:
its automatic (certain) merges only, and with the pairs it queues for a person counted as
merges too (`--include-possible`, an upper bound on what a reviewer's decisions can add).
bib-dedupe runs from a virtualenv created on first use in target/bench-venv-dedup (PyPI);
biblib runs through bench/peers/biblib-parse on Sift's JSON Lines of the same records, so both
engines see the same parsed fields.
"""

import argparse
import csv
import itertools
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "dedup"
WORK = ROOT / "target" / "bench-dedup"
VENV = ROOT / "target" / "bench-venv-dedup"
SETS = ["cytology_screening", "haematology", "digital_work", "special_cases", "diabetes"]

BIB_DEDUPE = r"""
import sys, pandas as pd
import bib_dedupe.bib_dedupe as bd
src, out, latin1 = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
if latin1:
    df = pd.read_csv(src, encoding="latin-1")
    df["ID"] = df["record_id"].apply(lambda n: f"id_{int(n):07d}")
    df["ENTRYTYPE"] = "article"
    df = df.drop(columns=["source", "label"], errors="ignore")
else:
    df = pd.read_csv(src)
prep = bd.prep(df, verbosity_level=0, cpu=2)
pairs = bd.block(prep, verbosity_level=0, cpu=2)
matched = bd.match(pairs, verbosity_level=0, cpu=2)
duplicates = matched[matched["duplicate_label"] == "duplicate"]
groups = bd.cluster(duplicates, verbosity_level=0)
with open(out, "w") as f:
    f.write("merged_ids\n")
    for g in groups:
        f.write('"' + ";".join(sorted(g)) + '"\n')
"""


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, text=True, capture_output=True, **kw)


def read_groups(path, rename=lambda x: x):
    groups = []
    with open(path) as f:
        next(f, None)
        for line in f:
            line = line.strip().strip('"')
            if line:
                groups.append([rename(i) for i in line.split(";")])
    return groups


def pairs_of(groups):
    out = set()
    for g in groups:
        for a, b in itertools.combinations(sorted(set(g)), 2):
            out.add((a, b))
    return out


def score(found, truth):
    tp = len(found & truth)
    precision = tp / len(found) if found else 1.0
    recall = tp / len(truth) if truth else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1, len(found - truth), len(truth - found)


def ensure_bib_dedupe():
    python = VENV / "bin" / "python"
    if not python.exists():
        print("creating", VENV, "with bib-dedupe from PyPI ...", file=sys.stderr)
        run([sys.executable, "-m", "venv", str(VENV)])
        run([str(python), "-m", "pip", "install", "-q", "bib-dedupe"])
    return python


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default=",".join(SETS))
    parser.add_argument("--show-false-merges", action="store_true")
    parser.add_argument("--skip-peers", action="store_true", help="only run Sift")
    parser.add_argument("--sift", help="a sift binary to use instead of building the release one")
    args = parser.parse_args()
    if not DATA.is_dir():
        print(f"NOTICE: {DATA} is absent; nothing to measure")
        return
    WORK.mkdir(parents=True, exist_ok=True)
    if args.sift:
        sift = Path(args.sift).resolve()
    else:
        print("building sift (release) ...", file=sys.stderr)
        run(["cargo", "build", "--release", "-q", "-p", "sift-cli"], cwd=ROOT)
        sift = ROOT / "target" / "release" / "sift"
    if not args.skip_peers:
        print("building the biblib peer (release) ...", file=sys.stderr)
        peer_dir = ROOT / "bench" / "peers" / "biblib-parse"
        run(["cargo", "build", "--release", "-q"], cwd=peer_dir)
        biblib = peer_dir / "target" / "release" / "biblib-parse"
        python = ensure_bib_dedupe()

    rows = []
    false_merges = {}
    for name in args.sets.split(","):
        folder = DATA / name
        latin1 = not (folder / "records_pre_merged.csv").exists()
        records = folder / ("records_latin1.csv" if latin1 else "records_pre_merged.csv")
        rename = (lambda i: f"id_{int(i):07d}" if i.isdigit() else i) if latin1 else (lambda i: i)
        truth = pairs_of(read_groups(folder / "merged_record_ids.csv"))
        titles = {}
        with open(records, encoding="latin-1" if latin1 else "utf-8") as f:
            for r in csv.DictReader(f):
                rid = r.get("ID") or rename(r.get("record_id", ""))
                titles[rid] = (r.get("title") or "")[:90], r.get("year"), (r.get("journal") or "")[:40], r.get("volume"), r.get("pages")
        n = len(titles)

        results = {}
        for label, extra in [("sift (automatic)", []), ("sift (+ queued)", ["--include-possible"])]:
            out = WORK / f"{name}-sift{len(extra)}.csv"
            start = time.perf_counter()
            run([str(sift), "dedup-files", str(records), "--groups-out", str(out), *extra])
            results[label] = (read_groups(out, rename), time.perf_counter() - start)
        if not args.skip_peers:
            out = WORK / f"{name}-bibdedupe.csv"
            start = time.perf_counter()
            run([str(python), "-c", BIB_DEDUPE, str(records), str(out), "1" if latin1 else "0"])
            results["bib-dedupe"] = (read_groups(out), time.perf_counter() - start)
            jsonl = WORK / f"{name}.jsonl"
            with open(jsonl, "w") as f:
                subprocess.run([str(sift), "convert", str(records), "--to", "jsonl"], check=True, stdout=f, stderr=subprocess.DEVNULL)
            out = WORK / f"{name}-biblib.csv"
            start = time.perf_counter()
            run([str(biblib), "dedupe", str(jsonl), str(out)])
            results["biblib"] = (read_groups(out, rename), time.perf_counter() - start)

        for tool, (groups, seconds) in results.items():
            found = pairs_of(groups)
            p, r, f1, fp, fn = score(found, truth)
            rows.append((name, n, len(truth), tool, p, r, f1, fp, fn, seconds))
            if tool == "sift (automatic)":
                false_merges[name] = sorted(found - truth)

    print(f"\nPairwise accuracy on ../shared/data/dedup (same run)\n")
    print("| set | records | true pairs | tool | precision | recall | F1 | false pairs | missed pairs | seconds |")
    print("|---|---:|---:|---|---:|---:|---:|---:|---:|---:|")
    for name, n, t, tool, p, r, f1, fp, fn, s in rows:
        print(f"| {name} | {n:,} | {t:,} | {tool} | {p:.4f} | {r:.4f} | {f1:.4f} | {fp} | {fn} | {s:.1f} |")
    if args.show_false_merges:
        for name, pairs in false_merges.items():
            if not pairs:
                continue
            print(f"\nSift's false merges in {name}:")
            for a, b in pairs:
                print(f"  {a} {titles_of(name, a)}\n  {b} {titles_of(name, b)}\n")


_TITLES = {}


def titles_of(name, rid):
    if name not in _TITLES:
        folder = DATA / name
        latin1 = not (folder / "records_pre_merged.csv").exists()
        path = folder / ("records_latin1.csv" if latin1 else "records_pre_merged.csv")
        table = {}
        with open(path, encoding="latin-1" if latin1 else "utf-8") as f:
            for r in csv.DictReader(f):
                key = r.get("ID") or f"id_{int(r['record_id']):07d}"
                table[key] = json.dumps({k: r.get(k) for k in ("title", "year", "journal", "volume", "pages", "author") if r.get(k)})[:300]
        _TITLES[name] = table
    return _TITLES[name].get(rid, "")


if __name__ == "__main__":
    main()
