#!/usr/bin/env python3
"""Check Sift's inter-rater agreement numbers against statsmodels, table by table.

    /tmp/agreeenv/bin/python bench/agreement_check.py [--random 400] [--seed 1] [--tolerance 1e-9]

Needs statsmodels from PyPI, for example in a virtualenv:

    python3 -m venv /tmp/agreeenv && /tmp/agreeenv/bin/pip install statsmodels

Every table (fixed textbook ones, edge cases, and --random random ones of each kind) goes to
Sift's `kappa` example (`cargo run --release -q -p sift-domain --example kappa`) in one batch.
What is compared with what:

- Cohen's kappa and its standard error: statsmodels `cohens_kappa(table).kappa` and
  `.std_kappa` (the non-null standard error of Fleiss, Cohen & Everitt 1969); the 95 % interval
  against `.kappa_low`/`.kappa_upp` clipped to [-1, 1]; observed and expected agreement against
  the table's diagonal and margins computed here with numpy.
- Fleiss' kappa: statsmodels `fleiss_kappa(table)`. statsmodels has no standard error for it,
  so Sift's (Fleiss, Nee & Landis 1979) is compared with a transcription of that formula here,
  which checks the arithmetic, not the choice of formula.
- Percent agreement: counted here from the raw ratings.
- Undefined cases: where statsmodels gives NaN (or refuses the table), Sift must give null,
  and the other way round.

Prints a Markdown table of the largest absolute differences and PASS/FAIL per row; exits 1 on
any FAIL.
"""

import argparse
import json
import math
import subprocess
import sys
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

try:
    import numpy as np
    from statsmodels.stats.inter_rater import cohens_kappa, fleiss_kappa
except ImportError:
    print(
        "agreement_check.py needs statsmodels (and numpy). Install it in a virtualenv and run the\n"
        "script with that interpreter:\n\n"
        "    python3 -m venv /tmp/agreeenv && /tmp/agreeenv/bin/pip install statsmodels\n"
        "    /tmp/agreeenv/bin/python bench/agreement_check.py",
        file=sys.stderr,
    )
    sys.exit(2)

LABELS = ["include", "exclude", "maybe", "other-a", "other-b", "other-c"]


# --- tables -------------------------------------------------------------------------------


def pairs_from_table(table):
    """Pairs (first rater, second rater) from a square table whose rows are the first rater."""
    pairs = []
    for i, row in enumerate(table):
        for j, count in enumerate(row):
            pairs.extend([[LABELS[i], LABELS[j]]] * count)
    return pairs


def fixed_cohen():
    tables = {
        # Wikipedia "Cohen's kappa": 20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no; kappa 0.4.
        "wikipedia 2x2": [[20, 5], [10, 15]],
        "include/exclude/maybe": [[12, 3, 4], [1, 40, 6], [2, 5, 3]],
        "rare include": [[88, 4, 2], [3, 0, 1], [0, 0, 2]],
        "mostly disagree": [[0, 7, 1], [9, 0, 2], [1, 3, 0]],
        "perfect": [[5, 0, 0], [0, 30, 0], [0, 0, 2]],
        "total disagreement": [[0, 8], [8, 0]],
        "one subject, disagree": [[0, 1], [0, 0]],
        "one subject, agree (undefined)": [[1]],
        "all excluded (undefined)": [[0, 0], [0, 40]],
        "one rater constant": [[10, 5], [0, 0]],
    }
    return [(name, pairs_from_table(table)) for name, table in tables.items()]


def fixed_fleiss():
    return [
        # Wikipedia "Fleiss' kappa": 10 subjects, 5 categories, 14 raters; kappa 0.210.
        (
            "wikipedia 10x5",
            [
                [0, 0, 0, 0, 14],
                [0, 2, 6, 4, 2],
                [0, 0, 3, 5, 6],
                [0, 3, 9, 2, 0],
                [2, 2, 8, 1, 1],
                [7, 7, 0, 0, 0],
                [3, 2, 6, 3, 0],
                [2, 5, 3, 2, 2],
                [6, 5, 2, 1, 0],
                [0, 2, 2, 3, 7],
            ],
        ),
        ("perfect", [[3, 0], [0, 3], [3, 0]]),
        ("two raters, always disagree", [[1, 1], [1, 1]]),
        ("one subject", [[2, 1]]),
        ("all one category (undefined)", [[0, 4], [0, 4]]),
        ("unequal raters (undefined)", [[2, 1], [1, 1]]),
        ("three reviewers", [[3, 0, 0], [2, 1, 0], [0, 3, 0], [1, 1, 1], [0, 0, 3], [0, 2, 1], [3, 0, 0]]),
    ]


def random_ratings(rng, n_subjects, n_raters, n_categories):
    """Raw ratings, subjects x raters: each subject has a true category drawn from skewed
    prevalences (screening is mostly exclusions), and each rater reports it with their own
    accuracy, else a category drawn from their own biased margins."""
    prevalence = rng.dirichlet(np.full(n_categories, rng.uniform(0.3, 3.0)))
    truth = rng.choice(n_categories, size=n_subjects, p=prevalence)
    ratings = np.empty((n_subjects, n_raters), dtype=int)
    for rater in range(n_raters):
        accuracy = rng.uniform(0.0, 1.0)
        bias = rng.dirichlet(np.ones(n_categories))
        noise = rng.choice(n_categories, size=n_subjects, p=bias)
        ratings[:, rater] = np.where(rng.uniform(size=n_subjects) < accuracy, truth, noise)
    return ratings


def random_size(rng):
    return int(rng.choice([1, 2, 3, 5, 10, 30, 100, 300, 1000])) + int(rng.integers(0, 3))


# --- reference numbers --------------------------------------------------------------------


def statsmodels_cohen(pairs):
    """Reference numbers for a list of pairs, or None where statsmodels gives NaN."""
    categories = sorted({label for pair in pairs for label in pair})
    index = {label: i for i, label in enumerate(categories)}
    table = np.zeros((len(categories), len(categories)))
    for a, b in pairs:
        table[index[a], index[b]] += 1
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        result = cohens_kappa(table)
    if not math.isfinite(result.kappa):
        return None
    n = table.sum()
    # statsmodels takes the square root of var_kappa as it is; at perfect agreement the
    # variance can round to a hair below zero and std_kappa is NaN. Sift takes it as zero.
    # Where that happens its interval is NaN too, and the reference is the point kappa.
    std = math.sqrt(max(result.var_kappa, 0.0))
    low, high = (result.kappa_low, result.kappa_upp) if math.isfinite(result.std_kappa) else (result.kappa,) * 2
    return {
        "kappa": result.kappa,
        "standard_error": std,
        "ci_low": min(max(low, -1.0), 1.0),
        "ci_high": min(max(high, -1.0), 1.0),
        "observed_agreement": np.trace(table) / n,
        "expected_agreement": float((table.sum(1) / n) @ (table.sum(0) / n)),
    }


def fleiss_reference(counts):
    """statsmodels' Fleiss kappa, and the Fleiss, Nee & Landis (1979) standard error
    transcribed here; None where the table is outside Fleiss' kappa or kappa is NaN."""
    table = np.asarray(counts, dtype=float)
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            kappa = fleiss_kappa(table)
    except AssertionError:  # statsmodels asserts equal raters per subject
        return None
    if not math.isfinite(kappa):
        return None
    n_subjects = table.shape[0]
    n_raters = table.sum(1)[0]
    p = table.sum(0) / table.sum()
    q = 1 - p
    spread = (p * q).sum()
    variance = 2 / (n_subjects * n_raters * (n_raters - 1)) * (spread**2 - (p * q * (q - p)).sum()) / spread**2
    return {"kappa": float(kappa), "standard_error": math.sqrt(variance)}


def all_agree_share(rows):
    rated = [row for row in rows if len(row) >= 2]
    if not rated:
        return None
    return sum(1 for row in rated if all(r == row[0] for r in row)) / len(rated)


# --- running Sift -------------------------------------------------------------------------


def run_sift(requests):
    stdin = "".join(json.dumps(request) + "\n" for request in requests)
    done = subprocess.run(
        ["cargo", "run", "--release", "-q", "-p", "sift-domain", "--example", "kappa"],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        sys.exit(f"the kappa example failed ({done.returncode}):\n{done.stderr}")
    answers = [json.loads(line) for line in done.stdout.splitlines()]
    if len(answers) != len(requests):
        sys.exit(f"sent {len(requests)} tables, got {len(answers)} answers")
    return answers


# --- comparison ---------------------------------------------------------------------------


class Tally:
    def __init__(self, tolerance):
        self.tolerance = tolerance
        self.rows = {}
        self.failures = []

    def compare(self, quantity, name, sift, reference):
        row = self.rows.setdefault(quantity, {"n": 0, "max": 0.0, "fail": 0})
        row["n"] += 1
        difference = abs(sift - reference)
        if not difference <= self.tolerance:  # also catches NaN
            row["fail"] += 1
            self.failures.append(f"{quantity} [{name}]: Sift {sift!r}, reference {reference!r}")
        row["max"] = max(row["max"], difference) if math.isfinite(difference) else math.inf

    def undefined(self, quantity, name, sift_none, reference_none):
        row = self.rows.setdefault(quantity, {"n": 0, "max": None, "fail": 0, "undefined": 0})
        row["n"] += 1
        row["undefined"] += sift_none and reference_none
        if sift_none != reference_none:
            row["fail"] += 1
            self.failures.append(
                f"{quantity} [{name}]: Sift {'null' if sift_none else 'a number'}, "
                f"reference {'undefined' if reference_none else 'a number'}"
            )

    def print(self):
        print("| quantity | tables | max abs difference | result |")
        print("|---|---:|---:|---|")
        for quantity, row in self.rows.items():
            if row["max"] is None:
                detail = f"{row['undefined']} undefined in both"
            else:
                detail = f"{row['max']:.3g}"
            print(f"| {quantity} | {row['n']} | {detail} | {'FAIL' if row['fail'] else 'PASS'} |")
        for failure in self.failures[:20]:
            print(f"- {failure}")
        if len(self.failures) > 20:
            print(f"- ... and {len(self.failures) - 20} more")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--random", type=int, default=400, help="random tables of each kind")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--tolerance", type=float, default=1e-9)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)

    cohen_cases = fixed_cohen()
    for case in range(args.random):
        ratings = random_ratings(rng, random_size(rng), 2, int(rng.integers(2, 7)))
        cohen_cases.append((f"random cohen {case}", [[LABELS[a], LABELS[b]] for a, b in ratings]))
    fleiss_cases = [(name, counts, None) for name, counts in fixed_fleiss()]
    for case in range(args.random):
        n_categories = int(rng.integers(2, 7))
        ratings = random_ratings(rng, random_size(rng), int(rng.integers(2, 12)), n_categories)
        counts = [np.bincount(row, minlength=n_categories).tolist() for row in ratings]
        fleiss_cases.append((f"random fleiss {case}", counts, ratings.tolist()))

    requests = [{"pairs": pairs} for _, pairs in cohen_cases] + [{"counts": c} for _, c, _ in fleiss_cases]
    answers = run_sift(requests)
    cohen_answers, fleiss_answers = answers[: len(cohen_cases)], answers[len(cohen_cases) :]

    tally = Tally(args.tolerance)
    for (name, pairs), sift in zip(cohen_cases, cohen_answers):
        reference = statsmodels_cohen(pairs)
        tally.undefined("Cohen: undefined where statsmodels is NaN", name, sift["kappa"] is None, reference is None)
        if sift["kappa"] is not None and reference is not None:
            tally.compare("Cohen kappa vs statsmodels .kappa", name, sift["kappa"], reference["kappa"])
            tally.compare("Cohen SE vs statsmodels .std_kappa", name, sift["standard_error"], reference["standard_error"])
            for end in ["ci_low", "ci_high"]:
                tally.compare("Cohen 95% CI vs statsmodels (clipped)", name, sift[end], reference[end])
            for field in ["observed_agreement", "expected_agreement"]:
                tally.compare("Cohen observed/expected vs numpy", name, sift[field], reference[field])
            if sift["n"] != len(pairs):
                tally.failures.append(f"Cohen n [{name}]: {sift['n']} != {len(pairs)}")
        tally.compare("percent agreement (pairs) vs Python", name, sift["percent_agreement"], all_agree_share(pairs))

    for (name, counts, ratings), sift in zip(fleiss_cases, fleiss_answers):
        reference = fleiss_reference(counts)
        tally.undefined("Fleiss: undefined where statsmodels is NaN/refuses", name, sift["kappa"] is None, reference is None)
        if sift["kappa"] is not None and reference is not None:
            tally.compare("Fleiss kappa vs statsmodels fleiss_kappa", name, sift["kappa"], reference["kappa"])
            tally.compare(
                "Fleiss SE vs FNL 1979 transcribed here", name, sift["standard_error"], reference["standard_error"]
            )
            half = 1.959963984540054 * reference["standard_error"]
            tally.compare("Fleiss 95% CI (clipped)", name, sift["ci_low"], max(reference["kappa"] - half, -1.0))
            tally.compare("Fleiss 95% CI (clipped)", name, sift["ci_high"], min(reference["kappa"] + half, 1.0))
        if ratings is not None:
            tally.compare("percent agreement (raters) vs Python", name, sift["percent_agreement"], all_agree_share(ratings))

    print(f"{len(cohen_cases)} Cohen tables and {len(fleiss_cases)} Fleiss tables, seed {args.seed}, "
          f"tolerance {args.tolerance:g}\n")
    tally.print()
    failed = bool(tally.failures) or any(row["fail"] for row in tally.rows.values())
    print(f"\n{'FAIL' if failed else 'PASS'}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
