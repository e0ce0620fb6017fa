#!/usr/bin/env python3
"""Compare Sift's RIS reader with rispy, field by field, on every RIS file of the shared corpus.

For each `.ris` file (and each `.txt` file whose content is RIS) under `../shared/data/formats`
this runs rispy (`rispy.load(path, encoding="utf-8-sig")`) and `sift convert FILE --to jsonl`,
pairs their records, and reports how often title, authors, year, DOI, journal and abstract agree
after both sides are normalised the same way. Every disagreement is put down to a cause, with
examples (file:line, both values, and the record's tag lines for that field) and a judgement of
which side looks right, so each one can be explained rather than counted.

Run from anywhere (the paths are relative to the repository root):

    python3 -m venv /tmp/rispyenv && /tmp/rispyenv/bin/pip install rispy
    /tmp/rispyenv/bin/python bench/compare_rispy.py            # builds target/release/sift first
    /tmp/rispyenv/bin/python bench/compare_rispy.py --examples 3 --no-build

rispy has no notion of "the journal" or "the year": it maps tags to names and leaves the choice
to its caller. The choices made here for the rispy side are written down in `RISPY_FIELDS`.
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import html
import json
import re
import subprocess
import sys
import time
import unicodedata
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "formats"
DEFAULT_SIFT = ROOT / "target" / "release" / "sift"
FIELDS = ["title", "authors", "year", "doi", "journal", "abstract"]

# Which rispy keys feed each compared field, first present wins (authors: all, in this order).
# Tags in brackets. Journal puts full names (JO, T2, JF) before abbreviations (JA, J2).
RISPY_FIELDS = {
    "title": [("title", "TI"), ("primary_title", "T1")],
    "authors": [("authors", "AU"), ("first_authors", "A1")],
    "year": [("year", "PY"), ("publication_year", "Y1")],
    "doi": [("doi", "DO")],
    "journal": [
        ("journal_name", "JO"),
        ("secondary_title", "T2"),
        ("alternate_title3", "JF"),
        ("alternate_title2", "JA"),
        ("alternate_title1", "J2"),
    ],
    "abstract": [("abstract", "AB"), ("notes_abstract", "N2")],
}

# The tags worth showing beside an example of each field.
FIELD_TAGS = {
    "title": ["TI", "T1", "CT", "BT", "ST", "TT"],
    "authors": ["AU", "A1", "A2", "A3", "A4"],
    "year": ["PY", "Y1", "DA", "Y2"],
    "doi": ["DO", "DI", "UR", "L1", "L2", "L3", "L4", "M3", "N1"],
    "journal": ["JF", "JT", "JO", "T2", "BT", "JA", "J2", "J1", "SO", "TY"],
    "abstract": ["AB", "N2"],
}

# Sift's tag line: two characters, one to four spaces or tabs, a dash (RIS allows `ER  -`).
LENIENT_TAG = re.compile(r"^([A-Z][A-Z0-9])[ \t]{1,4}-(?:[ \t]|$)")
# rispy's: exactly `XX  -` (it then cuts six characters).
RISPY_TAG = re.compile(r"^[A-Z][A-Z0-9]  -")
YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")
DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)


# ---------------------------------------------------------------------------------------------
# Normalisation: the same function for both sides.


def norm_text(value: str | None) -> str | None:
    """Whitespace collapsed and trimmed; empty becomes None."""
    if value is None:
        return None
    if isinstance(value, list):  # rispy turns repeated single tags into lists in some modes
        value = " ".join(str(v) for v in value)
    text = " ".join(str(value).split())
    return text or None


def norm_journal(value: str | None) -> str | None:
    text = norm_text(value)
    return text.lower() if text else None


def norm_doi(value: str | None) -> str | None:
    text = norm_text(value)
    if not text:
        return None
    text = DOI_PREFIX.sub("", text.lower())
    return text or None


def norm_year(value) -> int | None:
    """The first plausible year (1000-2199) standing alone as four digits, as Sift reads it."""
    if value is None:
        return None
    for match in YEAR.finditer(str(value)):
        year = int(match.group(1))
        if 1000 <= year < 2200:
            return year
    return None


def looks_like_initials(word: str) -> bool:
    letters = [c for c in word if c not in ".-"]
    return 0 < len(letters) <= 4 and all(c.isupper() for c in letters)


def family_name(author: str) -> str:
    """`Family, Given` -> family; `Family JA` -> family; anything else whole. Lower case."""
    text = " ".join(author.split()).rstrip(",;").strip()
    if "," in text:
        family, given = text.split(",", 1)
        family = family.strip() or given.strip()
        return family.lower()
    if " " in text:
        family, last = text.rsplit(" ", 1)
        if looks_like_initials(last) and family:
            return family.strip().lower()
    return text.lower()


def norm_authors(values) -> list[str]:
    return [family_name(str(v)) for v in values]


# ---------------------------------------------------------------------------------------------
# Reading both sides.


@dataclasses.dataclass
class Side:
    """One record as one reader saw it: normalised fields plus where each came from."""

    values: dict
    raw: dict  # field -> value before normalisation
    source: dict  # field -> tag (rispy side) or None
    line: int | None = None  # Sift's record start line


def rispy_side(record: dict) -> Side:
    values, raw, source = {}, {}, {}
    for field, keys in RISPY_FIELDS.items():
        if field == "authors":
            names = []
            for key, _tag in keys:
                names.extend(record.get(key) or [])
            raw[field] = names
            values[field] = norm_authors(names)
            source[field] = "AU+A1"
            continue
        raw[field] = None
        source[field] = None
        for key, tag in keys:
            value = record.get(key)
            if field == "year":
                if norm_year(value) is not None:
                    raw[field], source[field] = value, tag
                    break
            elif norm_text(value):
                raw[field], source[field] = value, tag
                break
        values[field] = normalise(field, raw[field])
    return Side(values, raw, source)


def sift_side(obj: dict) -> Side:
    raw = {
        "title": obj.get("title"),
        "authors": obj.get("authors") or [],
        "year": obj.get("year"),
        "doi": obj.get("doi"),
        "journal": obj.get("journal"),
        "abstract": obj.get("abstract"),
    }
    values = {field: normalise(field, raw[field]) for field in FIELDS}
    return Side(values, raw, dict.fromkeys(FIELDS), obj.get("source_line"))


def normalise(field: str, value):
    if field == "authors":
        return norm_authors(value or [])
    if field == "year":
        return norm_year(value)
    if field == "doi":
        return norm_doi(value)
    if field == "journal":
        return norm_journal(value)
    return norm_text(value)


def read_text(path: Path) -> str:
    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    return text


def file_lines(text: str) -> list[str]:
    """Lines as Sift numbers them: LF (or CRLF) ends a line; a file with only CR uses CR."""
    lines = text.split("\n") if "\n" in text else text.split("\r")
    return [line.rstrip("\r") for line in lines]


@dataclasses.dataclass
class TagLine:
    tag: str
    value: str
    strict: bool  # whether rispy sees it as a tag line (`XX  -`)


def record_fields(lines: list[str], start_line: int | None) -> list[TagLine]:
    """The tag lines of the record starting at 1-based `start_line`, continuation lines
    joined, read leniently (as Sift does)."""
    if not start_line:
        return []
    fields: list[TagLine] = []
    for idx in range(start_line - 1, min(len(lines), start_line - 1 + 2000)):
        line = lines[idx].lstrip("\ufeff")
        match = LENIENT_TAG.match(line)
        if match:
            tag = match.group(1)
            if tag == "ER":
                break
            if tag == "TY" and idx != start_line - 1 and fields:
                break
            fields.append(TagLine(tag, line[match.end():].strip(), bool(RISPY_TAG.match(line))))
        elif fields and line.strip():
            fields[-1].value += " " + line.strip()
    return fields


def is_ris_text(path: Path) -> bool:
    try:
        head = read_text(path)[:65536]
    except OSError:
        return False
    return any(line.startswith("TY  -") for line in file_lines(head)[:400])


def collect_files(data: Path) -> list[Path]:
    files = []
    for path in sorted(data.rglob("*")):
        if not path.is_file():
            continue
        suffix = path.suffix.lower()
        if suffix == ".ris" or (suffix == ".txt" and is_ris_text(path)):
            files.append(path)
    return files


# ---------------------------------------------------------------------------------------------
# Causes: each disagreement gets one, with a judgement of which side looks right.


@dataclasses.dataclass
class Example:
    where: str
    rispy: object
    sift: object
    tags: list[tuple[str, str]]


@dataclasses.dataclass
class Cause:
    count: int = 0
    judgement: str = ""
    examples: list = dataclasses.field(default_factory=list)


def tag_of_value(fields: list[TagLine], value, field: str) -> TagLine | None:
    """The first tag line of the record whose value normalises to `value` (for a DOI: holds
    it, looking at the DOI-bearing tags first)."""
    if value is None:
        return None
    if field == "doi":
        ordered = [f for f in fields if f.tag in FIELD_TAGS["doi"]] + fields
        for line in ordered:
            if value in urllib.parse.unquote(line.value).lower():
                return line
        return None
    for line in fields:
        if field == "year":
            if norm_year(line.value) == value:
                return line
        elif normalise(field, line.value) == value:
            return line
    return None


def tag_name(line: TagLine | None) -> str:
    return line.tag if line else "no single tag line"


def strip_markup(text: str) -> str:
    return " ".join(re.sub(r"<[^>]{1,40}>", "", html.unescape(text)).split())


RISPY_MISSES = (
    "Sift: the value is in the file; rispy only knows tag lines written exactly `XX  -` "
    "(two spaces), so a tab or one space before '-' makes the line text"
)


def classify_text(field: str, r: str | None, s: str | None, r_tag: str | None, fields) -> tuple[str, str]:
    """Cause and judgement for title, journal and abstract."""
    if r is None:
        s_line = tag_of_value(fields, s, field)
        if s_line and not s_line.strict:
            return f"rispy misses a {s_line.tag} line not written `{s_line.tag}  -`", RISPY_MISSES
        if s_line and s_line.tag not in [t for _, t in RISPY_FIELDS[field]]:
            judgement = {
                "title": "Sift: with no TI/T1, a short (ST), book (BT) or caption (CT) title is still "
                "the best title to screen by; rispy maps those tags elsewhere",
                "journal": "Sift: for chapters and conference papers BT is the book or proceedings "
                "the work is in; rispy does not map BT at all",
                "abstract": "check the examples",
            }[field]
            return f"rispy side has no {field}; Sift took {s_line.tag}", judgement
        return f"rispy has no {field}; Sift took it from {tag_name(s_line)}", "check the examples"
    if s is None:
        if field == "journal":
            return journal_missing_in_sift(r_tag, fields)
        return f"Sift has no {field}; rispy took {r_tag}", "rispy, unless the value is a placeholder"
    if r.casefold() == s.casefold():
        return "case differs only", "equal for any purpose"
    if unicodedata.normalize("NFC", r) == unicodedata.normalize("NFC", s):
        return "Unicode normal form only (Sift writes NFC)", "Sift: same text, one canonical spelling"
    invisible = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")
    if invisible.sub("", r) == invisible.sub("", s):
        return "zero-width characters (Sift drops them)", "Sift: invisible characters only break matching"
    if r.rstrip(".") == s.rstrip("."):
        side = "rispy" if r.endswith(".") else "Sift"
        return f"{side} keeps a trailing '.'", "either: punctuation only"
    if strip_markup(r) == strip_markup(s):
        return "markup or HTML entities (<i>, &amp;) differ", "check the examples"
    s_line = tag_of_value(fields, s, field)
    if s_line and r_tag and s_line.tag != r_tag:
        cause = f"different tag chosen: rispy side {r_tag}, Sift {s_line.tag}"
        ty = next((f.value.strip().upper() for f in fields if f.tag == "TY"), "")
        if field == "journal" and ty == "BOOK" and r_tag == "T2":
            return (
                f"TY BOOK: Sift skips T2 for books and takes the abbreviation in {s_line.tag}",
                "rispy side: T2 is the book the work is in (full name); Sift's fallback to the "
                f"series abbreviation in {s_line.tag} is inconsistent with skipping T2",
            )
        return cause, tag_choice_judgement(field, r_tag, s_line.tag, r, s)
    if s.startswith(r) or r.startswith(s):
        longer = "Sift" if len(s) > len(r) else "rispy"
        return (
            f"{longer}'s value is longer (continuation lines or a repeated tag joined)",
            "check the examples: the longer one is right if the extra text belongs to the field",
        )
    return "other", "check the examples"


def journal_missing_in_sift(r_tag: str | None, fields: list[TagLine]) -> tuple[str, str]:
    ty = next((f.value.strip().upper() for f in fields if f.tag == "TY"), "?")
    if ty == "BOOK" and r_tag == "T2":
        chapter_like = any(f.tag in ("SP", "EP", "ED", "A2") for f in fields) or any(
            f.tag == "AN" and f.value.startswith("WOS:") for f in fields
        )
        if chapter_like:
            return (
                "TY BOOK with editors, pages or a WoS accession (a chapter): Sift leaves T2 out of journal",
                "rispy side: these are chapters exported as BOOK (Web of Science does this); T2 "
                "is the book they are in, which Sift's `journal` (\"journal, book or proceedings\") "
                "should hold",
            )
        return (
            "TY BOOK: Sift leaves T2 (series title) out of journal",
            "Sift: for a whole book T2 is its series, not where it appeared",
        )
    return f"Sift has no journal (TY {ty}); rispy took {r_tag}", "check the examples"


def tag_choice_judgement(field: str, r_tag: str, s_tag: str, r: str, s: str) -> str:
    if field == "journal":
        def abbreviated(value: str) -> bool:
            return "." in value or len(value) < 0.8 * max(len(r), len(s))

        if abbreviated(r) and not abbreviated(s):
            return f"Sift: {s_tag} holds the full journal name, {r_tag} an abbreviation"
        if abbreviated(s) and not abbreviated(r):
            return f"rispy side: {r_tag} holds the full name, Sift took the abbreviation in {s_tag}"
        return "either: two tags, two spellings; Sift follows the RIS order JF, JO, T2, JA, J2"
    return "check the examples"


def classify(field: str, r_side: Side, s_side: Side, fields: list[TagLine]) -> tuple[str, str]:
    r, s = r_side.values[field], s_side.values[field]
    if field in ("title", "journal", "abstract"):
        return classify_text(field, r, s, r_side.source[field], fields)
    if field == "year":
        if r is None:
            line = tag_of_value(fields, s, "year")
            if line and not line.strict:
                return f"rispy misses a {line.tag} line not written `{line.tag}  -`", RISPY_MISSES
            return (
                f"rispy side has no year (PY/Y1); Sift took {tag_name(line)}",
                "Sift: DA is the RIS date tag; rispy maps it to `date`, which a caller must parse",
            )
        if s is None:
            return "Sift has no year", "rispy"
        return (
            f"different year: rispy side {r_side.source[field]}, Sift {tag_name(tag_of_value(fields, s, 'year'))}",
            "check the examples",
        )
    if field == "doi":
        return classify_doi(r, s, fields)
    if field == "authors":
        return classify_authors(r, s, fields)
    return "other", "check the examples"


def classify_doi(r: str | None, s: str | None, fields: list[TagLine]) -> tuple[str, str]:
    if r is None:
        line = tag_of_value(fields, s, "doi")
        if line and not line.strict:
            return f"rispy misses a {line.tag} line not written `{line.tag}  -`", RISPY_MISSES
        encoded = " (percent-encoded, e.g. 10.1371%2F...)" if line and "%2f" in line.value.lower() else ""
        return (
            f"no DO; Sift took the DOI from a doi.org link in {tag_name(line)}{encoded}",
            "Sift: the same DOI, written as a link; rispy leaves links to the caller",
        )
    if s is None:
        if not re.search(r"10\.\d{4,9}/", r):
            return "DO holds no DOI (placeholder text); Sift leaves it out", "Sift: 'DOI 1' is not a DOI"
        return "Sift has no DOI although DO holds one", "rispy"
    # What rispy keeps, without a leading `DOI ` label (Web of Science writes `DO  - Doi 10...`).
    bare = re.sub(r"^doi\s+", "", r)
    label = "DO starts with a 'Doi ' label; " if bare != r else ""
    if bare == s:
        return "DO starts with a 'Doi ' label (Web of Science)", "Sift: the label is not part of the DOI"
    if bare.startswith(s):
        rest = bare[len(s):]
        if rest.startswith("["):
            return (
                f"{label}SICI-style DOI '...(2007)21[394:GCOARH]2.0.CO;2': Sift cuts it at '['",
                "rispy: the brackets are part of these DOIs (BioOne, Wiley, ESA); Sift's value is "
                "a different, non-resolving DOI. Bug in sift_domain::biblio::normalize::doi, which "
                "treats '[' as the end of a DOI",
            )
        if rest.lstrip().startswith("["):
            return (
                "SICI-style DOI with spaces inside ('029 [ 0126:FITEOT]2.0.CO;2'): Sift cuts it at the space",
                "neither: the DOI is the text with the spaces removed; rispy keeps the spaces, Sift "
                "keeps only the part before them",
            )
        if rest.lstrip().startswith(("<", "/>")) or s.endswith("<br"):
            return (
                "HTML after the DOI ('...3-19<br />')",
                "neither: rispy keeps '<br />'; Sift keeps '<br' (normalize::doi lets a '<' "
                "through when a '>' follows, for SICI DOIs, and so keeps a trailing HTML tag)",
            )
        if rest == ".":
            return "rispy keeps a trailing '.' on the DOI", "Sift: DOIs do not end in '.'"
        return f"{label}DO has text after the DOI ({rest[:20]!r})", "Sift, if the text is not part of the DOI"
    if "[doi]" in r:
        return "DO holds 'DOI [doi]' (MEDLINE style)", "Sift: the marker is not part of the DOI"
    if "%" in r and urllib.parse.unquote(r) == s:
        return "percent-encoded DOI", "Sift: it decodes %2F and friends"
    return "other", "check the examples"


def classify_authors(r: list[str], s: list[str], fields: list[TagLine]) -> tuple[str, str]:
    loose = [f for f in fields if f.tag in ("AU", "A1") and not f.strict]
    if loose and len(s) > len(r):
        return f"rispy misses {loose[0].tag} lines not written `{loose[0].tag}  -`", RISPY_MISSES
    if not r:
        return "rispy side has no authors (AU/A1)", "check the examples"
    if not s:
        return "Sift has no authors", "rispy"
    if "" in r and [a for a in r if a] == s:
        return "rispy keeps empty AU lines as authors", "Sift: an empty line is no author"
    if sorted(r) == sorted(s):
        return (
            "same authors, different order (A1 and AU both present)",
            "either: the rispy side lists AU then A1 (two keys), Sift keeps file order",
        )
    if len(r) != len(s):
        more = "rispy" if len(r) > len(s) else "Sift"
        return f"{more} has more authors", "check the examples"
    return "family names spelt differently", "check the examples"


# ---------------------------------------------------------------------------------------------
# The run.


@dataclasses.dataclass
class FileResult:
    path: Path
    rispy_n: int | None = None
    rispy_error: str | None = None
    sift_n: int = 0
    sift_error: str | None = None
    ty_lines: int = 0
    er_lines: int = 0
    paired: int = 0
    note: str = ""


def run_sift(sift: Path, path: Path) -> tuple[list[dict], str | None, float]:
    started = time.perf_counter()
    proc = subprocess.run([str(sift), "convert", str(path), "--to", "jsonl"], capture_output=True)
    elapsed = time.perf_counter() - started
    records = [json.loads(line) for line in proc.stdout.decode("utf-8").splitlines() if line.strip()]
    error = None
    if proc.returncode != 0:
        errors = [l for l in proc.stderr.decode("utf-8", "replace").splitlines() if "error" in l]
        error = (errors[-1] if errors else f"exit {proc.returncode}")[:120]
    return records, error, elapsed


def pair(rispy_sides: list[Side], sift_sides: list[Side]) -> list[tuple[Side, Side]]:
    if len(rispy_sides) == len(sift_sides):
        return list(zip(rispy_sides, sift_sides))
    by_title_r = collections.defaultdict(list)
    by_title_s = collections.defaultdict(list)
    for side in rispy_sides:
        if side.values["title"]:
            by_title_r[side.values["title"].casefold()].append(side)
    for side in sift_sides:
        if side.values["title"]:
            by_title_s[side.values["title"].casefold()].append(side)
    pairs = []
    for title, rs in by_title_r.items():
        ss = by_title_s.get(title, [])
        if len(rs) == 1 and len(ss) == 1:
            pairs.append((rs[0], ss[0]))
    pairs.sort(key=lambda p: p[1].line or 0)
    return pairs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder to walk")
    parser.add_argument("--sift", type=Path, default=DEFAULT_SIFT, help="the sift binary")
    parser.add_argument("--examples", type=int, default=5, help="examples per cause")
    parser.add_argument("--no-build", action="store_true", help="do not run cargo build first")
    args = parser.parse_args()

    try:
        import rispy
    except ImportError:
        print(
            "compare_rispy: rispy is not installed for this Python. Install it in a venv and run\n"
            "the script with that venv's Python:\n"
            "    python3 -m venv /tmp/rispyenv && /tmp/rispyenv/bin/pip install rispy\n"
            "    /tmp/rispyenv/bin/python bench/compare_rispy.py",
            file=sys.stderr,
        )
        return 2
    if not args.data.is_dir():
        print(f"compare_rispy: NOTICE: {args.data} is absent; nothing compared (skipped).")
        return 0
    if not args.no_build:
        print("building: cargo build --release -p sift-cli", flush=True)
        subprocess.run(["cargo", "build", "--release", "-p", "sift-cli"], cwd=ROOT, check=True)
    if not args.sift.exists():
        print(f"compare_rispy: {args.sift} does not exist; build it or pass --sift", file=sys.stderr)
        return 2

    files = collect_files(args.data)
    print(f"rispy {getattr(rispy, '__version__', '?')} vs {args.sift.relative_to(ROOT) if args.sift.is_relative_to(ROOT) else args.sift}")
    print(f"{len(files)} RIS files under {args.data}\n")

    agreement = {f: [0, 0] for f in FIELDS}  # compared, agreeing
    causes: dict[str, dict[str, Cause]] = {f: collections.defaultdict(Cause) for f in FIELDS}
    results: list[FileResult] = []
    rispy_seconds = sift_seconds = 0.0
    n_rispy_records = n_sift_records = 0

    for path in files:
        rel = str(path.relative_to(args.data))
        text = read_text(path)
        lines = file_lines(text)
        result = FileResult(path)
        result.ty_lines = sum(1 for l in lines if l.lstrip("\ufeff").startswith("TY  -"))
        result.er_lines = sum(1 for l in lines if re.match(r"^ER[ \t]*(-|$)", l))

        started = time.perf_counter()
        try:
            rispy_records = rispy.load(path, encoding="utf-8-sig")
            result.rispy_n = len(rispy_records)
        except Exception as error:  # noqa: BLE001 - any refusal is a result
            rispy_records = []
            result.rispy_error = f"{type(error).__name__}: {str(error)[:80]}"
        rispy_seconds += time.perf_counter() - started

        sift_records, result.sift_error, elapsed = run_sift(args.sift, path)
        sift_seconds += elapsed
        result.sift_n = len(sift_records)
        n_rispy_records += len(rispy_records)
        n_sift_records += len(sift_records)

        r_sides = [rispy_side(r) for r in rispy_records]
        s_sides = [sift_side(o) for o in sift_records]
        pairs = pair(r_sides, s_sides)
        result.paired = len(pairs)
        if result.ty_lines == 0:
            has_wos = any(l.startswith("PT ") for l in lines[:50])
            result.note = (
                "Web of Science tagged, not RIS: Sift detects it, rispy needs implementation=WokParser"
                if has_wos
                else "no 'TY  -' line: rispy starts a record only at TY, Sift at any tag line"
            )
        results.append(result)

        for r_side, s_side in pairs:
            fields = record_fields(lines, s_side.line)
            for field in FIELDS:
                r, s = r_side.values[field], s_side.values[field]
                if r is None and s is None or (field == "authors" and not r and not s):
                    continue
                agreement[field][0] += 1
                if r == s:
                    agreement[field][1] += 1
                    continue
                cause, judgement = classify(field, r_side, s_side, fields)
                entry = causes[field][cause]
                entry.count += 1
                entry.judgement = judgement
                if len(entry.examples) < args.examples:
                    shown = [(f.tag, f.value) for f in fields if f.tag in FIELD_TAGS[field]]
                    entry.examples.append(
                        Example(f"{rel}:{s_side.line}", r_side.raw[field], s_side.raw[field], shown)
                    )

    # One process for every file, to separate start-up from parsing.
    started = time.perf_counter()
    subprocess.run(
        [str(args.sift), "convert", *map(str, files), "--to", "jsonl"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    sift_one_process = time.perf_counter() - started

    print_agreement(agreement)
    print_causes(causes)
    print_files(results, args.data)
    total_mb = sum(p.stat().st_size for p in files) / 1e6
    print("\n== Timing (wall clock, this machine)")
    print(f"  rispy.load, in process:           {rispy_seconds:7.2f} s  {n_rispy_records:7d} records  {total_mb / rispy_seconds:6.1f} MB/s")
    print(f"  sift convert, one process a file: {sift_seconds:7.2f} s  {n_sift_records:7d} records  (includes start-up and JSON writing)")
    print(f"  sift convert, all files at once:  {sift_one_process:7.2f} s  {total_mb / sift_one_process:6.1f} MB/s  ({total_mb:.1f} MB)")
    return 0


def print_agreement(agreement) -> None:
    print("== Per-field agreement on paired records (fields empty on both sides not counted)")
    print(f"  {'field':<10} {'compared':>9} {'agree':>9} {'%':>7}")
    for field in FIELDS:
        compared, agree = agreement[field]
        pct = 100.0 * agree / compared if compared else 0.0
        print(f"  {field:<10} {compared:>9} {agree:>9} {pct:>6.1f}%")


def short(value, width: int = 150) -> str:
    text = repr(value)
    return text if len(text) <= width else text[: width - 3] + "..."


def print_causes(causes) -> None:
    print("\n== Disagreements by field and cause (judgement: which side looks right)")
    for field in FIELDS:
        if not causes[field]:
            continue
        total = sum(c.count for c in causes[field].values())
        print(f"\n-- {field}: {total} disagreements")
        for cause, entry in sorted(causes[field].items(), key=lambda kv: -kv[1].count):
            print(f"  [{entry.count}] {cause}")
            print(f"      judgement: {entry.judgement}")
            for example in entry.examples:
                print(f"      - {example.where}")
                print(f"          rispy: {short(example.rispy)}")
                print(f"          sift:  {short(example.sift)}")
                for tag, value in example.tags[:6]:
                    print(f"          | {tag}  - {short(value, 110)[1:-1]}")


def print_files(results: list[FileResult], data: Path) -> None:
    odd = [r for r in results if r.rispy_error or r.sift_error or r.rispy_n != r.sift_n]
    print(f"\n== Files rispy refused or counted differently from Sift ({len(odd)} of {len(results)})")
    if not odd:
        return
    print(f"  {'file':<58} {'rispy':>6} {'sift':>6} {'TY':>5} {'ER':>5} {'paired':>6}  who matches the TY/ER lines / note")
    for r in odd:
        rispy_n = "ERR" if r.rispy_error else str(r.rispy_n)
        verdict = []
        if r.rispy_error:
            verdict.append(f"rispy refused: {r.rispy_error}")
        if r.sift_error:
            verdict.append(f"sift failed: {r.sift_error}")
        if not r.rispy_error and r.rispy_n != r.sift_n:
            for what, n_lines in (("ER", r.er_lines), ("TY", r.ty_lines)):
                if r.sift_n == n_lines and r.rispy_n != n_lines:
                    verdict.append(f"Sift matches the {what} count")
                    break
                if r.rispy_n == n_lines and r.sift_n != n_lines:
                    verdict.append(f"rispy matches the {what} count")
                    break
        if r.note:
            verdict.append(r.note)
        name = str(r.path.relative_to(data))
        name = name if len(name) <= 58 else "..." + name[-55:]
        print(f"  {name:<58} {rispy_n:>6} {r.sift_n:>6} {r.ty_lines:>5} {r.er_lines:>5} {r.paired:>6}  {'; '.join(verdict)}")


if __name__ == "__main__":
    sys.exit(main())
