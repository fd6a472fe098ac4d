"""fairmas report opened in headless Chromium: it renders every section, with no console errors.

Chromium is Debian's ``chromium`` package; when it is missing the session
fixture installs it with apt-get (as root, as in CI) and skips, saying why,
only where that is impossible.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from fairmas.report import SECTION_IDS
from tests.devtools import Chromium, find_chromium, install_chromium

PAGE_FACTS = """
(async () => {
  const images = [...document.images];
  const decoded = await Promise.all(images.map(i => i.decode().then(() => true, () => false)));
  return {
    title: document.title,
    sections: [...document.querySelectorAll("main > section")].map(s => ({
      id: s.id,
      title: s.querySelector("h2") ? s.querySelector("h2").textContent : null,
      height: s.getBoundingClientRect().height,
      empty: s.querySelector("p.empty") !== null,
      images: s.querySelectorAll("img").length,
      tables: s.querySelectorAll("table").length,
    })),
    images: images.map((img, k) => ({
      decoded: decoded[k],
      width: img.naturalWidth,
      shown: img.getBoundingClientRect().width,
      alt: img.alt,
    })),
    links: [...document.querySelectorAll("nav a")].map(a => a.getAttribute("href")),
  };
})()
"""


@pytest.fixture(scope="session")
def chromium() -> str:
    found = find_chromium()
    if found is None:
        found, why = install_chromium()
        if found is None:
            pytest.skip(f"headless Chromium is not installed and could not be installed: {why}")
    return found


@pytest.fixture(scope="module")
def report_page(report_inputs, tmp_path_factory) -> Path:
    from fairmas.cli import main

    out = tmp_path_factory.mktemp("browser") / "report.html"
    args = ["report", *map(str, report_inputs.results), str(report_inputs.sweep), "--out", str(out)]
    for instance in report_inputs.instances:
        args += ["--instance", str(instance)]
    assert main(args) == 0
    return out


def test_report_renders_in_chromium(chromium: str, report_page: Path, tmp_path: Path) -> None:
    with Chromium(chromium, tmp_path / "profile") as browser:
        seen = browser.open(report_page)
        facts = browser.evaluate(PAGE_FACTS)
        browser.screenshot(tmp_path / "report.png")
    assert seen.errors == [], seen.errors
    assert facts["title"] == "fairmas report"
    sections = {s["id"]: s for s in facts["sections"]}
    assert list(sections) == [*SECTION_IDS, "inputs"]
    for section_id in SECTION_IDS:
        shown = sections[section_id]
        assert shown["height"] > 100, shown
        assert not shown["empty"], shown
    assert sections["comparison"]["tables"] >= 15
    for section_id in ("utilities", "allocation", "coalitions", "runtime", "games"):
        assert sections[section_id]["images"] >= 1, section_id
    assert len(facts["images"]) >= 15
    for image in facts["images"]:
        assert image["decoded"], image
        assert image["width"] > 100, image
        assert 0 < image["shown"] <= 1280, image
    assert facts["links"] == [f"#{section_id}" for section_id in SECTION_IDS]
    _assert_not_blank(tmp_path / "report.png")


def _assert_not_blank(png: Path) -> None:
    from PIL import Image

    with Image.open(png) as image:
        assert image.size[0] == 1280
        assert image.size[1] > 1000
        colors = image.convert("RGB").getcolors(maxcolors=1 << 20)
    assert colors is not None
    assert len(colors) > 50  # text, tables and badges, not an empty page


def test_the_check_sees_errors(chromium: str, report_page: Path, tmp_path: Path) -> None:
    """Control: a page that loads something from outside is caught (blocked by the CSP)."""
    broken = tmp_path / "broken.html"
    text = report_page.read_text(encoding="utf-8")
    broken.write_text(
        text.replace("<main>", '<main><img src="http://127.0.0.1:9/missing.png" alt="x">', 1),
        encoding="utf-8",
    )
    with Chromium(chromium, tmp_path / "profile") as browser:
        seen = browser.open(broken)
    assert any("Content Security Policy" in error for error in seen.errors), seen
