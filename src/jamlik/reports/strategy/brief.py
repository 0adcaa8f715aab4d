"""The collaboration group's status brief (*lägesrapport*): 2–4 A4 pages in plain Swedish.

Built from the same goal fulfilment as the web dashboard (:mod:`jamlik.strategy.places`):

1. status per *målområde* (how many kommun × goal cells are met, on track, … );
2. the goals *not* on track first — worsening before not on track, the län before its kommuner —
   then the hidden gaps ("se upp för gapet": met or on track overall, but a group or sub-area is
   significantly worse), each as a rule-based sentence from the translation catalogue;
3. the goals without a data source;
4. the plan's activities by scale-up stage (1–4), with their outputs.

:func:`strategy_brief` assembles a :class:`StrategyBrief` (pure: frames and documents in, text
out); :func:`brief_pdf` renders it with Typst.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import polars as pl

from jamlik.model import LANGUAGES, InputError, t
from jamlik.model.i18n import catalogue as _messages
from jamlik.reports._render import FONT_FAMILIES, typst_pdf
from jamlik.strategy import STATUSES
from jamlik.strategy.model import Plan, Strategy
from jamlik.strategy.places import Place, headline

#: Order in which problems are told: worst first.
SEVERITY = {"worsening": 0, "not_on_track": 1}


@dataclass(frozen=True)
class StrategyBrief:
    """Everything the brief template shows (``data`` is JSON for Typst)."""

    lang: str
    data: dict[str, Any] = field(hash=False)

    @property
    def sentences(self) -> list[str]:
        """The rule-based sentences, in order (problems, then hidden gaps)."""
        return [s for part in ("problems", "gaps") for s in self.data[part]]


def _tx(text, lang: str) -> str:
    return "" if text is None else (text.sv if lang == "sv" else text.en)


def _num(value: float | None, lang: str, decimals: int = 1) -> str:
    if value is None:
        return "–"
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\u202f").replace(".", ",") if lang == "sv" else text


def _names(items: list[str], lang: str) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + (" och " if lang == "sv" else " and ") + items[-1]


def _group(label: str, lang: str) -> str:
    kind, _, value = label.partition("=")
    key = f"group.{kind}.{value}"
    if key in _messages():
        return t(key, lang)
    kind_key = f"strategy.breakdown.{kind}"
    return f"{t(kind_key, lang) if kind_key in _messages() else kind} {value}"


def _gap_sentence(goal_id: str, fulfilment: pl.DataFrame, cells: dict, places: list[Place],
                  lang: str, top: int = 4) -> str | None:
    """One sentence per goal: where the flag is raised (kommuner and the län, not the nation),
    the groups most often significantly worse, and how many sub-areas are."""
    flagged = [p for p in places if p.level != "nation"
               and (cells.get((goal_id, p.code)) or {}).get("any_gap_flag")]
    if not flagged:
        return None
    rows = fulfilment.filter((pl.col("goal_id") == goal_id) & pl.col("mind_the_gap")
                             & pl.col("area_code").is_in([p.code for p in flagged]))
    groups: dict[str, set[str]] = {}
    sub_areas: set[str] = set()
    for area, worse in rows.select("area_code", "worse_groups").iter_rows():
        for label in (worse or "").split(", "):
            if label.startswith("area="):
                sub_areas.add(label)
            elif label:
                groups.setdefault(label, set()).add(area)
    ranked = sorted(groups, key=lambda k: (-len(groups[k]), k))
    shown = [t("strategy.brief.group_count", lang, group=_group(k, lang), n=len(groups[k]))
             for k in ranked[:top]]
    if len(ranked) > top:
        shown.append(t("strategy.brief.more_groups", lang, n=len(ranked) - top))
    if sub_areas:
        shown.append(t("strategy.brief.sub_areas", lang, n=len(sub_areas)))
    return t("strategy.brief.gap_sentence", lang, areas=_names([p.name for p in flagged], lang),
             groups=_names(shown, lang))


def strategy_brief(strategy: Strategy, fulfilment: pl.DataFrame, places: list[Place], *,
                   plan: Plan | None = None, lang: str = "sv", sub_area_names=None,
                   today: date | None = None, synthetic: bool = False) -> StrategyBrief:
    """Assemble the brief for ``strategy`` (``fulfilment``: :func:`goal_fulfilment` rows for
    ``places``; the last place that is a län is "the region"). ``synthetic``: the figures
    behind the statuses are synthetic (the demo), which every page then says."""
    if lang not in LANGUAGES:
        raise InputError("lang", lang, f"one of {list(LANGUAGES)}")
    if not isinstance(strategy, Strategy):
        raise InputError("strategy", type(strategy).__name__, "a Strategy")
    names = {p.code: p.name for p in places}
    names.update(sub_area_names or {})
    kommuner = [p for p in places if p.level == "kommun"]
    region = next((p for p in places if p.level == "lan"), None)
    cells = headline(fulfilment, strategy, [p.code for p in places])
    years = [c["year"] for c in cells.values() if c["year"] is not None]

    areas = []
    for ta in strategy.areas:
        counts = {s: 0 for s in STATUSES}
        for g in ta.goals:
            for p in kommuner:
                cell = cells.get((g.id, p.code))
                counts[cell["status"] if cell else "no_data"] += 1
        areas.append({"title": _tx(ta.title, lang), "goals": len(ta.goals),
                      "counts": [counts[s] for s in STATUSES]})

    problems, gaps = [], []
    for g in sorted((g for g in strategy.goals if g.indicators),
                    key=lambda g: min([SEVERITY.get((cells.get((g.id, p.code)) or {})
                                                    .get("status"), 9) for p in places])):
        title = _tx(g.title, lang)
        by_status: dict[str, list[str]] = {}
        for p in kommuner:
            cell = cells.get((g.id, p.code))
            if cell and cell["status"] in SEVERITY:
                by_status.setdefault(cell["status"], []).append(p.name)
        reg = cells.get((g.id, region.code)) if region else None
        parts = []
        if reg and reg["status"] in SEVERITY:
            parts.append(t(f"strategy.brief.region_{reg['status']}", lang, region=region.name,
                           year=reg["year"], value=_num(reg["value"], lang),
                           target=_num(reg["target"], lang)))
        for status in ("worsening", "not_on_track"):
            if by_status.get(status):
                parts.append(t(f"strategy.brief.kommuner_{status}", lang, n=len(by_status[status]),
                               total=len(kommuner), names=_names(by_status[status], lang)))
        if parts:
            problems.append({"goal": title, "text": " ".join(parts)})
        gap = _gap_sentence(g.id, fulfilment, cells, places, lang)
        if gap:
            gaps.append({"goal": title, "text": gap})

    no_source = [{"title": _tx(g.title, lang), "why": _tx(g.no_data, lang)}
                 for g in strategy.goals if not g.indicators]
    stages = []
    if plan is not None:
        for k in (1, 2, 3, 4):
            acts = []
            for a in plan.activities:
                if a.stage != k:
                    continue
                outs = [f"{_tx(o.title, lang)}: {_num(o.achieved, lang, 0)} / "
                        f"{_num(o.planned, lang, 0)} {o.unit or ''}".strip()
                        for o in plan.outputs if o.activity == a.id]
                acts.append({"title": _tx(a.title, lang), "owner": a.owner,
                             "period": f"{a.start}–{a.end}",
                             "status": t(f"strategy.activity_status.{a.status}", lang),
                             "outputs": outs})
            stages.append({"stage": k, "title": t(f"strategy.stage.{k}", lang), "activities": acts})

    labels = {k.split(".", 2)[2]: t(k, lang) for k in _messages() if k.startswith("strategy.brief.")
              and "{" not in _messages()[k]["sv"]}
    labels.update({f"status_{s}": t(f"strategy.status.{s}", lang) for s in STATUSES})
    data = {
        "lang": lang, "fonts": list(FONT_FAMILIES), "labels": labels,
        "title": _tx(strategy.title, lang), "owner": strategy.owner,
        "plan_title": _tx(plan.title, lang) if plan else "",
        "date": (today or date.today()).isoformat(),
        "subtitle": t("strategy.brief.subtitle", lang, n=len(kommuner),
                      region=region.name if region else "",
                      year=max(years) if years else "–", goals=len(strategy.goals),
                      linked=sum(1 for g in strategy.goals if g.indicators)),
        "statuses": [{"key": s, "label": t(f"strategy.status.{s}", lang)} for s in STATUSES],
        "areas": areas, "problems": problems, "gaps": gaps, "no_source": no_source,
        "stages": stages,
        "synthetic": t("synthetic.brief_line", lang) if synthetic else "",
    }
    return StrategyBrief(lang, data)


def _template() -> Path:
    return Path(str(resources.files("jamlik.reports.strategy") / "templates" / "brief.typ"))


def brief_pdf(brief: StrategyBrief) -> bytes:
    """The brief as PDF bytes (A4, Typst)."""
    return typst_pdf(_template(), brief.data)
