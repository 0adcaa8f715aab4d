"""SQL expressions that parse and check text columns in the staging area (DuckDB dialect).

Every function takes the SQL of a VARCHAR expression and returns the SQL of the parsed value
(NULL when missing or not parseable); the callers report unparseable values as issues. Kept in
one place so that every kind parses numbers, dates, yes/no and sex the same way.
"""

from __future__ import annotations

from jamlik.model.identity import REASON_CHECK, REASON_DATE, REASON_FORMAT, REASON_MISSING

#: Text that means "no value" in Swedish statistics and register files.
MISSING = ("", "..", "...", ".", "-", "–", "—", "x", "X", "NA", "N/A", "*")
_MISSING_SQL = "(" + ", ".join("'" + m + "'" for m in MISSING) + ")"
YES = ("1", "j", "ja", "y", "yes", "true", "t", "sant")
NO = ("0", "n", "nej", "no", "false", "f", "falskt")
UNKNOWN = ("9", "okänd", "okand", "unknown", "uppgift saknas", "saknas")
MALE = ("1", "m", "man", "män", "male", "pojke", "pojkar")
FEMALE = ("2", "k", "f", "kvinna", "kvinnor", "female", "flicka", "flickor")


def _quoted(values) -> str:
    return "(" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + ")"


def present(x: str) -> str:
    """The value is there (not NULL, not blank, not a missing mark)."""
    return f"({x} IS NOT NULL AND trim({x}) NOT IN {_MISSING_SQL})"


def _clean_number(x: str) -> str:
    return (f"replace(regexp_replace(trim({x}), '[\\s\u00a0\u202f\u2009]', '', 'g'), "
            f"'\u2212', '-')")


def number(x: str) -> str:
    """Decimal comma or point, spaces as thousands separators; a comma *and* a point: NULL.
    (Plain numbers take the fast path: one cast.)"""
    c = _clean_number(x)
    return (f"CASE WHEN TRY_CAST({x} AS DOUBLE) IS NOT NULL AND NOT contains({x}, ',') "
            f"THEN TRY_CAST({x} AS DOUBLE) "
            f"WHEN NOT {present(x)} THEN NULL "
            f"WHEN contains({c}, ',') AND contains({c}, '.') THEN NULL "
            f"ELSE TRY_CAST(replace({c}, ',', '.') AS DOUBLE) END")


def integer(x: str) -> str:
    """A whole number ('2019', '2019.0' from a statistics package, '2 019'); plain digits take
    the fast path (one cast)."""
    c = _clean_number(x)
    return (f"CASE WHEN TRY_CAST({x} AS BIGINT) IS NOT NULL AND NOT contains({x}, '.') "
            f"THEN TRY_CAST({x} AS BIGINT) "
            f"WHEN NOT {present(x)} THEN NULL "
            f"WHEN regexp_matches({c}, '^[+-]?\\d+([.,]0+)?$') "
            f"THEN TRY_CAST(regexp_extract({c}, '^([+-]?\\d+)', 1) AS BIGINT) END")


def date(x: str) -> str:
    """``YYYYMMDD``, ``YYYY-MM-DD``, ``YYYY/MM/DD`` or ``YYYY-MM-DD hh:mm:ss``."""
    c = f"regexp_replace(trim({x}), '[-/.]', '', 'g')"
    return (f"CASE WHEN NOT {present(x)} THEN NULL "
            f"ELSE TRY_CAST(TRY_STRPTIME(left({c}, 8), '%Y%m%d') AS DATE) END")


def partial_date(x: str) -> tuple[str, str]:
    """A date whose day (``YYYYMM00``) or month and day (``YYYY0000``) may be unknown, as the
    cause-of-death register writes them: (the date with the 15th / 1 July put in, imputed?)."""
    c = f"left(regexp_replace(trim({x}), '[-/.]', '', 'g'), 8)"
    fixed = (f"CASE WHEN regexp_matches({c}, '^\\d{{4}}0000$') THEN left({c}, 4) || '0701' "
             f"WHEN regexp_matches({c}, '^\\d{{6}}00$') THEN left({c}, 6) || '15' ELSE {c} END")
    value = (f"CASE WHEN NOT {present(x)} THEN NULL "
             f"ELSE TRY_CAST(TRY_STRPTIME({fixed}, '%Y%m%d') AS DATE) END")
    imputed = f"({present(x)} AND regexp_matches({c}, '^\\d{{4}}(\\d\\d)?00$'))"
    return value, imputed


def yesno(x: str) -> str:
    """1/0, J/N, ja/nej, yes/no, true/false → boolean; 9/okänd → NULL; anything else NULL."""
    v = f"lower(trim({x}))"
    return (f"CASE WHEN {v} IN {_quoted(YES)} THEN true WHEN {v} IN {_quoted(NO)} THEN false "
            f"END")


def yesno_bad(x: str) -> str:
    v = f"lower(trim({x}))"
    return (f"({present(x)} AND {v} NOT IN {_quoted(YES + NO + UNKNOWN)})")


def sex(x: str) -> str:
    """SCB's Kon (1 man, 2 kvinna), M/K/F, man/kvinna, male/female → 'male'/'female'."""
    v = f"lower(trim({x}))"
    return (f"CASE WHEN {v} IN {_quoted(MALE)} THEN 'male' "
            f"WHEN {v} IN {_quoted(FEMALE)} THEN 'female' END")


def icd10(x: str) -> str:
    """Upper case without dot, space, dagger or asterisk; NULL when not ICD-10 shaped."""
    c = f"regexp_replace(upper(trim({x})), '[.\\s\\-+*†]', '', 'g')"
    return f"CASE WHEN regexp_matches({c}, '^[A-Z][0-9]{{2}}[0-9A-Z]{{0,4}}$') THEN {c} END"


# -- identity numbers ---------------------------------------------------------------------------
_SHAPE = "^(\\d{6}|\\d{8})([-+]?)(\\d{4})$"


def identity_columns(x: str, name: str, *, id_kind: str, reference_year: int) -> list[str]:
    """SQL that replaces the identity column ``x`` with pseudonym and checks, as CTE steps.

    Returns a list of SELECT-list fragments, one per CTE step (each step reads the columns the
    steps before it added, so no expression is computed twice). The last step adds ``{name}``
    (the keyed pseudonym), ``{name}__reason`` (NULL when valid), ``{name}__masked`` and, for
    personnummer, ``{name}__birth`` (date) and ``{name}__sex``. Nine digits get their leading
    zero back (statistics packages drop it). The key enters as the parameters ``$ipad`` and
    ``$opad`` (:func:`jamlik.store.staging.key_pads`). The rules are those of
    :func:`jamlik.model.identity.check_identity_numbers`.
    """
    from jamlik.store.staging import hmac_sha256_sql

    t = f"{name}__t"
    raw = f"regexp_replace(trim(coalesce(CAST({x} AS VARCHAR), '')), ' ', '', 'g')"
    step1 = (f"CASE WHEN regexp_matches({raw}, '^\\d{{9}}$') THEN lpad({raw}, 10, '0') "
             f"ELSE {raw} END AS {t}")
    if id_kind == "lopnr":
        last = (f"CASE WHEN {t} <> '' THEN 'l' || left({hmac_sha256_sql(chr(39) + 'L' + chr(39) + ' || ' + t)}, 20) END AS {name}, "
                f"CASE WHEN {t} = '' THEN 'missing LopNr' END AS {name}__reason, "
                f"CASE WHEN {t} = '' THEN '<missing>' ELSE '***' END AS {name}__masked")
        return [step1, last]
    ref = int(reference_year)
    shape = f"{name}__shape"
    date_part, sep, tail = f"{name}__d", f"{name}__sep", f"{name}__tail"
    step2 = (f"regexp_matches({t}, '{_SHAPE}') AS {shape}, "
             f"regexp_extract({t}, '{_SHAPE}', 1) AS {date_part}, "
             f"regexp_extract({t}, '{_SHAPE}', 2) AS {sep}, "
             f"regexp_extract({t}, '{_SHAPE}', 3) AS {tail}")
    century = (f"(CASE WHEN TRY_CAST(left({date_part}, 2) AS INTEGER) <= {ref % 100} "
               f"THEN {ref // 100} ELSE {ref // 100 - 1} END - CASE WHEN {sep} = '+' THEN 1 "
               f"ELSE 0 END)")
    twelve = f"{name}__12"
    step3 = (f"CASE WHEN {shape} THEN (CASE WHEN length({date_part}) = 6 THEN "
             f"lpad(CAST({century} AS VARCHAR), 2, '0') || {date_part} ELSE {date_part} END "
             f"|| {tail}) END AS {twelve}")

    def digit(pos: int) -> str:  # 1-based position in the 12-digit form
        return f"CAST(substr({twelve}, {pos}, 1) AS INTEGER)"

    day_raw = f"CAST(substr({twelve}, 7, 2) AS INTEGER)"
    day = f"(CASE WHEN {day_raw} > 60 THEN {day_raw} - 60 ELSE {day_raw} END)"
    terms = []
    for i in range(9):
        w = 2 if i % 2 == 0 else 1
        prod = f"({digit(3 + i)} * {w})"
        terms.append(f"(CASE WHEN {prod} > 9 THEN {prod} - 9 ELSE {prod} END)")
    birth, luhn = f"{name}__b", f"{name}__luhn"
    step4 = (f"TRY_CAST(TRY_STRPTIME(substr({twelve}, 1, 6) || lpad(CAST({day} AS VARCHAR), 2, "
             f"'0'), '%Y%m%d') AS DATE) AS {birth}, "
             f"((10 - ({' + '.join(terms)}) % 10) % 10 = {digit(12)}) AS {luhn}")
    date_ok = f"({birth} IS NOT NULL AND CAST(substr({twelve}, 1, 4) AS INTEGER) >= 1840)"
    reason = (f"CASE WHEN {t} = '' THEN '{REASON_MISSING}' "
              f"WHEN NOT {shape} THEN '{REASON_FORMAT}' "
              f"WHEN NOT {date_ok} THEN '{REASON_DATE}' "
              f"WHEN NOT {luhn} THEN '{REASON_CHECK}' END")
    digits = f"regexp_replace({t}, '\\D', '', 'g')"
    masked = (f"CASE WHEN {t} = '' THEN '<missing>' "
              f"WHEN {shape} THEN {date_part} || CASE WHEN {sep} = '' THEN '-' ELSE {sep} END"
              f" || '****' "
              f"WHEN length({digits}) >= 8 THEN left({digits}, length({digits}) - 4) || '-****' "
              f"ELSE repeat('*', greatest(length({t}), 4)) END")
    valid = f"({shape} AND {date_ok} AND {luhn})"
    last = (f"CASE WHEN {valid} THEN 'p' || left({hmac_sha256_sql(twelve)}, 20) END AS {name}, "
            f"{reason} AS {name}__reason, {masked} AS {name}__masked, "
            f"CASE WHEN {valid} THEN {birth} END AS {name}__birth, "
            f"CASE WHEN {valid} THEN CASE WHEN {digit(11)} % 2 = 1 THEN 'male' "
            f"ELSE 'female' END END AS {name}__sex")
    return [step1, step2, step3, step4, last]
