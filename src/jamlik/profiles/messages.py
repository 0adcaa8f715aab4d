"""Key messages in plain language, generated from the statistics by explicit rules.

Rules (in order of importance; at most ``limit`` messages):
1. The area differs significantly (95 %) from the comparator in the unfavourable direction.
2. It differs in the favourable direction.
3. The trend over the last five periods is significant (increasing/decreasing), said together
   with the comparison when both hold.
4. The gap between the lowest and highest income quintile is significant (their 95 % intervals
   do not overlap).
Indicators without a polarity are described as higher/lower without a judgement. Nothing is said
about a suppressed or missing value. Every sentence comes from the translation catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass

from jamlik.model import t
from jamlik.profiles.model import AreaProfile, ProfileRow


@dataclass(frozen=True)
class KeyMessage:
    indicator_id: str
    judgement: str   # 'worse' | 'better' | 'neutral'
    text: str


def _trend_clause(row: ProfileRow, lang: str) -> str | None:
    if row.trend in ("increasing", "decreasing"):
        return t(f"msg.trend.{row.trend}", lang)
    return None


def _trend_judgement(row: ProfileRow) -> str:
    polarity = row.indicator.polarity
    if polarity == "no_judgement" or row.trend not in ("increasing", "decreasing"):
        return "neutral"
    good = (row.trend == "increasing") == (polarity == "high_is_good")
    return "better" if good else "worse"


def _separated(low, high) -> bool:
    """True when both groups have intervals and the intervals do not overlap."""
    if low is None or high is None:
        return False
    if None in (low.value, low.lower, low.upper, high.value, high.lower, high.upper):
        return False
    return low.lower > high.upper or low.upper < high.lower


def key_messages(profile: AreaProfile, lang: str = "sv", *, limit: int = 6) -> list[KeyMessage]:
    comparator = (profile.comparator_name if profile.comparator != "peers"
                  else t("msg.peers", lang))
    ranked: list[tuple[int, KeyMessage]] = []
    for row in profile.rows:
        if row.suppressed or row.value is None:
            continue
        title = row.indicator.title(lang)
        trend = _trend_clause(row, lang)
        if row.comparison_95 in ("higher", "lower"):
            text = t(f"msg.compare.{row.comparison_95}", lang, indicator=title,
                     comparator=comparator)
            if trend:
                text += t("msg.and", lang) + trend
            judgement = {"better": "better", "worse": "worse"}.get(row.category_95, "neutral")
            rank = {"worse": 0, "better": 1}.get(judgement, 2)
            ranked.append((rank, KeyMessage(row.indicator.id, judgement, text + ".")))
        elif trend:
            judgement = _trend_judgement(row)
            text = t("msg.trend_only", lang, indicator=title, trend=trend)
            ranked.append((3 if judgement == "neutral" else 2,
                           KeyMessage(row.indicator.id, judgement, text + ".")))
        low = next((g for g in row.groups_of("income_quintile") if g.group == "1"), None)
        high = next((g for g in row.groups_of("income_quintile") if g.group == "5"), None)
        if _separated(low, high):
            direction = "higher" if low.value > high.value else "lower"
            text = t(f"msg.gap.{direction}", lang, indicator=title)
            bad = (direction == "higher") == (row.indicator.polarity == "low_is_good")
            judgement = "neutral" if row.indicator.polarity == "no_judgement" else (
                "worse" if bad else "better")
            ranked.append((4, KeyMessage(row.indicator.id, judgement, text + ".")))
    ranked.sort(key=lambda item: item[0])
    return [message for _, message in ranked[:limit]]


def coverage_note(profile: AreaProfile, lang: str = "sv") -> str | None:
    """Why an area outside the warehouse's region has few or no figures, in plain words; None
    for an area inside it.

    Outside the demo region there are no synthetic figures at all (the demo covers one län);
    outside a real home region there are only figures from external sources. The note says
    which region is covered and whether real figures are shown below.
    """
    if profile.outside is None:
        return None
    shown = "some" if profile.rows else "none"
    return t(f"profile.outside.{profile.outside}", lang, area=profile.area.name,
             region=profile.region_name) + " " + t(f"profile.outside.real_{shown}", lang)
