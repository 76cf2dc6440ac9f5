"""The privacy gate: what is recorded or published is scanned for identifiers first."""

from __future__ import annotations

from dataclasses import dataclass

from content.briefing import BriefingDoc
from content.privacy import LABELS, Finding, redact, scan
from storage.models import PrivacyFinding, Response

from .deps import Deps


def findings_in(text: str, deps: Deps, briefing: BriefingDoc | None = None) -> list[PrivacyFinding]:
    """Identifiers in a response (the briefing's published contacts are not identifiers)."""
    allow = briefing.public_contacts if briefing else ()
    return [PrivacyFinding(kind=f.kind, start=f.start, end=f.end)
            for f in scan(text, case_reference_patterns=deps.directory.case_reference_patterns, allow=allow)]


def unconfirmed(response: Response) -> list[PrivacyFinding]:
    return [f for f in response.findings if not f.confirmed]


def redacted_text(response: Response) -> str:
    """The text as it may leave the team: unconfirmed findings replaced by [removed: ...]."""
    pending = unconfirmed(response)
    if not pending:
        return response.text
    return redact(response.text, [Finding(f.kind, f.start, f.end) for f in pending])


def for_minutes(responses: list[Response]) -> list[Response]:
    """Responses with their text redacted where a finding is not confirmed."""
    return [r.model_copy(update={"text": redacted_text(r)}) if unconfirmed(r) else r for r in responses]


_AN = {"nhs_number", "age", "email"}  # "an NHS number": by sound, not spelling


def described(kind: str) -> str:
    """"an NHS number", "a postcode"."""
    return f"{'an' if kind in _AN else 'a'} {LABELS[kind]}"


def kinds(findings: list[PrivacyFinding]) -> list[str]:
    """What was found, in words, in order of first appearance, each once."""
    return [described(kind) for kind in dict.fromkeys(f.kind for f in findings)]


@dataclass(frozen=True)
class BriefingFinding:
    line: int
    kind: str

    @property
    def described(self) -> str:
        return described(self.kind)

    def __str__(self) -> str:
        return f"{self.described} (line {self.line})"


def briefing_findings(source: str, doc: BriefingDoc, deps_patterns: list[str] | None = None) -> list[BriefingFinding]:
    """What in a briefing's file looks like an identifier, by line (its public contacts excepted)."""
    found = scan(source, case_reference_patterns=deps_patterns, allow=doc.public_contacts)
    return [BriefingFinding(source.count("\n", 0, f.start) + 1, f.kind) for f in found]
