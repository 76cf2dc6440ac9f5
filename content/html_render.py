"""Every HTML page and email body the bot writes, rendered from content/templates with autoescaping."""

from __future__ import annotations

import html
from functools import cache
from typing import Any

from markupsafe import Markup


def _escape(value: Any) -> Markup:
    """Each value a template prints, escaped once: Markup (already HTML) passes through as it is.

    The standard library's escaping rather than MarkupSafe's so pages keep the entities they have
    always had (&quot; and &#x27;, not &#34; and &#39;): same meaning, and what readers and tests match.
    """
    return value if isinstance(value, Markup) else Markup(html.escape(str(value), quote=True))


@cache
def environment():
    """Built once, on first use (no import-time side effects; Jinja2 itself is imported then, not at
    start-up, which it would slow by about 60 ms); templates are package data."""
    from jinja2 import Environment, PackageLoader, StrictUndefined

    return Environment(loader=PackageLoader("content", "templates"), autoescape=True, undefined=StrictUndefined,
                       trim_blocks=True, lstrip_blocks=True, finalize=_escape)


def render(name: str, **values: Any) -> str:
    """The template `name` (under content/templates) filled with `values`, every value escaped."""
    return environment().get_template(name).render(**values)
