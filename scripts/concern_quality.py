"""How well the live-concern check does on the labelled set (tests/content/concern_corpus.jsonl).

    .venv/bin/python scripts/concern_quality.py [CORPUS ...] [--source NAME] [--show]

Each line is {"text": ..., "live": true|false, "source": ...}. Held: the share of live worries
the check would hold before storing (the target is at least 90%). Questioned: the share of
learning lines it would question (at most 10%). Figures are printed for the whole set and for
each source. --show prints the lines behind every miss and every question with the groups
found (the set is synthetic, so printing its text is fine; never run this on real minutes).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from content.concern import Assessment, assess  # noqa: E402

CORPUS = ROOT / "tests" / "content" / "concern_corpus.jsonl"


@dataclass(frozen=True)
class Line:
    number: int
    text: str
    live: bool
    source: str


@dataclass
class Report:
    live: int = 0
    held: int = 0
    learning: int = 0
    questioned: int = 0
    misses: list[tuple[Line, Assessment]] = field(default_factory=list)
    questions: list[tuple[Line, Assessment]] = field(default_factory=list)

    @property
    def held_share(self) -> float:
        return self.held / self.live if self.live else 1.0

    @property
    def questioned_share(self) -> float:
        return self.questioned / self.learning if self.learning else 0.0


def load(*paths: Path) -> list[Line]:
    items = []
    for path in paths:
        for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not raw.strip():
                continue
            obj = json.loads(raw)
            if not isinstance(obj.get("text"), str) or not isinstance(obj.get("live"), bool):
                raise ValueError(f"{path}:{number}: needs a text and live: true or false")
            items.append(Line(number, obj["text"], obj["live"], str(obj.get("source", path.stem))))
    return items


def evaluate(items: list[Line], check=assess) -> Report:
    """`check` is a function from text to an Assessment-like object with `.held` (or a bool)."""
    report = Report()
    for line in items:
        result = check(line.text)
        held = result if isinstance(result, bool) else result.held
        detail = result if isinstance(result, Assessment) else Assessment(held, 0.0, ())
        if line.live:
            report.live += 1
            report.held += held
            if not held:
                report.misses.append((line, detail))
        else:
            report.learning += 1
            report.questioned += held
            if held:
                report.questions.append((line, detail))
    return report


def figures(report: Report) -> str:
    return (f"live worries held: {report.held}/{report.live} = {report.held_share:.1%}; "
            f"learning questioned: {report.questioned}/{report.learning} = {report.questioned_share:.1%}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="*", type=Path, default=[CORPUS])
    parser.add_argument("--source", help="only the lines of this source")
    parser.add_argument("--show", action="store_true", help="print the lines behind misses and questions")
    args = parser.parse_args(argv)
    items = load(*args.corpus)
    if args.source:
        items = [i for i in items if i.source == args.source]
    report = evaluate(items)
    print(f"corpus: {', '.join(map(str, args.corpus))} ({report.live} live worries, {report.learning} learning lines)")
    print(figures(report))
    by_source: dict[str, list[Line]] = defaultdict(list)
    for item in items:
        by_source[item.source].append(item)
    if len(by_source) > 1:
        for source, lines in sorted(by_source.items()):
            print(f"  {source}: {figures(evaluate(lines))}")
    if args.show:
        for line, found in report.misses:
            print(f"MISS {line.source}:{line.number} score {found.score:g} {list(found.groups)}: {line.text}")
        for line, found in report.questions:
            print(f"QUESTIONED {line.source}:{line.number} score {found.score:g} {list(found.groups)}: {line.text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
