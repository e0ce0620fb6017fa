#!/usr/bin/env python3
"""How deduplication time and memory grow with the number of records.

    python3 bench/dedup_speed.py [--sizes 10000,100000,1000000] [--seed 7]

Larger inputs are synthesised from the real labelled sets in ../shared/data/dedup (cytology,
haematology, digital work, diabetes: about 12,000 records) so that they keep real titles,
author lists, journals and page ranges:

- distinct works: a real record whose title has 40 % of its words replaced by words drawn
  from the whole vocabulary of real titles, with authors, journal, year, volume and pages drawn
  from real records; so blocks collide the way real searches do (shared openings, common
  words, popular journals);
- duplicates: 35 % of works get one to three copies, each perturbed the way databases differ:
  a typo (a letter dropped, doubled or swapped), title case changed, authors rewritten
  ("Smith, John" -> "Smith J" or "J. Smith"), the DOI dropped, the journal abbreviated
  (first four letters of each word), pages abbreviated ("1297-1306" -> "1297-306"), a trailing
  full stop added.

Each size is written once to target/bench-dedup-speed/synthetic-N.csv and deduplicated with
`sift dedup-files` (reading included in the wall time; the engine's own time is printed by
sift); peak memory is the process's maximum resident set (GNU time).
"""

import argparse
import csv
import random
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "dedup"
OUT = ROOT / "target" / "bench-dedup-speed"


def load_seeds():
    seeds = []
    for name in ["cytology_screening", "haematology", "digital_work"]:
        with open(DATA / name / "records_pre_merged.csv", encoding="utf-8") as f:
            for r in csv.DictReader(f):
                seeds.append({k: r.get(k, "") or "" for k in ("title", "author", "year", "journal", "volume", "pages", "doi")})
    with open(DATA / "diabetes" / "records_latin1.csv", encoding="latin-1") as f:
        for r in csv.DictReader(f):
            seeds.append({k: r.get(k, "") or "" for k in ("title", "author", "year", "journal", "volume", "pages", "doi")})
    return [s for s in seeds if s["title"]]


def typo(text, rng):
    if len(text) < 10:
        return text
    i = rng.randrange(1, len(text) - 1)
    kind = rng.randrange(3)
    if kind == 0:
        return text[:i] + text[i + 1:]
    if kind == 1:
        return text[:i] + text[i] + text[i:]
    return text[:i - 1] + text[i] + text[i - 1] + text[i + 1:]


def rewrite_authors(authors, rng):
    people = [a.strip() for a in re.split(r" and |;", authors) if a.strip()]
    out = []
    for p in people:
        family, _, given = p.partition(",")
        initials = "".join(w[0] for w in given.split() if w)
        style = rng.randrange(3)
        out.append(p if style == 0 else f"{family.strip()} {initials}" if style == 1 else f"{'. '.join(initials)}. {family.strip()}")
    return " and ".join(out)


def abbreviate(journal):
    return " ".join(w[:4] for w in journal.split())


def short_pages(pages):
    m = re.match(r"^(\d+)-(\d+)$", pages)
    if m and len(m.group(1)) == len(m.group(2)) and len(m.group(1)) > 2:
        a, b = m.groups()
        k = 0
        while k < len(a) - 1 and a[k] == b[k]:
            k += 1
        return f"{a}-{b[k:]}"
    return pages


def perturb(record, rng):
    r = dict(record)
    for change in rng.sample(["typo", "case", "authors", "doi", "journal", "pages", "stop"], rng.randint(1, 3)):
        if change == "typo":
            r["title"] = typo(r["title"], rng)
        elif change == "case":
            r["title"] = r["title"].upper() if rng.random() < 0.3 else r["title"].lower()
        elif change == "authors":
            r["author"] = rewrite_authors(r["author"], rng)
        elif change == "doi":
            r["doi"] = ""
        elif change == "journal":
            r["journal"] = abbreviate(r["journal"])
        elif change == "pages":
            r["pages"] = short_pages(r["pages"])
        elif change == "stop":
            r["title"] = r["title"].rstrip(".") + "."
    return r


def synthesise(n, seeds, rng):
    vocabulary = [w for s in seeds for w in s["title"].split() if len(w) > 3]
    rows = []
    work = 0
    while len(rows) < n:
        base = rng.choice(seeds)
        words = base["title"].split()
        title = " ".join(rng.choice(vocabulary) if rng.random() < 0.4 else w for w in words)
        other = rng.choice(seeds)
        record = {
            "title": title,
            "author": rng.choice(seeds)["author"],
            "year": str(rng.randint(1990, 2025)),
            "journal": other["journal"],
            "volume": str(rng.randint(1, 400)),
            "pages": f"{(p := rng.randint(1, 3000))}-{p + rng.randint(2, 20)}",
            "doi": f"10.{rng.randint(1000, 9999)}/synthetic.{work}" if rng.random() < 0.7 else "",
        }
        work += 1
        copies = [record]
        if rng.random() < 0.35:
            copies += [perturb(record, rng) for _ in range(rng.randint(1, 3))]
        for c in copies:
            rows.append(c)
    rng.shuffle(rows)
    return rows[:n]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if not DATA.is_dir():
        print(f"NOTICE: {DATA} is absent; nothing to measure")
        return
    OUT.mkdir(parents=True, exist_ok=True)
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "sift-cli"], cwd=ROOT, check=True)
    sift = ROOT / "target" / "release" / "sift"
    seeds = load_seeds()
    rows = []
    for n in [int(s) for s in args.sizes.split(",")]:
        path = OUT / f"synthetic-{n}.csv"
        if not path.exists():
            data = synthesise(n, seeds, random.Random(args.seed))
            with open(path, "w", newline="", encoding="utf-8") as f:
                w = csv.writer(f)
                w.writerow(["ID", "title", "author", "year", "journal", "volume", "pages", "doi"])
                for i, r in enumerate(data):
                    w.writerow([f"s{i}", r["title"], r["author"], r["year"], r["journal"], r["volume"], r["pages"], r["doi"]])
        start = time.perf_counter()
        result = subprocess.run(
            ["/usr/bin/time", "-f", "%M", str(sift), "dedup-files", str(path), "--groups-out", str(OUT / f"groups-{n}.csv")],
            check=True, text=True, capture_output=True,
        )
        wall = time.perf_counter() - start
        lines = result.stderr.strip().splitlines()
        peak_mb = int(lines[-1]) / 1024
        summary = lines[-2]
        engine = re.search(r"([\d.]+) s$", summary)
        pairs = re.search(r"([\d,]+) candidate pairs", summary)
        rows.append((n, wall, float(engine.group(1)) if engine else float("nan"), peak_mb, pairs.group(1) if pairs else "?", summary))
        print(f"  {n:>9,}: {wall:6.1f} s  {summary}", file=sys.stderr)

    print("\nDeduplication time by input size (`sift dedup-files`, one run each, 2 cores)\n")
    print("| records | wall s (read + dedup) | engine s | peak memory MB | candidate pairs | s per 100k records |")
    print("|---:|---:|---:|---:|---:|---:|")
    for n, wall, engine, peak, pairs, _ in rows:
        print(f"| {n:,} | {wall:.1f} | {engine:.1f} | {peak:.0f} | {pairs} | {wall / n * 100_000:.2f} |")


if __name__ == "__main__":
    main()
