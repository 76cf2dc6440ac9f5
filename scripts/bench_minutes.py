"""Benchmark 4: a discussion's minutes with 500 responses, compiled and rendered (HTML and Word).

In-process, the content functions only: `compile_minutes` over the bundled briefing and 500 stored
responses (four questions, twelve members, 1-3 sentences each), then `render_html` and
`minutes_docx`, as closing and forwarding do. Median of several runs after a warm-up run.
Target: under 1 second.
"""

from __future__ import annotations

import gc
import statistics
import time
from datetime import datetime, timedelta, timezone

from bench_common import BRIEFING, MEMBERS, QUESTIONS, SEED_START, response_text
from content.briefing import bundled_briefings, parse_briefing
from content.documents import minutes_docx
from content.minutes import compile_minutes, render_html
from storage.models import Author, Discussion, Response

TARGET_S = 1.0


def responses(count: int) -> list[Response]:
    discussion = Discussion.make_id(BRIEFING, "19:bench-team-00000@thread.tacv2")
    out = []
    for j in range(count):
        member = MEMBERS[j % len(MEMBERS)]
        key = f"seed-0-{j}:{QUESTIONS[j % len(QUESTIONS)]}"
        out.append(Response(id=Response.make_id(discussion, key), discussion_id=discussion,
                            question_id=QUESTIONS[j % len(QUESTIONS)], text=response_text(j),
                            author=Author(aad_object_id=member.aad, name=member.name),
                            created_at=SEED_START + timedelta(minutes=j), idempotency_key=key))
    return out


def run(*, count: int = 500, runs: int = 10, console=print) -> dict:
    source = dict(bundled_briefings())[f"{BRIEFING}.md"]
    briefing = parse_briefing(source)
    stored = responses(count)
    closed_at = datetime(2025, 3, 3, 14, 2, tzinfo=timezone.utc)
    parts: dict[str, list[float]] = {"compile": [], "html": [], "docx": [], "total": []}
    sizes = {}
    for n in range(runs + 1):  # the first run warms up (imports, the docx template, caches)
        gc.collect()
        t0 = time.perf_counter()
        minutes = compile_minutes(briefing, stored, team_name="Bench Team 00000", organisation_id="sussex-police",
                                  organisation_name="Sussex Police", closed_by="Ana Practitioner",
                                  closed_at=closed_at, meeting_date="3 March 2025")
        t1 = time.perf_counter()
        page = render_html(minutes)
        t2 = time.perf_counter()
        document = minutes_docx(minutes)
        t3 = time.perf_counter()
        if n == 0:
            assert minutes.response_count == count, f"{minutes.response_count} responses in the minutes"
            sizes = {"html_bytes": len(page.encode()), "docx_bytes": len(document)}
            continue
        for key, value in (("compile", t1 - t0), ("html", t2 - t1), ("docx", t3 - t2), ("total", t3 - t0)):
            parts[key].append(value)
    median = {k: statistics.median(v) for k, v in parts.items()}
    console(f"minutes of {count} responses: median {median['total'] * 1000:.0f} ms (compile "
            f"{median['compile'] * 1000:.1f}, HTML {median['html'] * 1000:.1f}, Word {median['docx'] * 1000:.0f} ms) "
            f"over {runs} runs")
    return {
        "responses": count, "runs": runs,
        "median_s": round(median["total"], 4), "max_s": round(max(parts["total"]), 4),
        "median_compile_s": round(median["compile"], 4), "median_html_s": round(median["html"], 4),
        "median_docx_s": round(median["docx"], 4), **sizes,
        "target_s_below": TARGET_S,
    }
