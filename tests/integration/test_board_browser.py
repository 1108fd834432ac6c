"""The web board in real headless Chromium during `liqwatch demo` (DeepSeek scenario,
seed 7): the AI-token cascade alert appears live with its trigger story, a screenshot is
saved under test-output/, and the page's filters hide and show it instantly.

The demo runs as the real command (embedded broker, Faust worker, chDB) with the board on
a free port and --keep-serving; the page is opened as soon as the board's URL is printed,
while the replay runs. Every wait has a deadline (no fixed sleeps)."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-output" / "board"
CASCADE = ('li.alert[data-scope="sector"][data-key="ai"][data-side="long"]'
           '[data-relation="trigger"]')


class Demo:
    """`liqwatch demo` in a subprocess; its output lines are collected by a thread."""

    def __init__(self, data_dir: Path) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "liqwatch.cli", "--data-dir", str(data_dir), "demo",
             "--board-port", "0", "--keep-serving"],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            # a terminal's Ctrl-C: SIGINT with its default handler (not ignored as in `cmd &`)
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line)
            self._queue.put(line)
        self._queue.put(None)

    def wait_for(self, pattern: str, timeout_s: float) -> re.Match:
        """The first new output line matching `pattern`, before the deadline."""
        deadline = time.monotonic() + timeout_s
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self._queue.get(timeout=left)
            except queue.Empty:
                break
            if line is None:
                break
            if found := re.search(pattern, line):
                return found
        raise AssertionError(f"no line matching {pattern!r} within {timeout_s:.0f} s; "
                             f"output:\n{self.output()}")

    def output(self) -> str:
        return "".join(self.lines)[-4000:]

    def interrupt(self, timeout_s: float) -> int:
        """Ctrl-C, as a user ends --keep-serving; the exit code."""
        self.proc.send_signal(signal.SIGINT)
        return self.proc.wait(timeout=timeout_s)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def chart_drawn(page, assets: str = "") -> None:  # noqa: ANN001 - a Playwright page
    """Wait until the chart holds liquidation data of `assets` ("": all) from ClickHouse."""
    page.wait_for_function("([assets]) => view.data && view.data.empty === false "
                           "&& view.data.assets.join(',') === assets", arg=[assets],
                           timeout=30_000)


def test_demo_board_shows_the_deepseek_cascade_in_chromium(tmp_path: Path, capsys) -> None:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing (install Debian's chromium: make browser)")
    from playwright.sync_api import expect, sync_playwright

    demo = Demo(tmp_path / "data")
    try:
        url = demo.wait_for(r"web board: (http://\S+/)", 90).group(1)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1500, "height": 950})
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(url)
            expect(page.locator("#status")).to_have_text("live", timeout=10_000)

            # The cascade arrives over SSE while the replay runs.
            card = page.locator(CASCADE).first
            expect(card).to_be_visible(timeout=150_000)
            expect(card.locator(".scope")).to_have_text("AI tokens")
            expect(card.locator(".side")).to_have_text("longs liquidated")
            expect(card.locator(".badge.sev-critical")).to_be_visible()
            expect(card.locator(".size")).to_have_text(re.compile(r"^\$\d+(\.\d)?[kM]$"))
            expect(card.locator(".ratio")).to_have_text(re.compile(r"× normal$"))
            expect(card.locator(".story q")).to_contain_text("DeepSeek")
            chart_drawn(page)
            live_shot = SHOTS / "deepseek-demo-board.png"
            live_shot.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(live_shot), full_page=True)

            # Filters apply in the page, instantly: shorts only hides the longs cascade...
            page.select_option("#f-side", "short")
            expect(card).to_be_hidden(timeout=2_000)
            page.select_option("#f-side", "")
            expect(card).to_be_visible(timeout=2_000)
            # ... as does an asset outside the AI sector; the AI sector and critical keep it.
            page.select_option("#f-asset", "BTC")
            expect(card).to_be_hidden(timeout=2_000)
            page.select_option("#f-asset", "")
            page.select_option("#f-sector", "ai")
            page.select_option("#f-severity", "critical")
            expect(card).to_be_visible(timeout=2_000)
            for select in ("#f-sector", "#f-severity"):
                page.select_option(select, "")

            # The replay ends; --keep-serving serves the final state on the same URL and
            # the page reconnects by itself with the cascade's final (resolved) version.
            demo.wait_for(re.escape(f"web board still up at {url}"), 150)
            expect(page.locator("#status")).to_have_text("live", timeout=15_000)
            expect(card.locator(".status")).to_contain_text("resolved", timeout=15_000)
            # Clicking the alert focuses the chart on its spike and assets.
            card.locator(".what").click()
            expect(page.locator("#chart-title")).to_contain_text("FET, RENDER, TAO, WLD")
            expect(page.locator("#c-latest")).to_be_visible()
            chart_drawn(page, "FET,RENDER,TAO,WLD")
            final_shot = SHOTS / "deepseek-demo-board-final.png"
            page.screenshot(path=str(final_shot), full_page=True)
            with capsys.disabled():
                print(f"\nweb board screenshots: {live_shot} (during the replay), "
                      f"{final_shot} (final state, cascade focused)")
            assert not errors, errors
            browser.close()
        assert demo.interrupt(30) == 0, demo.output()     # Ctrl-C ends --keep-serving
    finally:
        demo.kill()
