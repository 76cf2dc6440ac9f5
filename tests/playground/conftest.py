"""The bot and Microsoft's Agents Playground as real processes, and headless Chromium driving it.

Nothing is skipped: a machine without Node.js, the npm packages or Chromium fails these tests
with a message saying what to install (`make test` and `.ci/run` install them).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.fakes.smtp import free_port

ROOT = Path(__file__).resolve().parents[2]
PLAYGROUND_BIN = ROOT / "node_modules" / ".bin" / "agentsplayground"
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = ROOT / "test-artifacts" / "playground"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _require() -> None:
    missing = []
    if not PLAYGROUND_BIN.exists():
        missing.append("the npm packages (run `npm ci` in the repository)")
    if not CHROMIUM.exists():
        missing.append(f"Chromium at {CHROMIUM} (Debian package `chromium`)")
    if shutil.which("node") is None:
        missing.append("Node.js")
    if missing:
        pytest.fail("the playground tests need " + " and ".join(missing), pytrace=False)


def _wait_http(url: str, proc: subprocess.Popen, log: Path, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            pytest.fail(f"{url} process exited with {proc.returncode}:\n{log.read_text()[-3000:]}", pytrace=False)
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            if time.monotonic() > deadline:
                pytest.fail(f"{url} did not answer in {timeout:.0f}s:\n{log.read_text()[-3000:]}", pytrace=False)
            time.sleep(0.1)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(subprocess.signal.SIGINT)  # the playground ignores SIGTERM at times
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


@pytest.fixture
def playground(tmp_path, request):
    """Start the bot and the playground; yields the playground's URL and the bot's data dir."""
    _require()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    bot_port, pg_port = free_port(), free_port()
    data = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LEARNING_BOT_", "SMTP_", "Microsoft"))}
    bot_log, pg_log = tmp_path / "bot.log", tmp_path / "playground.log"
    clock = tmp_path / "now"  # the walk moves the bot's time to an action's date by writing it here (tests only)
    bot = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--port", str(bot_port), "--data-dir", str(data)],
        cwd=ROOT, env={**env, "LEARNING_BOT_DIRECTORY": str(ROOT / "playground" / "directory.yaml"),
                       "LEARNING_BOT_DIGEST_DAY": "OFF", "LEARNING_BOT_TEST_CLOCK_FILE": str(clock)},
        stdout=bot_log.open("w"), stderr=subprocess.STDOUT)
    pg = subprocess.Popen(
        [str(PLAYGROUND_BIN), "-e", f"http://127.0.0.1:{bot_port}/api/messages", "-c", "msteams", "--dt",
         "-p", str(pg_port)],
        cwd=ROOT / "playground",
        env={**env, "APPLICATION_INSIGHTS_NO_STATSBEAT": "1", "TEAMSAPPTESTER_BROWSER": "none"},
        stdout=pg_log.open("w"), stderr=subprocess.STDOUT)
    try:
        _wait_http(f"http://127.0.0.1:{bot_port}/healthz", bot, bot_log)
        deadline = time.monotonic() + 30
        while not re.search(r"Listening on (\d+)", pg_log.read_text()):
            if pg.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the playground did not start:\n{pg_log.read_text()[-3000:]}", pytrace=False)
            time.sleep(0.1)
        port = int(re.search(r"Listening on (\d+)", pg_log.read_text()).group(1))
        yield {"url": f"http://127.0.0.1:{port}/", "data": data, "clock": clock}
    finally:
        _stop(pg)
        _stop(bot)
        if getattr(request.node, "failed", False):
            for log in (bot_log, pg_log):
                shutil.copy(log, ARTIFACTS / f"{request.node.name}-{log.name}")


@pytest.fixture
def page(playground, request):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        # The page asks an Office CDN for fonts; nothing may leave the machine.
        context.route(lambda url: not url.startswith(("http://127.0.0.1", "http://localhost", "ws://", "data:", "blob:")),
                      lambda route: route.abort())
        page = context.new_page()
        page.set_default_timeout(20_000)
        try:
            yield page
        finally:
            if getattr(request.node, "failed", False):
                page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"))
            browser.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call" and report.failed:
        item.failed = True
    return report


# WCAG 2.1 contrast of every piece of text in the page's cards, against what is behind it (the
# nearest ancestor with a background; a translucent text colour blended over it).
CONTRAST_JS = """
() => {
  const parse = c => { const m = c.match(/rgba?\\(([^)]+)\\)/); if (!m) return null;
    const p = m[1].split(',').map(s => parseFloat(s)); return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1}; };
  const lum = c => { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b); };
  const background = el => { for (let e = el; e; e = e.parentElement) { const c = parse(getComputedStyle(e).backgroundColor);
    if (c && c.a > 0) return c; } return {r: 255, g: 255, b: 255, a: 1}; };
  const out = [];
  for (const card of document.querySelectorAll('.ac-adaptiveCard')) {
    const walker = document.createTreeWalker(card, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const text = n.textContent.trim(); const el = n.parentElement;
      if (!text || !el || el.offsetParent === null) continue;
      const style = getComputedStyle(el); const fg = parse(style.color); const bg = background(el);
      const mixed = {r: fg.r * fg.a + bg.r * (1 - fg.a), g: fg.g * fg.a + bg.g * (1 - fg.a), b: fg.b * fg.a + bg.b * (1 - fg.a)};
      const [hi, lo] = [lum(mixed), lum(bg)].sort((a, b) => b - a);
      const size = parseFloat(style.fontSize); const bold = parseInt(style.fontWeight) >= 700;
      out.push({text: text.slice(0, 60), ratio: (hi + 0.05) / (lo + 0.05), large: size >= 24 || (bold && size >= 18.66),
                color: style.color});
    }
  }
  return out;
}
"""


def low_contrast(page) -> list[dict]:
    """Texts in the page's cards below WCAG AA: 4.5:1, or 3:1 for large text."""
    return [t for t in page.evaluate(CONTRAST_JS) if t["ratio"] < (3.0 if t["large"] else 4.5)]
