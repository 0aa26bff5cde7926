"""README.md and docs/ cannot rot: the README stays short and gives the two commands, CI runs
its test command, every relative link lands on a file (and heading) that exists, and the table
of changes covers the whole contract (the Python blocks of every page run against the emulator
in ``tests/integration_tests/docs/test_readme.py``)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kluster_integrations.core.contract import (
    RENAMED_PARAMETERS,
    UNSUPPORTED_MESSAGE_FIELDS,
    UNSUPPORTED_PARAMETERS,
)

ROOT = Path(__file__).resolve().parents[3]
README = ROOT / "README.md"
DOCS = ROOT / "docs"
PAGES = [README, *sorted(DOCS.glob("*.md"))]
README_MAX_LINES = 200

BLOCK = re.compile(r"^```(\w+)\n(.*?)^```", re.DOTALL | re.MULTILINE)
FENCED = re.compile(r"^```.*?^```", re.DOTALL | re.MULTILINE)
INLINE_CODE = re.compile(r"`[^`\n]*`")
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
HEADING = re.compile(r"^#{1,6} +(.+?) *$", re.MULTILINE)


def page_id(page: Path) -> str:
    """``README.md``, ``docs/batch.md``: how a page is named in test ids and failures."""
    return page.relative_to(ROOT).as_posix()


def blocks(page: Path, language: str) -> list[str]:
    """The bodies of the fenced blocks of ``language`` in ``page``, in order."""
    return [body for lang, body in BLOCK.findall(page.read_text()) if lang == language]


def prose(page: Path) -> str:
    """``page`` without its code: fenced blocks and inline code spans removed."""
    return INLINE_CODE.sub("", FENCED.sub("", page.read_text()))


def anchors(page: Path) -> set[str]:
    """The ``#anchor`` of each heading in ``page``, spelt as GitHub spells it."""
    found: set[str] = set()
    for heading in HEADING.findall(prose(page)):
        slug = re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")
        anchor, repeat = slug, 1
        while anchor in found:
            anchor, repeat = f"{slug}-{repeat}", repeat + 1
        found.add(anchor)
    return found


def test_readme_gives_the_two_commands():
    shell = "\n".join(blocks(README, "bash"))
    assert "make demo" in shell
    assert "make test" in shell


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in ci


def test_readme_is_short():
    lines = len(README.read_text().splitlines())
    assert lines <= README_MAX_LINES, (
        f"README.md has {lines} lines (at most {README_MAX_LINES}): move a topic to docs/"
    )


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_every_relative_link_resolves(page: Path):
    broken = []
    for target in LINK.findall(prose(page)):
        if re.match(r"[a-z]+:", target):  # https:, mailto:
            continue
        path, _, anchor = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        if not linked.exists():
            broken.append(f"{target}: no file {linked}")
        elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
            broken.append(f"{target}: no heading #{anchor} in {page_id(linked)}")
    assert not broken, f"{page_id(page)} links to what does not exist: {broken}"


def test_every_docs_page_is_linked_from_the_readme():
    linked = {(ROOT / target.partition("#")[0]).resolve() for target in LINK.findall(prose(README))}
    unlisted = [page_id(page) for page in PAGES[1:] if page.resolve() not in linked]
    assert PAGES[1:], "docs/ holds no page"
    assert not unlisted, f"README.md does not link to {unlisted}"


def test_change_table_covers_the_contract():
    text = (DOCS / "changes.md").read_text()
    named = {  # the names in backticks in the first cell of each row
        name
        for line in text.splitlines()
        if line.startswith("| `")
        for name in INLINE_CODE.findall(line.split("|")[1])
    }
    expected = set(UNSUPPORTED_PARAMETERS) | set(RENAMED_PARAMETERS)
    expected |= {f"messages[].{field}" for field in UNSUPPORTED_MESSAGE_FIELDS}
    missing = {name for name in expected if f"`{name}`" not in named}
    assert not missing, f"the table in docs/changes.md lacks: {sorted(missing)}"
