"""The cohort study report: tidy tables (Parquet + CSV), charts (SVG + PNG), rapport.html and rapport.pdf.

``write_outputs(results, out)`` writes everything a study run produces into one folder. The
report is Swedish: key findings in plain language first (rules in :mod:`jamlik.reports.cohort.findings`),
then tables with confidence intervals, then methods and data quality. No identity number can reach
these files: the results carry only pseudonyms, and only aggregated tables are written.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from jamlik.cohort.analysis import StudyResults
from jamlik.model.errors import InputError
from jamlik.reports.cohort._charts import chart_specs, render
from jamlik.reports.cohort._context import context
from jamlik.reports.cohort.findings import Finding, study_findings

__all__ = ["TEMPLATES", "Finding", "render_html", "render_pdf", "study_findings", "write_outputs"]

TEMPLATES = Path(__file__).parent / "templates"


def render_html(ctx: dict) -> str:
    """The HTML report from a context made by ``_context.context`` (charts as inline SVG)."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "j2"]))
    return env.get_template("rapport.html.j2").render(**ctx)


def render_pdf(ctx: dict, svgs: dict[str, str]) -> bytes:
    """The PDF report: the Typst template reads the context as JSON; charts are SVG files."""
    import typst

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "rapport.typ").write_text((TEMPLATES / "rapport.typ").read_text(encoding="utf-8"), encoding="utf-8")
        charts = {}
        for name, svg in svgs.items():
            (folder / f"{name}.svg").write_text(svg, encoding="utf-8")
            charts[name] = f"{name}.svg"
        data = {**ctx, "charts": charts}
        return typst.compile(str(folder / "rapport.typ"), root=str(folder),
                             sys_inputs={"data": json.dumps(data, ensure_ascii=False)})


def write_outputs(results: StudyResults, out: str | Path) -> dict[str, Path]:
    """Write tables, charts, rapport.html and rapport.pdf into ``out``; return the paths by name."""
    if not isinstance(results, StudyResults):
        raise InputError("results", type(results).__name__, "a StudyResults from jamlik.cohort.analysis.analyse")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    tables_dir = out / "tabeller"
    tables_dir.mkdir(exist_ok=True)
    for name, df in results.tables().items():
        for suffix in ("parquet", "csv"):
            p = tables_dir / f"{name}.{suffix}"
            if suffix == "parquet":
                df.write_parquet(p)
            else:
                df.write_csv(p)
            written[f"{name}.{suffix}"] = p
    figures = out / "figurer"
    figures.mkdir(exist_ok=True)
    rendered = render(chart_specs(results))
    svgs = {}
    for name, (svg, png) in rendered.items():
        (figures / f"{name}.svg").write_text(svg, encoding="utf-8")
        (figures / f"{name}.png").write_bytes(png)
        written[f"{name}.svg"], written[f"{name}.png"] = figures / f"{name}.svg", figures / f"{name}.png"
        svgs[name] = svg
    ctx = context(results)
    html_ctx = {**ctx, "charts": svgs}
    (out / "rapport.html").write_text(render_html(html_ctx), encoding="utf-8")
    (out / "rapport.pdf").write_bytes(render_pdf(ctx, svgs))
    (out / "nyckelresultat.json").write_text(json.dumps(
        [{"rule": f.rule, "sv": f.text_sv, "en": f.text_en, "value": f.value} for f in study_findings(results)],
        ensure_ascii=False, indent=2), encoding="utf-8")
    written.update({"rapport.html": out / "rapport.html", "rapport.pdf": out / "rapport.pdf",
                    "nyckelresultat.json": out / "nyckelresultat.json"})
    return written
