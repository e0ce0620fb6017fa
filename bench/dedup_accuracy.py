#!/usr/bin/env python3
"""Deduplication accuracy of Sift beside bib-dedupe (PyPI) and biblib (crates.io), per labelled
set in ../shared/data/dedup, measured in the same run.

    python3 bench/dedup_accuracy.py [--sets haematology,special_cases] [--show-false-merges]

Scores are pairwise: every pair of records in one group is a pair; precision, recall and F1
compare the tool's pairs with the labelled ones (`merged_record_ids.csv`). Sift is run twice:
its automatic (certain) merges only, and with the pairs it queues for a person counted as
merges too (`--include-possible`, an upper bound on what a reviewer's decisions can add).
"Recall (permitted)" is the recall on the labelled pairs that issue #3's precision rules allow
any tool to merge (see `forbidden_reason`); the labelled pairs they forbid are counted per set.
bib-dedupe runs from a virtualenv created on first use in target/bench-venv-dedup (PyPI);
biblib runs through bench/peers/biblib-parse on Sift's JSON Lines of the same records, so both
engines see the same parsed fields.
"""

import argparse
import collections
import csv
import itertools
import json
import re
import subprocess
import sys
import time
import urllib.parse
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


NOTICE = re.compile(
    r"\b(erratum|errata|corrigendum|retraction|retracted|reply|protocol)\b|^\W*(correction|comment|response)\b",
    re.I,
)


def forbidden_reason(a, b):
    """Why issue #3's precision rules forbid merging two records, or None: different DOIs;
    a notice (erratum, reply, comment, retraction, protocol) against anything else; or, without
    a shared DOI, years more than one apart or a place that clearly disagrees - at least two of
    volume, issue, first page and last page differing as numbers (one alone is as often a
    database's slip: "1" for "64 Suppl 1", "165-183" for "165-184"). Written independently of
    Sift's rules, from the raw fields of the labelled file, so that the recall on the pairs a
    tool may merge can be compared. Approximate: a notice whose title does not say so counts as
    an article."""
    def doi(r):
        d = urllib.parse.unquote((r.get("doi") or "").strip().lower())
        d = re.sub(r"^(https?://)?(dx\.)?doi\.org/", "", d)
        return d if d.startswith("10.") else None
    da, db = doi(a), doi(b)
    if da and db and da != db:
        return "different DOI"
    def says_notice(r):
        # MEDLINE appends "[Erratum appears in ...]" or "[Comment in ...]" to the article's
        # own title; that is not a notice.
        return bool(NOTICE.search(re.sub(r"\[[^\]]*(\]|$)", "", r.get("title") or "")))
    if says_notice(a) != says_notice(b):
        return "notice against article"
    if da and da == db:
        return None
    def num(text):
        text = (text or "").strip()
        return int(text) if text.isdigit() else None
    def differ(x, y):
        return x is not None and y is not None and x != y
    ya, yb = num(a.get("year")), num(b.get("year"))
    if ya is not None and yb is not None and abs(ya - yb) > 1:
        return "place disagrees"
    def pages(r):
        # The first page, and the last only when a range is written ("1793" alone says
        # nothing about where the article ends).
        m = re.fullmatch(r"\s*(\d+)\s*(?:-+\s*(\d+))?\s*", r.get("pages") or "")
        if not m:
            return None, None
        first, last = m.group(1), m.group(2)
        if last and len(last) < len(first):
            last = first[: len(first) - len(last)] + last
        return int(first), int(last) if last else None
    (fa, la), (fb, lb) = pages(a), pages(b)
    issue = lambda r: num(r.get("number") or r.get("issue"))
    differing = [
        differ(num(a.get("volume")), num(b.get("volume"))),
        differ(issue(a), issue(b)),
        differ(fa, fb),
        differ(la, lb),
    ]
    if sum(differing) >= 2:
        return "place disagrees"
    return None


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
    forbidden_counts = {}
    for name in args.sets.split(","):
        folder = DATA / name
        latin1 = not (folder / "records_pre_merged.csv").exists()
        records = folder / ("records_latin1.csv" if latin1 else "records_pre_merged.csv")
        rename = (lambda i: f"id_{int(i):07d}" if i.isdigit() else i) if latin1 else (lambda i: i)
        truth = pairs_of(read_groups(folder / "merged_record_ids.csv"))
        raw = {}
        with open(records, encoding="latin-1" if latin1 else "utf-8") as f:
            for r in csv.DictReader(f):
                raw[r.get("ID") or rename(r.get("record_id", ""))] = r
        n = len(raw)
        reasons = {pair: forbidden_reason(raw[pair[0]], raw[pair[1]]) for pair in truth}
        permitted = {pair for pair, why in reasons.items() if why is None}
        forbidden_counts[name] = collections.Counter(why for why in reasons.values() if why)

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
            r_permitted = len(found & permitted) / len(permitted) if permitted else 1.0
            flagged = sum(1 for a, b in found if a in raw and b in raw and forbidden_reason(raw[a], raw[b]))
            rows.append((name, n, len(truth), tool, p, r, r_permitted, flagged, f1, fp, fn, seconds))
            if tool == "sift (automatic)":
                false_merges[name] = sorted(found - truth)

    print(f"\nPairwise accuracy on ../shared/data/dedup (same run)\n")
    print("| set | records | true pairs | tool | precision | recall | recall (permitted) | flagged merges | F1 | false pairs | missed pairs | seconds |")
    print("|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, n, t, tool, p, r, rp, flagged, f1, fp, fn, s in rows:
        print(f"| {name} | {n:,} | {t:,} | {tool} | {p:.4f} | {r:.4f} | {rp:.4f} | {flagged} | {f1:.4f} | {fp} | {fn} | {s:.1f} |")
    print("\n'recall (permitted)' counts only the labelled pairs issue #3's precision rules allow a")
    print("tool to merge (an approximate check, `forbidden_reason`); 'flagged merges' counts the")
    print("pairs a tool merged that the same check says those rules forbid, labelled true or not.")
    print("The labelled pairs the check says the rules forbid, per set:")
    for name, counts in forbidden_counts.items():
        listed = ", ".join(f"{why} {k}" for why, k in sorted(counts.items())) or "none"
        print(f"  {name}: {listed}")
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
