"""Checks shared by the report and figure tests: image sizes, self-contained HTML."""

from __future__ import annotations

import base64
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
from PIL import Image

from neosim.plots.style import SIZE_KEY

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}
URL_ATTRS = {"src", "href", "srcset", "poster", "data", "action", "formaction", "xlink:href",
             "background", "cite", "manifest", "ping"}


class _Collector(HTMLParser):
    """Collect start tags and check that non-void elements are properly nested."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.style_text: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in VOID:
            self.stack.append(tag)
        self._in_style = tag == "style"

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}>")
            return
        self.stack.pop()
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.style_text.append(data)


def parse_html(text: str) -> _Collector:
    """Parse ``text``; fail on mis-nested or unclosed elements."""
    assert text.lstrip().lower().startswith("<!doctype html>")
    p = _Collector()
    p.feed(text)
    p.close()
    assert not p.errors, p.errors[:5]
    assert not p.stack, f"unclosed elements: {p.stack}"
    names = [t for t, _ in p.tags]
    for required in ("html", "head", "body", "title", "main"):
        assert required in names, f"no <{required}>"
    return p


def assert_self_contained(text: str) -> _Collector:
    """The page loads nothing: every URL attribute is a data: URI or an in-page anchor."""
    p = parse_html(text)
    for tag, attrs in p.tags:
        assert tag not in ("script", "link", "iframe", "object", "embed", "base", "frame"), tag
        for name, value in attrs.items():
            if name.lower() in URL_ATTRS:
                v = (value or "").strip()
                assert v.startswith(("data:", "#")), f"<{tag} {name}={v[:60]!r}> leaves the page"
    css = "".join(p.style_text)
    assert "@import" not in css
    for url in re.findall(r"url\(([^)]*)\)", css):
        assert url.strip("'\" ").startswith("data:"), url
    return p


def assert_embeds(text: str, files: list[Path]) -> None:
    """Every file's bytes appear in ``text`` as a base64 data URI."""
    assert files
    for f in files:
        assert base64.b64encode(f.read_bytes()).decode("ascii") in text, f"{f.name} not embedded"


def configured_size(png: Path) -> tuple[float, float]:
    """The size ``neosim.plots.style.figure`` recorded in the PNG, in inches."""
    text = Image.open(png).text[SIZE_KEY]
    w, h = text.split("x")
    return float(w), float(h)


def check_png(png: Path, *, width_in: float, dpi: int) -> tuple[float, float]:
    """PNG of ``width_in`` x recorded height at ``dpi``, and not blank. Returns its size."""
    w_in, h_in = configured_size(png)
    assert w_in == width_in
    with Image.open(png) as im:
        assert im.format == "PNG"
        assert im.size == (round(w_in * dpi), round(h_in * dpi)), (png.name, im.size)
        pixels = np.asarray(im.convert("L"), dtype=float)
    assert pixels.std() > 10, f"{png.name} looks blank (pixel sd {pixels.std():.2f})"
    assert (pixels < 128).mean() > 0.005, f"{png.name} has almost no dark pixels"
    return w_in, h_in


def check_svg(svg: Path, *, width_in: float, height_in: float) -> None:
    """SVG whose declared size is ``width_in`` x ``height_in`` (72 pt per inch), with content."""
    root = ET.parse(svg).getroot()
    assert root.tag.endswith("svg")
    assert float(root.attrib["width"].removesuffix("pt")) == round(width_in * 72, 6)
    assert abs(float(root.attrib["height"].removesuffix("pt")) - height_in * 72) < 1e-3
    paths = [e for e in root.iter() if e.tag.endswith(("path", "use"))]
    assert len(paths) > 20, f"{svg.name} has almost nothing drawn"
