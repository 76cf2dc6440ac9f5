"""The board report's charts (Pillow): per organisation, teams reached, teams that discussed and
minutes sent; and the actions teams agreed, and how they went."""

from __future__ import annotations

import functools
import io
import math
from typing import TYPE_CHECKING, Callable, NamedTuple

if TYPE_CHECKING:
    from PIL import Image, ImageFont

# Pillow is imported where a chart is drawn, not when the bot starts (some 60 ms of its start-up).

from .report import BriefingReport, OrganisationReach
from .text import plural

WIDTH, HEIGHT = 1000, 560
BACKGROUND = (255, 255, 255)
INK = (33, 33, 33)
MUTED = (90, 90, 90)  # 7:1 on white
GRID = (224, 224, 224)
AXIS = (120, 120, 120)

# Okabe-Ito: distinguishable with the common colour-vision deficiencies, and in greyscale by lightness.
SERIES: tuple[tuple[str, str, tuple[int, int, int]], ...] = (
    ("teams_delivered", "Teams reached", (0, 114, 178)),  # blue
    ("teams_discussed", "Teams that discussed it", (230, 159, 0)),  # orange
    ("minutes_sent", "Minutes sent to leads", (0, 158, 115)),  # bluish green
)
TITLE = "Reach and engagement by organisation"


class Chart(NamedTuple):
    """What one grouped bar chart draws: a bar per series for each organisation drawn."""

    title: str
    series: tuple[tuple[str, str, tuple[int, int, int]], ...]  # (field, name, colour); the first ranks them
    unit: str  # the y axis
    empty: str  # on the image when there is nothing to draw
    none_yet: str  # the same, in its text alternative
    ranked_by: str  # "most teams were reached in", for the note when some are left out
    described: Callable[[OrganisationReach], str]  # an organisation's figures, in the text alternative
    every_organisation: bool = True  # else only those with some of the first series


def _reach_said(o: OrganisationReach) -> str:
    return (f"{plural(o.teams_delivered, 'team')} reached, {o.teams_discussed} discussed it, "
            f"{plural(o.minutes_sent, 'set', 'sets')} of minutes sent")


def _actions_said(o: OrganisationReach) -> str:
    return ", ".join(f"{int(getattr(o, field))} {name.lower()}" for field, name, _ in ACTIONS.series)


REACH = Chart(TITLE, SERIES, "Teams", "No teams yet", "no teams have received this briefing yet.",
              "most teams were reached in", _reach_said)
ACTIONS = Chart(
    "Actions agreed, and how they went, by organisation",
    (("actions_agreed", "Agreed", (0, 114, 178)),  # blue
     ("actions_done", "Done", (0, 158, 115)),  # bluish green
     ("actions_partly", "Partly", (86, 180, 233)),  # sky blue
     ("actions_not_yet", "Not yet", (230, 159, 0)),  # orange
     ("actions_overdue", "Overdue", (213, 94, 0))),  # vermilion
    "Actions", "No actions agreed yet", "no team has agreed actions yet.", "teams agreed most actions in",
    _actions_said, every_organisation=False)

_MARGIN = 28
_LEFT = 64  # room for the y-axis tick labels
MAX_GROUPS = 16


@functools.lru_cache(maxsize=16)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """Pillow's bundled scalable font (Pillow >= 10.1 with FreeType); the bitmap font otherwise."""
    from PIL import ImageFont

    try:
        return ImageFont.load_default(size=size)
    except (TypeError, ImportError, OSError):  # pragma: no cover - Pillow built without FreeType
        return ImageFont.load_default()


def _width(font, text: str) -> float:
    return font.getlength(text)


def _line_height(font) -> int:
    top, bottom = font.getbbox("Ag")[1::2]
    return int(bottom - top) + 4


def _ellipsis(font, text: str, width: float, *, force: bool = False) -> str:
    """`text` cut to fit `width`, ending '…' if cut (or if `force`: it continues elsewhere)."""
    if not force and _width(font, text) <= width:
        return text
    text = text.rstrip(" -")
    while text and _width(font, text + "…") > width:
        text = text[:-1].rstrip(" -")
    return text + "…"


def _wrap(font, text: str, width: float, max_lines: int) -> list[str]:
    """Words onto lines no wider than `width`; a long word is broken; if cut, the last line ends '…'."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if _width(font, candidate) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = word
        while _width(font, current) > width:
            cut = len(current) - 1
            while cut > 1 and _width(font, current[:cut] + "-") > width:
                cut -= 1
            lines.append(current[:cut] + "-")
            current = current[cut:]
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        lines = lines[:max_lines - 1] + [_ellipsis(font, lines[max_lines - 1], width, force=True)]
    return lines


def _fit_labels(names: list[str], width: float) -> tuple[int, list[list[str]]]:
    """The largest label size at which every name wraps whole onto three lines (else four, then cut)."""
    for size, lines in ((18, 3), (16, 3), (15, 4)):
        font = _font(size)
        wrapped = [_wrap(font, name, width, lines) for name in names]
        if not any(line.endswith("…") for name in wrapped for line in name):
            break
    return size, wrapped


def _nice_step(top: int) -> int:
    """An integer tick step giving at most about six ticks up to `top`."""
    for magnitude in (10 ** p for p in range(0, 9)):
        for factor in (1, 2, 5):
            step = factor * magnitude
            if math.ceil(top / step) <= 6:
                return step
    return 10 ** 9  # pragma: no cover


def _bars(report: BriefingReport, chart: Chart = REACH) -> tuple[list[OrganisationReach], int]:
    """The organisations drawn, in report order, and how many were left out: those with none of the
    first series are not drawn (the actions chart: only those with actions); beyond MAX_GROUPS only
    the largest (a bar chart of dozens of organisations cannot be read; the report's table has them all)."""
    first = chart.series[0][0]
    orgs = [o for o in report.organisations if chart.every_organisation or getattr(o, first)]
    if len(orgs) <= MAX_GROUPS:
        return orgs, 0
    ranked = sorted(range(len(orgs)), key=lambda i: (-int(getattr(orgs[i], first)), i))
    return [orgs[i] for i in sorted(ranked[:MAX_GROUPS])], len(orgs) - MAX_GROUPS


def chart_description(report: BriefingReport, chart: Chart = REACH) -> str:
    """A text alternative to the chart: what it shows and every figure in it."""
    orgs, left_out = _bars(report, chart)
    if not orgs:
        return f"{chart.title}: {chart.none_yet}"
    parts = [f"{o.organisation_name}: {chart.described(o)}" for o in orgs]
    more = (f" {plural(left_out, 'more organisation')} {'is' if left_out == 1 else 'are'} in the table by "
            "organisation." if left_out else "")
    return f"Bar chart, {chart.title.lower()}. " + "; ".join(parts) + "." + more


def _draw_rotated(image: Image.Image, text: str, font, anchor_xy: tuple[int, int], angle: int) -> None:
    """Text rotated by `angle` degrees, its end at `anchor_xy` (the label hangs down and left from the bar)."""
    from PIL import Image, ImageDraw

    w = int(_width(font, text)) + 4
    h = _line_height(font) + 4
    layer = Image.new("L", (w, h), 0)
    ImageDraw.Draw(layer).text((2, 2), text, font=font, fill=255)
    rotated = layer.rotate(angle, expand=True, resample=Image.Resampling.BICUBIC)
    x, y = anchor_xy
    ink = Image.new("RGB", rotated.size, INK)
    image.paste(ink, (x - rotated.width, y), rotated)


def reach_chart_png(report: BriefingReport) -> bytes:
    return chart_png(report, REACH)


def actions_chart_png(report: BriefingReport) -> bytes:
    return chart_png(report, ACTIONS)


def chart_png(report: BriefingReport, chart: Chart) -> bytes:
    """A grouped bar chart, WIDTH x HEIGHT PNG; the same report gives the same bytes."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    title_font, label_font, small_font = _font(28), _font(18), _font(16)
    series = chart.series

    draw.text((_MARGIN, 16), chart.title, font=title_font, fill=INK)
    draw.text((_MARGIN + 1, 16), chart.title, font=title_font, fill=INK)  # a touch heavier: the font has no bold
    subtitle = _ellipsis(small_font, f"{report.title} ({report.issued_label})", WIDTH - 2 * _MARGIN)
    draw.text((_MARGIN, 54), subtitle, font=small_font, fill=MUTED)

    # Legend, in one row under the title.
    x = _MARGIN
    legend_y = 84
    for _, name, colour in series:
        draw.rectangle((x, legend_y + 1, x + 18, legend_y + 19), fill=colour)
        draw.text((x + 26, legend_y + 10), name, font=label_font, fill=INK, anchor="lm")
        x += 26 + int(_width(label_font, name)) + 36

    orgs, left_out = _bars(report, chart)
    top = 146
    right = WIDTH - _MARGIN
    if not orgs:
        bottom = HEIGHT - 60
        draw.line((_LEFT, top, _LEFT, bottom), fill=AXIS, width=1)
        draw.line((_LEFT, bottom, right, bottom), fill=AXIS, width=1)
        message = chart.empty
        font = _font(28)
        w = _width(font, message)
        draw.text(((_LEFT + right - w) / 2, (top + bottom) / 2 - 18), message, font=font, fill=MUTED)
        return _png(image)

    group = (right - _LEFT) / len(orgs)
    rotate = group < 96  # too narrow to wrap a name legibly: turn the labels instead
    if rotate:
        label_font = _font(16)
        # A turned label runs down and left from its group: the first ones must not run off the image.
        room = [(_LEFT + group * (i + 0.5) + 4) / math.cos(math.radians(40)) - 8 for i in range(len(orgs))]
        labels = [[_ellipsis(label_font, o.organisation_name, min(180, room[i]))] for i, o in enumerate(orgs)]
        label_space = int(max(_width(label_font, lines[0]) for lines in labels) * math.sin(math.radians(40))) + 30
        label_space = min(label_space, 150)
    else:
        size, labels = _fit_labels([o.organisation_name for o in orgs], group - 10)
        label_font = _font(size)
        label_space = max(len(lines) for lines in labels) * _line_height(label_font) + 18
    line_h = _line_height(label_font)
    bottom = HEIGHT - 20 - label_space

    highest = max((int(getattr(o, f)) for o in orgs for f, _, _ in series), default=0)
    step = _nice_step(max(highest, 1))
    y_max = step * max(1, math.ceil(highest / step))
    if y_max == highest:
        y_max += step  # headroom for the value labels above the tallest bar
    scale = (bottom - top) / y_max

    # Gridlines and integer ticks.
    draw.text((_MARGIN - 6, top - 26), chart.unit, font=small_font, fill=MUTED)
    if left_out:
        note = (f"The {len(orgs)} organisations {chart.ranked_by}; {left_out:,} more "
                f"{'is' if left_out == 1 else 'are'} in the table")
        draw.text((right, top - 26), note, font=small_font, fill=MUTED, anchor="ra")
    for tick in range(0, y_max + 1, step):
        y = round(bottom - tick * scale)
        draw.line((_LEFT, y, right, y), fill=GRID if tick else AXIS, width=1)
        text = str(tick)
        draw.text((_LEFT - 10, y), text, font=small_font, fill=MUTED, anchor="rm")

    bar = min(56.0, group * 0.78 / len(series))
    for i, o in enumerate(orgs):
        centre = _LEFT + group * (i + 0.5)
        first = centre - bar * len(series) / 2
        for s, (field, _, colour) in enumerate(series):
            value = int(getattr(o, field))
            x0 = round(first + s * bar) + 1
            x1 = round(first + (s + 1) * bar) - 1
            y0 = round(bottom - value * scale)
            if value:
                draw.rectangle((x0, y0, x1, bottom - 1), fill=colour)
            text = str(value)
            value_font = next((f for f in (small_font, _font(12)) if _width(f, text) <= bar + 1), None)
            if value_font is not None:  # too narrow even for a small figure: the table has it
                draw.text(((x0 + x1) / 2, y0 - 4), text, font=value_font, fill=INK, anchor="ms")
        if rotate:
            _draw_rotated(image, labels[i][0], label_font, (round(centre) + 8, bottom + 6), 40)
        else:
            for n, line in enumerate(labels[i]):
                draw.text((centre, bottom + 10 + n * line_h), line, font=label_font, fill=INK, anchor="ma")
    return _png(image)


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
