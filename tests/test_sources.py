"""Every source resolves inside the repository (issue 18).

Files cited in code, docs, data tables and parameter sources exist in the repository, cited
sections of docs/model.md exist, and nothing cites a file outside it.
"""

from __future__ import annotations

import re
from pathlib import Path

from industry_transition.model.parameters import Parameters

ROOT = Path(__file__).resolve().parent.parent
SCANNED = [
    "README.md",
    "docs/**/*.md",
    "industry_transition/**/*.py",
    "industry_transition/**/*.csv",
    "industry_transition/**/*.toml",
    "benchmarks/**/*.py",
    "examples/**/*.toml",
    "tools/**/*.py",
    "tests/**/*.py",
]
CITED_FILE = re.compile(
    r"(?<![\w/.-])((?:docs|industry_transition|tests|benchmarks|examples|tools)"
    r"/[\w./-]*\w\.(?:md|py|csv|toml|txt|json))"
)
SECTION = re.compile(r"docs/model\.md §\s?(\d+(?:\.\d+)?)")
OUTSIDE = re.compile(r"DESIGN\.md|calibration\.md|\.\./shared|/work/shared")


def scanned_files() -> list[Path]:
    files: set[Path] = set()
    for pattern in SCANNED:
        files.update(p for p in ROOT.glob(pattern) if p.is_file())
    return sorted(f for f in files if ".venv" not in f.parts and "snapshots" not in f.parts)


def model_sections() -> set[str]:
    text = (ROOT / "docs" / "model.md").read_text()
    return set(re.findall(r"^#{2,4} (\d+(?:\.\d+)?)[ .]", text, flags=re.M))


def test_every_cited_file_exists():
    missing, checked = [], 0
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in scanned_files()]
    texts.append(" ".join(str(row["source"]) for row in Parameters.describe()))
    names = [str(p.relative_to(ROOT)) for p in scanned_files()] + ["parameter sources"]
    for name, text in zip(names, texts, strict=True):
        for cited in set(CITED_FILE.findall(text)):
            target = cited.rstrip(".")
            if "*" in target or "<" in target:
                continue
            checked += 1
            if not (ROOT / target).exists():
                missing.append(f"{name} cites {target}")
    assert checked > 100  # the pattern finds citations at all
    assert not missing, "\n".join(missing)


def test_every_cited_section_of_the_model_reference_exists():
    sections = model_sections()
    assert {"1", "3", "3.1"} <= sections  # the pattern finds the headings at all
    wrong = []
    for path in scanned_files():
        text = path.read_text(encoding="utf-8", errors="replace")
        for number in set(SECTION.findall(text)):
            if number not in sections:
                wrong.append(f"{path.relative_to(ROOT)} cites docs/model.md §{number}")
    sources = " ".join(str(row["source"]) for row in Parameters.describe())
    wrong += [
        f"a parameter source cites §{n}" for n in SECTION.findall(sources) if n not in sections
    ]
    assert not wrong, "\n".join(sorted(set(wrong)))


def test_nothing_cites_a_file_outside_the_repository():
    found = []
    for path in scanned_files():
        if path == Path(__file__).resolve():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        found += [f"{path.relative_to(ROOT)} cites {m}" for m in OUTSIDE.findall(text)]
    assert not found, "\n".join(found)
