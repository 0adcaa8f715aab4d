"""What an area-profile report says: a JSON-ready document built from an :class:`AreaProfile`.

The same document feeds the PDF (Typst) and the HTML template, and the profile it is built from is
the one the web page shows, so web and reports say the same thing. Every word comes from the
translation catalogue; every number is formatted by :mod:`jamlik.profiles.format`.

Selection rules for the decision-maker version (no guesswork, only the statistics):

1. the indicators behind the key messages, in message order;
2. then indicators that differ significantly (95 %) from the comparator, worse before better;
3. then indicators with a significant trend;
4. then the rest in catalogue order;

population indicators (topic ``population``) are shown as context facts instead, and suppressed
or missing values are left out. At most :data:`TOP_N` rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jamlik import charts
from jamlik.charts.colours import CATEGORY_COLOURS
from jamlik.charts.specs import SCHEMA
from jamlik.model import LANGUAGES, InputError, t
from jamlik.model.i18n import group_label
from jamlik.profiles import AreaProfile, KeyMessage, ProfileRow, coverage_note, key_messages
from jamlik.profiles.format import interval, number, when

AUDIENCES = ("beslutsfattare", "analytiker")
TOP_N = 12
#: Indicators shown as trend charts in the decision-maker version (at most).
TREND_CHARTS = 2
SYMBOL = {"better": "▲", "worse": "▼", "similar": "●", "higher": "△", "lower": "▽"}
TREND_SYMBOL = {"increasing": "↗", "decreasing": "↘", "no_significant_change": "→"}
#: Dark fills get white text; light fills dark text.
_INK = {"better": "#ffffff", "worse": "#000000", "higher": "#ffffff"}
BREAKDOWNS = ("sex", "education", "income_quintile", "birth_region")
STANDARDS = ("esp2013", "sweden_2000", "sweden_2022", "sweden_2024")


@dataclass(frozen=True)
class ProfileReport:
    """A report ready to render: ``data`` (plain JSON types) and Vega-Lite ``charts``."""

    area_code: str
    audience: str
    lang: str
    data: dict[str, Any]
    charts: dict[str, dict]

    @property
    def title(self) -> str:
        return self.data["area"]["name"]


def _category(row: ProfileRow, level: str = "95") -> dict[str, str]:
    category = row.category_998 if level == "998" else row.category_95
    if row.suppressed or row.value is None:
        category = "not_compared"
    return {"code": category, "symbol": SYMBOL.get(category, "○"),
            "fill": CATEGORY_COLOURS.get(category, "#ffffff"),
            "ink": _INK.get(category, "#000000")}


def _trend(row: ProfileRow, lang: str) -> dict[str, str]:
    code = row.trend if row.trend in TREND_SYMBOL else "cannot_be_calculated"
    return {"code": code, "symbol": TREND_SYMBOL.get(code, "·"),
            "label": t(f"trend.{code}", lang)}


def _value(value: float | None, decimals: int, suppressed: bool, lang: str) -> str:
    return t("report.suppressed_short", lang) if suppressed else number(value, decimals, lang)


def _group_cells(row: ProfileRow, breakdown: str, lang: str) -> list[dict[str, str]]:
    d = row.indicator.decimals
    cells = []
    for g in row.groups_of(breakdown):
        mark = {"higher": "+", "lower": "−"}.get(g.vs_total, "")
        cells.append({"group": g.group, "label": group_label(breakdown, g.group, lang),
                      "value": _value(g.value, d, g.suppressed, lang),
                      "ci": "" if g.suppressed else interval(g.lower, g.upper, d, lang),
                      "mark": mark})
    return cells


def _row(row: ProfileRow, lang: str) -> dict[str, Any]:
    ind = row.indicator
    d = ind.decimals
    category = _category(row)
    count = ""
    if ind.method != "life_expectancy" and not row.suppressed and row.numerator is not None:
        count = number(row.numerator, 0, lang)
        if row.denominator is not None and ind.method != "count":
            count += " / " + number(row.denominator, 0, lang)
    gap = {}
    if row.gap:
        for measure in ("sii", "rii"):
            m = row.gap.get(measure)
            if m and m.get("value") is not None:
                gap[measure] = {"value": number(m["value"], 2, lang),
                                "ci": interval(m.get("lower"), m.get("upper"), 2, lang)}
    return {
        "id": ind.id, "title": ind.title(lang), "unit": ind.unit(lang), "period": row.period,
        "value": _value(row.value, d, row.suppressed, lang),
        "ci95": "" if row.suppressed else interval(row.lower_95, row.upper_95, d, lang),
        "ci998": "" if row.suppressed else interval(row.lower_998, row.upper_998, d, lang),
        "count": count, "comparator": number(row.comparator_value, d, lang),
        "nation": number(row.nation_value, d, lang),
        "category": {**category, "label": t(f"cat.{category['code']}", lang)},
        "category_998": {**_category(row, "998"),
                         "label": t(f"cat.{_category(row, '998')['code']}", lang)},
        "trend": _trend(row, lang),
        "suppressed": row.suppressed,
        "definition": ind.definition(lang), "method": t(f"method.{ind.method}", lang),
        "standard": (t(f"report.standard.{ind.standard}", lang)
                     if ind.standard in STANDARDS else ""),
        "polarity": t(f"polarity.{ind.polarity}", lang),
        "source": ind.source(lang), "updated": when(row.computed_at, lang),
        "groups": {b: _group_cells(row, b, lang) for b in BREAKDOWNS},
        "gap": gap,
        "synthetic": row.synthetic,
    }


def _breakdown_tables(rows: list[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    """Two wide tables (sex + education, income + birth region): one row per indicator."""
    tables = []
    for keys in (("sex", "education"), ("income_quintile", "birth_region")):
        heads: list[tuple[str, str, str]] = []
        for k in keys:
            first = next((r["groups"][k] for r in rows if r["groups"][k]), [])
            heads += [(k, g["group"], g["label"]) for g in first]
        body = []
        for r in rows:
            if not any(r["groups"][k] for k in keys):
                continue
            cells = {(k, c["group"]): c for k in keys for c in r["groups"][k]}
            body.append({"title": r["title"], "synthetic": r["synthetic"], "cells": [
                (c["value"] + (" " + c["mark"] if c["mark"] else "")) if (c := cells.get(
                    (k, g))) else "" for k, g, _ in heads]})
        if heads and body:
            tables.append({"title": " · ".join(t(f"breakdown.{k}", lang) for k in keys),
                           "columns": [label for _, _, label in heads], "rows": body})
    return tables


def select_rows(profile: AreaProfile, messages: list[KeyMessage], n: int = TOP_N
                ) -> list[ProfileRow]:
    """The decision-maker's indicators, by the rules in the module docstring."""
    usable = [r for r in profile.rows
              if r.indicator.topic != "population" and not r.suppressed and r.value is not None]
    by_id = {r.indicator.id: r for r in usable}
    order: list[str] = [m.indicator_id for m in messages if m.indicator_id in by_id]
    rank = {"worse": 0, "better": 1, "higher": 2, "lower": 2}
    significant = sorted((r for r in usable if r.category_95 in rank),
                         key=lambda r: rank[r.category_95])
    trending = [r for r in usable if r.trend in ("increasing", "decreasing")]
    for r in [*significant, *trending, *usable]:
        order.append(r.indicator.id)
    return [by_id[i] for i in dict.fromkeys(order)][:n]


def _facts(profile: AreaProfile, lang: str) -> list[dict[str, str]]:
    facts = []
    for r in profile.rows:
        if r.indicator.topic == "population" and r.value is not None and not r.suppressed:
            unit = r.indicator.unit(lang)
            facts.append({"label": r.indicator.title(lang),
                          "value": number(r.value, r.indicator.decimals, lang),
                          "unit": "%" if unit in ("procent", "per cent") else unit,
                          "period": r.period, "synthetic": r.synthetic})
    return facts


def _trend_specs(rows: list[ProfileRow], profile: AreaProfile, lang: str) -> dict | None:
    """One Vega-Lite spec with small trend charts side by side (area and comparator)."""
    comparator = _comparator_name(profile, lang)
    panels = []
    for row in rows:
        points = [{"series": profile.area.name, "year": p.year, "period": p.period,
                   "value": p.value, "lower": p.lower, "upper": p.upper}
                  for p in row.series if p.value is not None]
        points += [{"series": comparator, "year": p.year, "period": p.period, "value": p.value,
                    "lower": p.lower, "upper": p.upper}
                   for p in row.comparator_series if p.value is not None]
        if len(row.series) < 2:
            continue
        spec = charts.trend_chart(points, y_title=row.indicator.unit(lang),
                                  decimals=row.indicator.decimals, height=150)
        config = spec.pop("config")
        spec.pop("$schema")
        spec["width"] = 220
        for layer in spec["layer"]:  # the unit goes in the subtitle, years may thin out
            layer["encoding"]["y"]["title"] = None
            layer["encoding"]["x"] = {**layer["encoding"]["x"], "axis": {
                "labelAngle": 0, "labelOverlap": "greedy", "labelFontSize": 10}}
        spec["title"] = {"text": row.indicator.title(lang), "subtitle": row.indicator.unit(lang),
                         "fontSize": 11, "subtitleFontSize": 9, "limit": 230,
                         "subtitleLimit": 230, "anchor": "start"}
        panels.append(spec)
        if len(panels) == TREND_CHARTS:
            break
    if not panels:
        return None
    config = {**config, "legend": {"orient": "bottom", "labelFontSize": 11, "title": None,
                                   "symbolOpacity": 1, "symbolType": "stroke",
                                   "symbolStrokeWidth": 3}}
    return {"$schema": SCHEMA, "hconcat": panels, "config": config,
            "resolve": {"scale": {"color": "shared"}}}


def _spine_spec(profile: AreaProfile, lang: str) -> dict | None:
    rows = []
    for r in profile.rows:
        pos = r.spine_position()
        if pos is None:
            continue
        category = r.category_95
        rows.append({**pos, "label": r.indicator.title(lang), "category": category,
                     "category_label": t(f"cat.{category}", lang),
                     "value_text": number(r.value, r.indicator.decimals, lang)})
    if not rows:
        return None
    spec = charts.spine_chart(rows, height_per_row=15)
    spec["width"] = 330
    return spec


def _comparator_name(profile: AreaProfile, lang: str) -> str:
    return profile.comparator_name if profile.comparator != "peers" else t("msg.peers", lang)


def _labels(lang: str, **values: str) -> dict[str, str]:
    """Every report label of the catalogue, translated (``report.*`` plus shared keys)."""
    from jamlik.model.i18n import catalogue

    labels = {key[len("report."):]: t(key, lang, **values)
              for key in catalogue() if key.startswith("report.")
              and not key.startswith(("report.cli.", "report.standard."))}
    for key in ("web.suppressed_note", "web.education_note", "level.nation", "synthetic.badge",
                "synthetic.row", "synthetic.report_line", "synthetic.report_all"):
        labels[key.replace(".", "_")] = t(key, lang)
    for b in BREAKDOWNS:
        labels[f"breakdown_{b}"] = t(f"breakdown.{b}", lang)
    return labels


def profile_report(profile: AreaProfile, *, audience: str = "beslutsfattare",
                   lang: str = "sv") -> ProfileReport:
    """Assemble the report for one area profile (pure: no I/O, no rendering)."""
    if audience not in AUDIENCES:
        raise InputError("audience", audience, f"one of {list(AUDIENCES)}")
    if lang not in LANGUAGES:
        raise InputError("lang", lang, f"one of {list(LANGUAGES)}")
    area = profile.area
    comparator = _comparator_name(profile, lang)
    messages = key_messages(profile, lang)
    rows = (select_rows(profile, messages) if audience == "beslutsfattare"
            else list(profile.rows))
    updated = when(profile.updated, lang)
    # Whether each figure the report shows (table rows, facts, key messages) is synthetic.
    shown_ids = {r.indicator.id for r in rows} | {m.indicator_id for m in messages} | {
        r.indicator.id for r in profile.rows if r.indicator.topic == "population"}
    shown = [r.synthetic for r in profile.rows if r.indicator.id in shown_ids]
    labels = _labels(lang, comparator=comparator, area=area.name, updated=updated,
                     parent=profile.parent.name if profile.parent else t("level.nation", lang))
    data = {
        "lang": lang, "audience": audience,
        "area": {"code": area.code, "name": area.name,
                 "level": t(f"level.{area.level.value}", lang),
                 "parent": profile.parent.name if profile.parent else ""},
        "comparator": comparator, "updated": updated,
        "sources": list(profile.sources),
        "labels": labels,
        # Synthetic figures: a line on every page; each row marked where real ones meet them.
        "synthetic": any(shown), "mixed": any(shown) and not all(shown),
        # Why figures are missing: outside the region, or nothing computed yet.
        "coverage_note": coverage_note(profile, lang) or (
            "" if profile.rows else labels["no_data"]),
        "messages": [{"judgement": m.judgement, "text": m.text,
                      "symbol": SYMBOL.get(m.judgement, "●"),
                      "label": (t(f"cat.{m.judgement}", lang) if m.judgement != "neutral"
                                else t("report.neutral", lang)),
                      "fill": CATEGORY_COLOURS.get(m.judgement, "#e6e6e6"),
                      "ink": _INK.get(m.judgement, "#000000"),
                      "synthetic": bool((row := profile.row(m.indicator_id)) and row.synthetic)}
                     for m in messages],
        "facts": _facts(profile, lang),
        "rows": [_row(r, lang) for r in rows],
        "peers": [p.name for p in profile.peers],
    }
    if audience == "analytiker":
        data["breakdown_tables"] = _breakdown_tables(data["rows"], lang)
    specs: dict[str, dict] = {}
    wanted = dict.fromkeys([m.indicator_id for m in messages] + [r.indicator.id for r in rows])
    trend = _trend_specs([r for i in wanted if (r := profile.row(i)) is not None], profile, lang)
    if trend:
        specs["trend"] = trend
    if audience == "analytiker":
        spine = _spine_spec(profile, lang)
        if spine:
            specs["spine"] = spine
    return ProfileReport(area_code=area.code, audience=audience, lang=lang, data=data,
                         charts=specs)

