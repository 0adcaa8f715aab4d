"""Column mappings for the four register extracts, with defaults after the registers' usual names.

Defaults follow the variable names used in deliveries from Socialstyrelsen (cause-of-death and
patient registers) and SCB (LISA). The quality-register names are *assumed* (SWEDEHEART/RIKS-HIA
style; the register's own codebook is not public) — map them in the study specification.
A tuple lists alternative names; the first one present in the file is used. Column names are
matched case-insensitively. See ``docs/registers.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from jamlik.model.errors import InputError

ID_KINDS = ("personnummer", "lopnr")


def _default_process() -> dict[str, str]:
    return {
        "reperfusion": "REPERFUSION",
        "pci": "PCI",
        "aspirin_discharge": "ASA_UT",
        "p2y12_discharge": "P2Y12_UT",
        "statin_discharge": "STATIN_UT",
        "betablocker_discharge": "BETABLOCKERARE_UT",
        "acei_arb_discharge": "ACEI_ARB_UT",
    }


@dataclass(frozen=True)
class _Base:
    person_id: str = "personnummer"
    id_kind: str = "personnummer"

    def __post_init__(self) -> None:
        if self.id_kind not in ID_KINDS:
            raise InputError("id_kind", self.id_kind, f"one of {', '.join(ID_KINDS)}")

    @classmethod
    def from_dict(cls, values: dict[str, Any] | None, where: str = "columns"):
        values = dict(values or {})
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise InputError(f"{where}.{unknown[0]}", values[unknown[0]], f"one of the keys {', '.join(sorted(known))}")
        for k, v in list(values.items()):
            if isinstance(v, list):
                values[k] = tuple(v)
        return cls(**values)


@dataclass(frozen=True)
class QualityRegisterMapping(_Base):
    """Index events from a quality register (one row per event). Names are assumed."""

    index_date: str | tuple[str, ...] = ("INDATUM", "ANKOMSTDATUM")
    age: str | tuple[str, ...] | None = ("ALDER", "AGE")
    sex: str | tuple[str, ...] = ("KON", "SEX")
    hospital: str | tuple[str, ...] | None = ("SJUKHUS", "HOSPITAL")
    process: dict[str, str] = field(default_factory=_default_process)
    require_process: bool = False


@dataclass(frozen=True)
class PopulationRegisterMapping(_Base):
    """LISA-style socioeconomic register, one row per person and year."""

    year: str | tuple[str, ...] | None = ("AR", "ÅR", "YEAR")
    education: str | tuple[str, ...] = ("Sun2000niva_old", "SUN2020Niva_Old", "Sun2000niva")
    income: str | tuple[str, ...] = ("DispInkKE04", "DispInkKE")
    sex: str | tuple[str, ...] | None = ("Kon",)
    birth_year: str | tuple[str, ...] | None = ("FodelseAr",)


@dataclass(frozen=True)
class CauseOfDeathMapping(_Base):
    """Cause-of-death register (dödsorsaksregistret), one row per death."""

    death_date: str | tuple[str, ...] = ("DODSDAT", "DODSDATUM")
    underlying_cause: str | tuple[str, ...] | None = ("ULORSAK",)
    contributing_prefix: str = "MORSAK"


@dataclass(frozen=True)
class PatientRegisterMapping(_Base):
    """National patient register (patientregistret), one row per admission/visit."""

    admission_date: str | tuple[str, ...] = ("INDATUM",)
    discharge_date: str | tuple[str, ...] | None = ("UTDATUM",)
    main_diagnosis: str | tuple[str, ...] = ("HDIA",)
    secondary_prefix: str = "DIA"
    diagnosis_list: str | None = "DIAGNOS"
    hospital: str | tuple[str, ...] | None = ("SJUKHUS",)
