"""How well the privacy scanner does on the labelled corpus (tests/content/privacy_corpus.jsonl).

    .venv/bin/python scripts/privacy_quality.py [CORPUS] [--show]

Recall: an identifier line counts as caught when every labelled kind is found on it (per-kind
recall counts each labelled kind on each line). False-positive rate: clean lines with any
finding. Wrongly kinded: findings of a kind the line is not labelled with (on identifier lines).
--show prints the lines behind every miss and false positive (the corpus is synthetic, so
printing its text is fine; never run this on real minutes).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from content.privacy import KINDS, scan  # noqa: E402

CORPUS = ROOT / "tests" / "content" / "privacy_corpus.jsonl"


@dataclass
class Report:
    identifier_lines: int = 0
    caught_lines: int = 0
    clean_lines: int = 0
    false_positive_lines: int = 0
    labelled: Counter = field(default_factory=Counter)
    found: Counter = field(default_factory=Counter)
    wrong_kinds: Counter = field(default_factory=Counter)
    misses: list[tuple[int, str, list[str], list[str]]] = field(default_factory=list)
    false_positives: list[tuple[int, str, list[str]]] = field(default_factory=list)
    wrongly_kinded: list[tuple[int, str, list[str]]] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.caught_lines / self.identifier_lines if self.identifier_lines else 1.0

    @property
    def false_positive_rate(self) -> float:
        return self.false_positive_lines / self.clean_lines if self.clean_lines else 0.0

    def kind_recall(self, kind: str) -> float | None:
        return self.found[kind] / self.labelled[kind] if self.labelled[kind] else None


def load(path: Path = CORPUS) -> list[tuple[int, str, set[str]]]:
    items = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        obj = json.loads(line)
        kinds = set(obj["kinds"])
        unknown = kinds - set(KINDS)
        if unknown:
            raise ValueError(f"{path}:{number}: unknown kinds {sorted(unknown)}")
        items.append((number, obj["text"], kinds))
    return items


def evaluate(items: list[tuple[int, str, set[str]]]) -> Report:
    report = Report()
    for number, text, kinds in items:
        found = [f.kind for f in scan(text)]
        found_set = set(found)
        if kinds:
            report.identifier_lines += 1
            report.labelled.update(kinds)
            report.found.update(kinds & found_set)
            if kinds <= found_set:
                report.caught_lines += 1
            else:
                report.misses.append((number, text, sorted(kinds - found_set), sorted(found_set)))
            extra = sorted(found_set - kinds)
            if extra:
                report.wrong_kinds.update(extra)
                report.wrongly_kinded.append((number, text, extra))
        else:
            report.clean_lines += 1
            if found:
                report.false_positive_lines += 1
                report.wrong_kinds.update(found)
                report.false_positives.append((number, text, found))
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=CORPUS)
    parser.add_argument("--show", action="store_true", help="print the lines behind misses and false positives")
    args = parser.parse_args(argv)
    report = evaluate(load(args.corpus))
    print(f"corpus: {args.corpus} ({report.identifier_lines} identifier lines, {report.clean_lines} clean lines)")
    print(f"recall (identifier lines with every labelled kind found): {report.caught_lines}/"
          f"{report.identifier_lines} = {report.recall:.1%}")
    print(f"false positives (clean lines with any finding): {report.false_positive_lines}/"
          f"{report.clean_lines} = {report.false_positive_rate:.1%}")
    print("per-kind recall:")
    for kind in KINDS:
        r = report.kind_recall(kind)
        if r is not None:
            print(f"  {kind:15} {report.found[kind]:3}/{report.labelled[kind]:<3} = {r:.1%}")
    wrong = ", ".join(f"{k} {n}" for k, n in report.wrong_kinds.most_common()) or "none"
    print(f"wrongly kinded findings (kinds not labelled on the line, clean lines included): {wrong}")
    if args.show:
        for number, text, missing, found in report.misses:
            print(f"MISS {number}: missing {missing}, found {found}: {text}")
        for number, text, found in report.false_positives:
            print(f"FALSE POSITIVE {number}: {found}: {text}")
        for number, text, extra in report.wrongly_kinded:
            print(f"WRONG KIND {number}: also {extra}: {text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
