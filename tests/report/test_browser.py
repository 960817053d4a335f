"""report.html in a real headless browser (Debian's `chromium`): it renders to a PNG screenshot, every
image decodes, and the page logs nothing to the console. Skipped where no chromium is installed
(`make browser` installs it as root)."""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from eas.report import write_report

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# A valid 1x1 PNG, to show that the probe tells a decodable image from a broken one.
ONE_PIXEL_PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no chromium installed (apt-get install -y chromium)")
# Written into a copy of the page: after the load event, `data-probe` says "images/broken".
PROBE = (
    '<script>addEventListener("load", () => { const images = [...document.images]; document.body.setAttribute('
    '"data-probe", images.length + "/" + images.filter(i => !(i.complete && i.naturalWidth > 0)).length); });</script>'
)


def _chromium(*arguments: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    command = [CHROMIUM, "--headless", "--disable-gpu", "--no-sandbox", "--enable-logging=stderr", "--v=0", *arguments]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def images_in_browser(page: Path) -> tuple[int, int]:
    """(images, images the browser could not decode) of an HTML page, after its load event."""
    probe = page.with_name(f"{page.stem}-probe.html")
    probe.write_text(page.read_text().replace("</body>", PROBE + "</body>"))
    result = _chromium("--dump-dom", probe.resolve().as_uri())
    match = re.search(r'data-probe="(\d+)/(\d+)"', result.stdout)
    assert match is not None, f"chromium printed no probe result: {result.stderr[-2000:]}"
    return int(match.group(1)), int(match.group(2))


def screenshot(page: Path, out: Path) -> list[str]:
    """Render `page` to the PNG `out`; returns the console messages the page logged."""
    result = _chromium(f"--screenshot={out}", "--window-size=1400,4000", page.resolve().as_uri())
    assert out.is_file(), f"chromium wrote no screenshot: {result.stderr[-2000:]}"
    return [line for line in result.stderr.splitlines() if ":CONSOLE" in line]


def test_report_renders_with_every_image_decoded_and_no_console_message(tmp_path: Path, rl_run: Path) -> None:
    html_path, _ = write_report([rl_run], tmp_path / "report")
    sources = re.findall(r'<img src="([^"]*)"', html_path.read_text())
    assert len(sources) == 5
    for source in sources:
        assert source.startswith("data:image/png;base64,")
        assert base64.b64decode(source.split(",", 1)[1], validate=True).startswith(PNG_SIGNATURE)
    assert images_in_browser(html_path) == (5, 0)
    shot = tmp_path / "report.png"
    assert screenshot(html_path, shot) == []
    assert shot.read_bytes().startswith(PNG_SIGNATURE) and shot.stat().st_size > 10_000


def test_the_browser_check_catches_a_broken_image_and_a_console_error(tmp_path: Path) -> None:
    pixel = ONE_PIXEL_PNG
    page = tmp_path / "broken.html"
    page.write_text(
        f'<!DOCTYPE html><html><body><img src="data:image/png;base64,{pixel}">'
        '<img src="data:image/png;base64,AAAA"><script>console.error("boom")</script></body></html>'
    )
    assert images_in_browser(page) == (2, 1)
    assert any('"boom"' in line for line in screenshot(page, tmp_path / "broken.png"))
