"""Shared rendering helpers for reports: Vega-Lite → SVG, Typst → PDF, Jinja → HTML.

Everything runs offline: charts are drawn by ``vl_convert`` (no browser), PDFs by the ``typst``
compiler with fonts from the system (DejaVu Sans when installed) or Typst's embedded fonts.
One compiler and one Jinja environment are kept per process and template folder.
"""

from __future__ import annotations

import copy
import json
import re
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

#: Folders searched for fonts, in order (Debian's fonts-dejavu-core first).
FONT_DIRS = ("/usr/share/fonts/truetype/dejavu",)
#: Font families in order of preference; Typst falls back along the list, and to its own
#: embedded fonts ("Libertinus Serif", "New Computer Modern") when none is present.
FONT_FAMILIES = ("DejaVu Sans", "Libertinus Serif")


def font_paths() -> list[str]:
    """The font folders that exist on this machine."""
    return [d for d in FONT_DIRS if Path(d).is_dir()]


@cache
def _vl_fonts_registered() -> bool:
    import vl_convert

    for folder in font_paths():
        vl_convert.register_font_directory(folder)
    return True


#: d3 number-format locales by report language (decimal comma and space groups in Swedish).
LOCALES = {"sv": "sv-SE", "en": "en-US"}


def svg_chart(spec: dict, *, width: int | None = None, lang: str = "sv") -> str:
    """Render a Vega-Lite spec to an SVG string (``width`` replaces a "container" width;
    axis numbers are formatted for ``lang``)."""
    import vl_convert

    _vl_fonts_registered()
    spec = copy.deepcopy(spec)
    if width is not None and spec.get("width", "container") == "container":
        spec["width"] = width
    return vl_convert.vegalite_to_svg(spec, format_locale=LOCALES.get(lang, "sv-SE"))


def inline_svg(svg: str) -> str:
    """SVG markup fit for inlining in HTML (no XML declaration, scales with its container)."""
    svg = re.sub(r"^<\?xml[^>]*>\s*", "", svg)
    return svg.replace("<svg ", '<svg role="img" style="max-width:100%;height:auto" ', 1)


@cache
def _compiler(root: str):
    import typst

    return typst.Compiler(root=root, font_paths=font_paths())


def typst_pdf(template: Path, data: dict[str, Any], images: dict[str, str] | None = None,
              *, timestamp: datetime | None = None) -> bytes:
    """Compile ``template`` (a .typ file) to PDF bytes.

    The template reads its content from ``sys.inputs.data`` (JSON) and each SVG image from
    ``sys.inputs.<name>``, so no text is ever spliced into Typst markup. ``timestamp`` fixes the
    PDF's creation date (reproducible output).
    """
    inputs = {"data": json.dumps(data, ensure_ascii=False, default=str)}
    inputs.update(images or {})
    compiler = _compiler(str(template.parent))
    kwargs: dict[str, Any] = {}
    if timestamp is not None:
        kwargs["timestamp"] = int(timestamp.timestamp())
    return compiler.compile(input=str(template), format="pdf", sys_inputs=inputs, **kwargs)


@cache
def _jinja(folder: str):
    import jinja2

    return jinja2.Environment(loader=jinja2.FileSystemLoader(folder), autoescape=True,
                              trim_blocks=True, lstrip_blocks=True,
                              undefined=jinja2.StrictUndefined)


def html_page(template: Path, **context: Any) -> str:
    """Render a Jinja template (autoescaped; mark trusted SVG with ``|safe``)."""
    return _jinja(str(template.parent)).get_template(template.name).render(**context)
