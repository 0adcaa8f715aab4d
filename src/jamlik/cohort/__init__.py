"""Linked-register cohort studies: safe extracts in, pseudonyms, study spec, follow-up, survival.

Layer 2. Imports only ``jamlik.model`` and numeric/IO libraries. See ``docs/registers.md``.
"""

from jamlik.cohort.cox import cox_hazard_ratios
from jamlik.cohort.estimates import (
    hazard_ratios,
    process_estimates,
    standardised_estimates,
    survival_estimates,
)
from jamlik.cohort.followup import Cohort, build_cohort, income_quintiles
from jamlik.cohort.issues import RowIssues
from jamlik.cohort.mappings import (
    CauseOfDeathMapping,
    PatientRegisterMapping,
    PopulationRegisterMapping,
    QualityRegisterMapping,
)
from jamlik.cohort.readers import (
    read_cause_of_death_register,
    read_patient_register,
    read_population_register,
    read_quality_register,
)
from jamlik.cohort.spec import (
    DiagnosisComponent,
    Outcome,
    StudySpec,
    example_spec_path,
    load_spec,
)
from jamlik.cohort.survival import aalen_johansen, kaplan_meier
from jamlik.model.identity import (
    IdentityCheck,
    PseudonymKey,
    check_identity_numbers,
    luhn_check_digit,
    mask,
    pseudonymise,
)

__all__ = [
    "CauseOfDeathMapping",
    "Cohort",
    "DiagnosisComponent",
    "IdentityCheck",
    "Outcome",
    "PatientRegisterMapping",
    "PopulationRegisterMapping",
    "PseudonymKey",
    "QualityRegisterMapping",
    "RowIssues",
    "StudySpec",
    "aalen_johansen",
    "build_cohort",
    "check_identity_numbers",
    "cox_hazard_ratios",
    "example_spec_path",
    "hazard_ratios",
    "income_quintiles",
    "kaplan_meier",
    "load_spec",
    "luhn_check_digit",
    "mask",
    "process_estimates",
    "pseudonymise",
    "read_cause_of_death_register",
    "read_patient_register",
    "read_population_register",
    "read_quality_register",
    "standardised_estimates",
    "survival_estimates",
]
