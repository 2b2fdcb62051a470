"""The documentation site builds strictly, with its pages generated from the library, and
its maths renders offline: KaTeX and its fonts are served by the site, nothing is loaded
from a CDN, and (where Debian's chromium is installed) a headless browser renders it."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from derive.catalog import TARGETS

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "docs/build.py", "-d", str(out)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    # Strict and quiet: nothing printed, no warning, no notice about MkDocs itself.
    assert done.stdout.strip() == "" and done.stderr.strip() == "", done.stderr[-3000:]
    return out


def test_every_page_is_in_the_navigation(site):
    config = (ROOT / "mkdocs.yml").read_text()
    for page in _pages(site):
        relative = page.relative_to(site)
        if relative.parts[0] in ("assets", "search") or relative.name == "404.html":
            continue
        source = "index.md" if relative == Path("index.html") else \
            str(relative.parent) + ".md" if relative.name == "index.html" else None
        source = {"gallery.md": "gallery/index.md"}.get(source, source)
        assert source is not None and f" {source}" in config, relative


def _pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def test_every_target_has_a_generated_gallery_page(site):
    for name in TARGETS:
        page = (site / "gallery" / name / "index.html").read_text()
        assert f"derive show {name} --at" in page          # the numeric example, run
        assert 'class="arithmatex"' in page                # maths for KaTeX
        assert f"% derive: {name}" in page                 # the LaTeX source to copy


def test_every_gallery_function_has_a_generated_page(site):
    from derive.gallery import GALLERY
    assert len(GALLERY) >= 12
    for example in GALLERY:
        page = (site / "gallery" / f"of-{example.name}" / "index.html").read_text()
        assert "derive show --of" in page and "derive check" in page
        assert "holds for all N" in page                    # the claim, verified
        assert "numeric check passed" in page               # the terminal output, run
        assert "% derive: of: " in page                     # the LaTeX source to copy
        if example.hessian:                                 # its second derivative
            assert "The second derivative" in page and "symmetric" in page.lower()
            code = re.sub(r"<[^>]+>", "", page)              # its code, highlighted
            assert "_vector_product(" in code and "Checked before it was written" in code
    assert sum(bool(example.hessian) for example in GALLERY) >= 3


def test_nothing_is_loaded_from_elsewhere(site):
    external = re.compile(r"<(?:script|img)[^>]+src=\"(?:https?:)?//|"
                          r"<link[^>]+href=\"(?:https?:)?//[^\"]+\"[^>]*rel=\"stylesheet\"|"
                          r"<link[^>]+rel=\"stylesheet\"[^>]+href=\"(?:https?:)?//|"
                          r"fonts\.googleapis|fonts\.gstatic")
    for page in _pages(site):
        assert not external.search(page.read_text()), page


def test_katex_and_its_fonts_are_served_by_the_site(site):
    css = (site / "assets" / "katex" / "katex.min.css").read_text()
    fonts = set(re.findall(r"url\((fonts/[^)]+\.woff2)\)", css))
    assert len(fonts) >= 15
    assert all((site / "assets" / "katex" / font).is_file() for font in fonts)
    page = (site / "index.html").read_text()
    for asset in ("katex.min.js", "auto-render.min.js", "katex.min.css", "javascripts/katex.js"):
        assert asset in page


def test_the_references_are_generated(site):
    cli = (site / "cli" / "index.html").read_text()
    for command in ("list", "show", "check", "export", "--timeout", "--against"):
        assert command in cli
    api = (site / "api" / "index.html").read_text()
    for name in ("verify", "derivation", "check_exactly", "run_bounded", "Verdict"):
        assert f"derive.{name}" in api or f">{name}<" in api or name in api


def test_the_benchmark_page_has_its_plots(site):
    page = (site / "benchmarks" / "index.html").read_text()
    assert "scaling.png" in page and (site / "scaling.png").stat().st_size > 1000


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")
def test_a_headless_browser_renders_the_maths_offline(site):
    """The rendered DOM has KaTeX's output and no KaTeX error, with the network off."""
    page = site / "gallery" / "softmax-jacobian" / "index.html"
    done = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                           "--proxy-server=127.0.0.1:9", "--virtual-time-budget=10000",
                           "--dump-dom", page.as_uri()],
                          capture_output=True, text=True, timeout=120)
    dom = done.stdout
    assert dom.count('class="katex"') >= 5, done.stderr[-2000:]
    assert "katex-error" not in dom
