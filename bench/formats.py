#!/usr/bin/env python3
"""Parse throughput of Sift's readers beside rispy (PyPI) and biblib (crates.io), same files,
same run; plus the time to import 100,000 records into a review file.

    python3 bench/formats.py [--runs 5] [--ris-mb 300] [--medline-mb 100]

Corpora are built under target/bench-corpus/ from ../shared/data/formats: every RIS file
concatenated (repeated until the size is reached), and every MEDLINE file likewise. rispy runs
from a virtualenv (created on first use in target/bench-venv; needs PyPI). Each tool runs in
its own process per repetition; the table shows medians. Peak memory is the process's VmHWM.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data" / "formats"
OUT = ROOT / "target" / "bench-corpus"
VENV = ROOT / "target" / "bench-venv"

RISPY_SNIPPET = r"""
import json, os, sys, time, rispy
path = sys.argv[1]
start = time.perf_counter()
with open(path, encoding="utf-8-sig", errors="replace") as f:
    entries = rispy.load(f)
seconds = time.perf_counter() - start
size = os.path.getsize(path)
peak = 0.0
for line in open("/proc/self/status"):
    if line.startswith("VmHWM:"):
        peak = int(line.split()[1]) / 1024
titles = sum(1 for e in entries if e.get("title") or e.get("primary_title"))
print(json.dumps({"tool": "rispy", "file": path, "bytes": size, "records": len(entries), "titles": titles,
                  "seconds": seconds, "mb_per_s": size / 1e6 / seconds, "records_per_s": len(entries) / seconds,
                  "peak_rss_mb": peak}))
"""


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, text=True, capture_output=True, **kw)


def build_corpus(name, sources, target_mb):
    """Concatenates `sources` (repeated) into one file of at least `target_mb` MB."""
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / name
    if path.exists() and path.stat().st_size >= target_mb * 1e6:
        return path
    chunks = []
    for src in sources:
        data = src.read_bytes()
        if data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        chunks.append(data.rstrip(b"\r\n") + b"\n\n")
    block = b"".join(chunks)
    with open(path, "wb") as out:
        written = 0
        while written < target_mb * 1e6:
            out.write(block)
            written += len(block)
    return path


def ris_sources():
    files = sorted(p for p in SHARED.rglob("*.ris"))
    # Keep to files that are RIS by content (a few fixtures named .ris are WoS tagged).
    return [p for p in files if b"TY  -" in p.read_bytes()[:4096] or b"ER  -" in p.read_bytes()]


def medline_sources():
    return sorted(p for p in SHARED.rglob("*") if p.is_file() and p.read_bytes()[:200].lstrip().startswith(b"PMID-"))


def ensure_rispy():
    python = VENV / "bin" / "python"
    if not python.exists():
        print("creating", VENV, "with rispy from PyPI ...", file=sys.stderr)
        run([sys.executable, "-m", "venv", str(VENV)])
        run([str(python), "-m", "pip", "install", "-q", "rispy"])
    return python


def build_tools():
    print("building sift's parse bench and the biblib peer (release) ...", file=sys.stderr)
    run(["cargo", "bench", "-p", "sift-formats", "--bench", "parse", "--no-run"], cwd=ROOT)
    out = run(["cargo", "bench", "-p", "sift-formats", "--bench", "parse", "--no-run", "--message-format", "json"], cwd=ROOT).stdout
    sift_bench = None
    for line in out.splitlines():
        msg = json.loads(line)
        if msg.get("reason") == "compiler-artifact" and msg.get("target", {}).get("name") == "parse" and msg.get("executable"):
            sift_bench = msg["executable"]
    peer = ROOT / "bench" / "peers" / "biblib-parse"
    run(["cargo", "build", "--release", "-q"], cwd=peer)
    run(["cargo", "build", "--release", "-q", "-p", "sift-cli"], cwd=ROOT)
    return sift_bench, peer / "target" / "release" / "biblib-parse", ROOT / "target" / "release" / "sift"


def measure(cmd):
    result = run(cmd)
    return json.loads(result.stdout.strip().splitlines()[-1])


def median_row(samples):
    keys = ["mb_per_s", "records_per_s", "peak_rss_mb", "seconds"]
    row = {k: statistics.median(s[k] for s in samples) for k in keys}
    row["records"] = samples[0]["records"]
    row["bytes"] = samples[0]["bytes"]
    return row


def import_benchmark(sift, corpus, n_records, runs):
    """Times `sift search add` of a file with `n_records` RIS records into a new review."""
    path = OUT / f"import-{n_records}.ris"
    if not path.exists():
        with open(corpus, "rb") as src, open(path, "wb") as out:
            n = 0
            for line in src:
                out.write(line)
                if line.startswith(b"ER  -"):
                    n += 1
                    if n == n_records:
                        break
    times = []
    for i in range(runs):
        review = OUT / f"import-{i}.sift"
        for suffix in ("", "-wal", "-shm"):
            Path(str(review) + suffix).unlink(missing_ok=True)
        run([str(sift), "init", str(review), "--title", "import benchmark"])
        start = time.perf_counter()
        run([str(sift), "search", "add", str(review), "--source", "bench", str(path)])
        times.append(time.perf_counter() - start)
        review.unlink()
    return statistics.median(times), path.stat().st_size


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--ris-mb", type=float, default=300)
    parser.add_argument("--medline-mb", type=float, default=100)
    parser.add_argument("--import-records", type=int, default=100_000)
    args = parser.parse_args()
    if not SHARED.is_dir():
        print(f"NOTICE: {SHARED} is absent; nothing to benchmark")
        return
    sift_bench, biblib, sift = build_tools()
    python = ensure_rispy()
    ris = build_corpus("ris.ris", ris_sources(), args.ris_mb)
    medline = build_corpus("medline.nbib", medline_sources(), args.medline_mb)

    rows = []
    for corpus, fmt, tools in [
        (ris, "ris", ["sift", "rispy", "biblib"]),
        (medline, "pubmed", ["sift", "biblib"]),
    ]:
        for tool in tools:
            cmd = {
                "sift": [sift_bench, str(corpus)],
                "rispy": [str(python), "-c", RISPY_SNIPPET, str(corpus)],
                "biblib": [str(biblib), fmt, str(corpus)],
            }[tool]
            samples = [measure(cmd) for _ in range(args.runs)]
            row = median_row(samples)
            row.update(tool=tool, corpus=corpus.name)
            rows.append(row)
            print(f"  {corpus.name:14} {tool:7} {row['mb_per_s']:8.1f} MB/s", file=sys.stderr)

    print(f"\nParse throughput, median of {args.runs} runs (machine: {os.cpu_count()} cores)\n")
    print("| corpus | size MB | tool | records | MB/s | records/s | peak memory MB | Sift's speed-up |")
    print("|---|---:|---|---:|---:|---:|---:|---:|")
    for row in rows:
        sift_row = next(r for r in rows if r["corpus"] == row["corpus"] and r["tool"] == "sift")
        ratio = sift_row["mb_per_s"] / row["mb_per_s"]
        print(
            f"| {row['corpus']} | {row['bytes'] / 1e6:.0f} | {row['tool']} | {row['records']:,} | {row['mb_per_s']:.1f} "
            f"| {row['records_per_s']:,.0f} | {row['peak_rss_mb']:.0f} | {'' if row['tool'] == 'sift' else f'{ratio:.1f}x'} |"
        )

    seconds, size = import_benchmark(sift, ris, args.import_records, max(1, min(args.runs, 3)))
    print(f"\nImport of {args.import_records:,} RIS records ({size / 1e6:.0f} MB) into a new review file with "
          f"`sift search add`: median {seconds:.2f} s")


if __name__ == "__main__":
    main()
