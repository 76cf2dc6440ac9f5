"""Spotting a response that reads like a live worry about a child rather than learning."""

from __future__ import annotations

import re

# A current worry: the present, or a time close to now, next to worry or risk words.
_NOW = r"(?:tonight|today|this (?:morning|afternoon|evening|week)|right now|now|at the moment|currently|at present)"
_PATTERNS = [
    rf"\b(?:i'?m|i am|we'?re|we are|i'?ve been|we have been)\s+(?:really\s+|very\s+|so\s+)?(?:worried|concerned|scared|frightened)\b[^.?!]{{0,80}}\b{_NOW}\b",
    rf"\b(?:is|are|may be|might be|could be)\s+(?:at risk|in danger|not safe|unsafe)\s+(?:{_NOW})\b",
    rf"\b{_NOW}\s*,?\s+(?:he|she|they|the child|the baby|[A-Z][a-z]+)\s+(?:is|are)\s+(?:at risk|in danger|not safe|unsafe)\b",
    r"\b(?:currently|still)\s+(?:at risk|in danger|not safe|unsafe)\b",
    r"\b(?:disclosed|told me|told us|said)\b[^.?!]{0,60}\b(?:today|this morning|this afternoon|last night|yesterday)\b",
    r"\b(?:going|goes|went) home\b[^.?!]{0,40}\btonight\b",
    r"\b(?:i|we)\s+(?:need|have|ought)\s+to\s+(?:make\s+a\s+referral|refer\s+(?:him|her|them|this))\b",
    r"\bshould\s+(?:i|we)\s+(?:make\s+a\s+referral|refer)\b",
]
_CONCERN = re.compile("|".join(f"(?:{p})" for p in _PATTERNS), re.IGNORECASE)


def reads_like_live_concern(text: str) -> bool:
    """True when `text` sounds like a current worry about a child ("I'm worried about ... tonight",
    "is at risk now"): the responder is pointed to the referral route before anything is stored."""
    return _CONCERN.search(text) is not None
