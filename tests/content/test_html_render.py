"""HTML from Jinja2 templates: every value escaped once, HTML passed only when marked, no HTML built by hand."""

import re
from importlib.resources import files
from pathlib import Path

import pytest
from jinja2 import UndefinedError

from content.html_render import environment, render
from content.report_render import html_page

CONTENT = Path(__file__).resolve().parents[2] / "content"
HOSTILE = "<script>alert('x')</script> & \"Co\""


def test_values_are_escaped_with_the_entities_pages_have_always_had():
    page = html_page(HOSTILE, "<p>built by the caller</p>")
    assert "<title>&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &quot;Co&quot;</title>" in page
    assert "<script>" not in page
    assert "<p>built by the caller</p>" in page  # html_page's `main` is HTML by contract: passed as it is


def test_a_value_the_template_needs_but_was_not_given_is_an_error():
    with pytest.raises(UndefinedError):
        render("page.html", page_title="No main")


def test_every_template_compiles():
    names = [p.name for p in files("content").joinpath("templates").iterdir() if p.name.endswith(".html")]
    assert len(names) >= 7
    for name in names:
        environment().get_template(name)


@pytest.mark.parametrize("module", sorted(p.name for p in CONTENT.glob("*.py") if p.name != "html_render.py"))
def test_no_html_is_built_by_hand_in_content(module):
    source = (CONTENT / module).read_text(encoding="utf-8")
    assert "html.escape" not in source and not re.search(r"^import html$", source, re.MULTILINE)
    assert not re.search(r"<(!DOCTYPE|html|body|p|li|ul|h[1-6]|table|tr|td|th|strong|a )\b", source, re.IGNORECASE)
