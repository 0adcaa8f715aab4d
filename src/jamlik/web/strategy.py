"""Goal follow-up in the web app: dashboard, goal pages, the plan, sign-in, audited editing.

Anonymous visitors see the published aggregates (statuses, values, the plan) and never an edit
form or the audit trail; viewers may sign in and read the audit trail; editors edit goals and
activities and import documents; admins also manage users. Documents, users and the audit log
live in the strategy side file (see :mod:`jamlik.web.auth`); statuses are computed from the
main warehouse's observations and cached per (document revision, warehouse file).
"""

from __future__ import annotations

import json
import time
from urllib.parse import quote

import polars as pl
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from jamlik import charts
from jamlik.model import InputError, JamlikError, t
from jamlik.model.i18n import group_label, t_or
from jamlik.store import queries
from jamlik.strategy import STAGES, STATUSES, AuthenticationError, PermissionDenied
from jamlik.strategy import places as sdata
from jamlik.strategy.model import ACTIVITY_STATUSES, Plan, Strategy
from jamlik.web._throttle import retry_after
from jamlik.web.auth import Session, StrategyState, csrf_ok, state_of
from jamlik.web.pages import _lang, _state, render

router = APIRouter()
HTML = {"include_in_schema": False, "response_class": HTMLResponse}
SYMBOLS = {"met": "✓", "on_track": "➚", "not_on_track": "✗", "worsening": "▼", "no_data": "–"}


# -- helpers ------------------------------------------------------------------------------------
def _page(request: Request, session: Session, template: str, status_code: int = 200, **ctx):
    response = render(request, f"strategy/{template}", status_code=status_code, session=session,
                      csrf=session.csrf, symbols=SYMBOLS, **ctx)
    if session.fresh:
        state_of(request).remember(request, response, session)
    return response


def _docs(state: StrategyState) -> dict[str, sdata.DocumentEntry]:
    with state.open() as (store, _):
        return sdata.documents(store, state.parsed)


def _places(request: Request) -> list[sdata.Place]:
    app = _state(request)
    return sdata.region_places(app.registry(), app.coverage.region)


def _home(request: Request, omrade: str | None) -> str:
    """The area a goal or plan page is about: ``omrade``, else the home region."""
    return omrade or _state(request).coverage.region


def _synthetic(request: Request, ids: list[str], codes: list[str]) -> bool:
    """Whether the page shows a synthetic figure (then it carries the banner)."""
    return sdata.synthetic_in(_state(request).cursor(), ids, codes)


def _fulfilment(request: Request, entry: sdata.DocumentEntry, places) -> pl.DataFrame:
    """Goal fulfilment for ``entry``, cached by revision and the warehouse file's identity."""
    app = _state(request)
    stamp = app.stamp()
    key = (entry.doc_id, entry.revision, entry.stored, stamp, tuple(p.code for p in places))
    cache = state_of(request).cache
    if key not in cache:
        if len(cache) >= 8:
            cache.clear()
        cache[key] = sdata.fulfilment(app.cursor(), entry.obj, places)
    return cache[key]


def _pick(docs, kind: str, wanted: str | None) -> sdata.DocumentEntry:
    of_kind = [d for d in docs.values() if d.kind == kind]
    if wanted:
        if wanted in docs and docs[wanted].kind == kind:
            return docs[wanted]
        raise HTTPException(404, f"{kind} {wanted!r} not found; known: {[d.doc_id for d in of_kind]}")
    if not of_kind:
        raise HTTPException(404, f"no {kind} stored")
    return of_kind[0]


def _maybe(key: str, fallback: str, lang: str) -> str:
    return t_or(key, fallback, lang)


_group_label = group_label


def _worse_text(worse: str | None, lang: str, registry) -> str:
    """``education=compulsory, area=0580R001`` in words (group labels, sub-area names)."""
    out = []
    for label in (worse or "").split(", "):
        kind, _, value = label.partition("=")
        if not value:
            continue
        if kind == "area":
            out.append(registry[value].name if value in registry else value)
        else:
            out.append(_group_label(kind, value, lang))
    return ", ".join(out)


def _audit(state: StrategyState, object_id: str | None, limit: int = 50) -> list[dict]:
    with state.open() as (store, _):
        entries = store.audit_log(object_id=object_id)
    rows = []
    for e in reversed(entries[-limit:]):
        changes = []
        if isinstance(e.before, dict) and isinstance(e.after, dict) and \
                e.action.startswith(("update", "set_")):
            for key in sorted(set(e.before) | set(e.after)):
                if e.before.get(key) != e.after.get(key):
                    changes.append((key, _short(e.before.get(key)), _short(e.after.get(key))))
        rows.append({"at": e.changed_at, "user": e.username, "action": e.action,
                     "object": e.object_id, "changes": changes})
    return rows


def _short(value) -> str:
    return "–" if value is None else json.dumps(value, ensure_ascii=False)[:160]


def _denied(request: Request, session: Session, needed: str, status: int = 403):
    lang = _lang(request)
    if session.user is None and request.method == "GET":
        return RedirectResponse(f"/logga-in?next={quote(str(request.url.path))}", 303)
    return _page(request, session, "message.html", status_code=status,
                 title=t("auth.permission_denied", lang), message=t(
                     "auth.needs_role", lang, role=t(f"auth.role.{needed}", lang)))


async def _form(request: Request, session: Session):
    """The posted text fields, or None when the CSRF token does not match the session's."""
    form = await request.form()
    data = {k: v for k, v in form.items() if isinstance(v, str)}
    await form.close()
    return data if csrf_ok(session, data.get("csrf")) else None


def _csrf_failed(request: Request, session: Session):
    lang = _lang(request)
    return _page(request, session, "message.html", status_code=403,
                 title=t("auth.csrf_title", lang), message=t("auth.csrf", lang))


# -- pages --------------------------------------------------------------------------------------
@router.get("/mal", **HTML)
def dashboard(request: Request, strategi: str | None = None):
    state = state_of(request)
    session = state.session(request)
    docs = _docs(state)
    entry = _pick(docs, "strategy", strategi)
    places = _places(request)
    started = time.perf_counter()
    frame = _fulfilment(request, entry, places)
    cells = sdata.headline(frame, entry.obj, [p.code for p in places])
    counts = {s: sum(1 for c in cells.values() if c["status"] == s and c["area_level"] == "kommun")
              for s in STATUSES}
    return _page(request, session, "dashboard.html", entry=entry, strategy=entry.obj,
                 strategies=[d for d in docs.values() if d.kind == "strategy"], places=places,
                 cells=cells, counts=counts, ms=(time.perf_counter() - started) * 1000,
                 synthetic=_synthetic(request, sdata.indicator_ids(entry.obj),
                                      [p.code for p in places]))


@router.get("/mal/{doc_id}/{goal_id}", **HTML)
def goal_page(request: Request, doc_id: str, goal_id: str, omrade: str | None = None):
    return _goal_view(request, doc_id, goal_id, omrade)


def _goal_view(request: Request, doc_id: str, goal_id: str, omrade: str | None = None,
               error: str | None = None, status_code: int = 200):
    state = state_of(request)
    session = state.session(request)
    lang = _lang(request)
    entry = _pick(_docs(state), "strategy", doc_id)
    strategy: Strategy = entry.obj
    try:
        goal = strategy.goal(goal_id)
    except KeyError as exc:
        raise HTTPException(404, str(exc)) from exc
    places = _places(request)
    names = {p.code: p.name for p in places}
    home = _home(request, None)
    omrade = omrade if omrade in names else (home if home in names else places[-1].code)
    frame = _fulfilment(request, entry, places).filter(pl.col("goal_id") == goal_id)
    catalogue = _state(request).catalogue
    blocks = []
    cursor = _state(request).cursor()
    registry = _state(request).registry()
    for k, link in enumerate(goal.indicators):
        ind = catalogue.get(link.id)
        rows = frame.filter(pl.col("indicator_id") == link.id)
        totals = {r["area_code"]: r for r in rows.filter(
            (pl.col("breakdown") == "total") & pl.col("area_code").is_in(list(names)))
            .iter_rows(named=True)}
        series = queries.total_series(cursor, link.id, list(names)) if cursor and totals else []
        points = [{"series": names[c], "year": y, "value": v, "lower": lo, "upper": hi,
                   "target": (totals.get(c) or {}).get("target")}
                  for c, y, v, lo, hi in sorted(series, key=lambda r: [*names].index(r[0]))]
        spec = charts.goal_trend(points, y_title=ind.unit(lang) if ind else link.id,
                                 decimals=ind.decimals if ind else 1,
                                 target_label=t("strategy.target", lang),
                                 target_year=goal.target.year) if points else None
        groups = rows.filter((pl.col("area_code") == omrade) & (pl.col("breakdown") != "total"))
        worse = (totals.get(omrade) or {}).get("worse_groups") or ""
        group_rows = [{**g, "label": t("strategy.gap_row", lang) if g["group_value"] == "gap"
                       else _group_label(g["breakdown"], g["group_value"], lang),
                       "kind": _maybe(f"strategy.breakdown.{g['breakdown']}", g["breakdown"], lang),
                       "worse": f"{g['breakdown']}={g['group_value']}" in worse.split(", ")}
                      for g in groups.sort("breakdown", "group_value").iter_rows(named=True)]
        blocks.append({"link": link, "ind": ind, "spec_id": f"vl-goal-{k}", "spec": spec,
                       "totals": [(p, totals.get(p.code)) for p in places],
                       "worse_text": {c: _worse_text(r.get("worse_groups"), lang, registry)
                                      for c, r in totals.items()},
                       "groups": group_rows, "worse": worse})
    audit = _audit(state, f"{doc_id}/{goal_id}") if session.user else []
    return _page(request, session, "goal.html", status_code=status_code, entry=entry,
                 strategy=strategy, goal=goal, area=strategy.area_of(goal_id), blocks=blocks,
                 places=places, omrade=omrade, focus_name=names[omrade], audit=audit, error=error,
                 catalogue=catalogue, synthetic=_synthetic(
                     request, [x.id for x in goal.indicators], list(names)))


@router.get("/plan", **HTML)
def plan_page(request: Request, plan: str | None = None, omrade: str | None = None):
    return _plan_view(request, plan, omrade)


def _plan_view(request: Request, plan: str | None, omrade: str | None = None,
               error: str | None = None, status_code: int = 200):
    state = state_of(request)
    session = state.session(request)
    entry = _pick(_docs(state), "plan", plan)
    obj: Plan = entry.obj
    omrade = _home(request, omrade)
    latest = {}
    cursor = _state(request).cursor()
    ids = sdata.indicator_ids(obj)
    if cursor is not None and _state(request)._has_table("observations") and ids:
        rows = queries.latest_area_totals(cursor, ids, omrade)
        latest = {r[0]: dict(zip(("id", "year", "value", "lower", "upper", "trend", "judgement",
                                  "suppressed"), r, strict=True)) for r in rows}
    audit = _audit(state, entry.doc_id) if session.user else []
    registry = _state(request).registry()
    return _page(request, session, "plan.html", status_code=status_code, entry=entry, plan=obj,
                 latest=latest, omrade=omrade, synthetic=_synthetic(request, ids, [omrade]),
                 stages=STAGES, statuses=ACTIVITY_STATUSES, audit=audit, error=error,
                 catalogue=_state(request).catalogue,
                 area_name=registry[omrade].name if omrade in registry else omrade,
                 plans=[d for d in _docs(state).values() if d.kind == "plan"])


# -- sign-in ------------------------------------------------------------------------------------
@router.get("/logga-in", **HTML)
def login_form(request: Request, next: str = "/mal"):
    session = state_of(request).session(request)
    return _page(request, session, "login.html", next=_safe_next(next), error=None)


def _safe_next(target: str) -> str:
    return target if target.startswith("/") and not target.startswith("//") else "/mal"


@router.post("/logga-in", **HTML)
async def login(request: Request):
    """Sign in. The argon2 check runs in a worker thread (never on the event loop), and repeated
    failures per user name and per address lock further attempts for a growing time (429 with
    ``Retry-After``; see :mod:`jamlik.web._throttle`)."""
    state = state_of(request)
    session = await run_in_threadpool(state.session, request)
    form = await _form(request, session)
    if form is None:
        return _csrf_failed(request, session)
    lang = _lang(request)
    target = _safe_next(str(form.get("next") or "/mal"))
    keys = state.throttle.keys(str(form.get("username", "")),
                               request.client.host if request.client else None)
    wait = state.throttle.wait(keys)
    if wait > 0:
        response = _page(request, session, "login.html", status_code=429, next=target,
                         error=t("auth.locked", lang, seconds=retry_after(wait)))
        response.headers["Retry-After"] = retry_after(wait)
        return response
    try:
        user = await run_in_threadpool(state.authenticate, str(form.get("username", "")),
                                       str(form.get("password", "")))
    except AuthenticationError:
        state.throttle.failed(keys)
        return _page(request, session, "login.html", status_code=401, next=target,
                     error=t("auth.wrong_credentials", lang))
    state.throttle.succeeded(keys)
    response = RedirectResponse(target, 303)
    await run_in_threadpool(state.sign_in, request, response, user)
    return response


@router.post("/logga-ut", include_in_schema=False)
async def logout(request: Request):
    """Sign out: the session row is revoked, so the old cookie no longer opens anything."""
    state = state_of(request)
    session = await run_in_threadpool(state.session, request)
    if await _form(request, session) is None:
        return _csrf_failed(request, session)
    response = RedirectResponse("/mal", 303)
    await run_in_threadpool(state.sign_out, session, response)
    return response


# -- edits --------------------------------------------------------------------------------------
def _text(form, key: str) -> str | None:
    value = str(form.get(key) or "").strip()
    return value or None


def _number(form, key: str, whole: bool = False):
    value = _text(form, key)
    if value is None:
        return None
    try:
        number = float(value.replace(",", ".").replace("\u2212", "-"))
    except ValueError as exc:
        raise InputError(key, value, "a whole number" if whole else "a number") from exc
    if whole:
        if number != int(number):
            raise InputError(key, value, "a whole number")
        return int(number)
    return number


def goal_changes(form) -> dict:
    """The goal edit form as :meth:`StrategyStore.update_goal` changes (empty = remove)."""
    title = {"sv": _text(form, "title_sv"), "en": _text(form, "title_en")}
    if not title["sv"]:
        raise InputError("title_sv", "", "a Swedish title")
    note = {"sv": _text(form, "note_sv"), "en": _text(form, "note_en") or _text(form, "note_sv")}
    return {"title": {k: v or title["sv"] for k, v in title.items()},
            "baseline": {"year": _number(form, "baseline_year", True),
                         "value": _number(form, "baseline_value")},
            "target": {"value": _number(form, "target_value"),
                       "change": _number(form, "target_change"),
                       "year": _number(form, "target_year", True)},
            "note": note if note["sv"] else None}


def activity_changes(form) -> dict:
    title = _text(form, "title_sv")
    if not title:
        raise InputError("title_sv", "", "a Swedish title")
    return {"title": {"sv": title, "en": _text(form, "title_en") or title},
            "owner": _text(form, "owner"), "status": _text(form, "status"),
            "stage": _number(form, "stage", True),
            "period": {"start": _number(form, "period_start", True),
                       "end": _number(form, "period_end", True)}}


async def _edit(request: Request, doc_id: str, kind: str, apply):
    state = state_of(request)
    session = state.session(request)
    form = await _form(request, session)
    if form is None:
        return None, _csrf_failed(request, session)
    if not session.can("editor"):
        return None, _denied(request, session, "editor")
    lang = _lang(request)
    try:
        with state.open() as (store, _):
            docs = sdata.documents(store, state.parsed)
            if doc_id not in docs or docs[doc_id].kind != kind:
                raise InputError("doc_id", doc_id, f"a stored {kind}")
            current = docs[doc_id]
            if str(current.revision) != str(form.get("revision")):
                raise JamlikError(t("strategy.conflict", lang))
            if not current.stored:  # a built-in document is stored on its first edit
                from jamlik.strategy.content import builtin_text

                store.import_yaml(session.user, builtin_text(doc_id), name=f"{doc_id}.yaml")
            apply(store, session.user, form)
    except PermissionDenied:
        return None, _denied(request, session, "editor")
    except JamlikError as exc:
        return str(exc), None
    return None, None


@router.post("/mal/{doc_id}/{goal_id}/redigera", **HTML)
async def edit_goal(request: Request, doc_id: str, goal_id: str):
    error, early = await _edit(
        request, doc_id, "strategy",
        lambda store, user, form: store.update_goal(user, doc_id, goal_id, goal_changes(form)))
    if early is not None:
        return early
    if error:
        return _goal_view(request, doc_id, goal_id, error=error, status_code=400)
    return RedirectResponse(f"/mal/{doc_id}/{goal_id}?sparat=1", 303)


@router.post("/plan/{doc_id}/{activity_id}/redigera", **HTML)
async def edit_activity(request: Request, doc_id: str, activity_id: str):
    error, early = await _edit(
        request, doc_id, "plan",
        lambda store, user, form: store.update_activity(user, doc_id, activity_id,
                                                        activity_changes(form)))
    if early is not None:
        return early
    if error:
        return _plan_view(request, doc_id, error=error, status_code=400)
    return RedirectResponse(f"/plan?plan={doc_id}&sparat=1#act-{activity_id}", 303)


# -- import, export, audit log, users -----------------------------------------------------------
@router.get("/mal/importera", **HTML)
def import_form(request: Request):
    session = state_of(request).session(request)
    if not session.can("editor"):
        return _denied(request, session, "editor")
    return _page(request, session, "import.html", error=None, done=None)


@router.post("/mal/importera", **HTML)
async def import_upload(request: Request):
    state = state_of(request)
    session = state.session(request)
    form = await request.form()
    try:
        if not csrf_ok(session, form.get("csrf")):
            return _csrf_failed(request, session)
        if not session.can("editor"):
            return _denied(request, session, "editor")
        upload = form.get("file")
        name = getattr(upload, "filename", None) or ""
        content = await upload.read() if name else b""
    finally:
        await form.close()
    try:
        if not name:
            raise InputError("file", "", "a .yaml, .yml or .xlsx file")
        with state.open() as (store, _):
            if name.lower().endswith(".xlsx"):
                obj = store.import_excel(session.user, content, name=name)
            elif name.lower().endswith((".yaml", ".yml")):
                text = content.decode("utf-8") + "\n"  # always text, never a path
                obj = store.import_yaml(session.user, text, name=name)
            else:
                raise InputError("file", name, "a .yaml, .yml or .xlsx file")
    except PermissionDenied:
        return _denied(request, session, "editor")
    except (JamlikError, UnicodeDecodeError) as exc:
        return _page(request, session, "import.html", status_code=400, error=str(exc), done=None)
    return _page(request, session, "import.html", error=None, done=obj)


@router.get("/ladda-ner/strategi/{doc_id}.{fmt}", include_in_schema=False)
def export(request: Request, doc_id: str, fmt: str):
    state = state_of(request)
    docs = _docs(state)
    if doc_id not in docs or fmt not in ("yaml", "xlsx"):
        raise HTTPException(404, f"no document {doc_id!r} as {fmt!r}")
    from jamlik.strategy import dump_yaml, write_excel

    obj = docs[doc_id].obj
    if fmt == "yaml":
        return Response(dump_yaml(obj), media_type="application/yaml; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{doc_id}.yaml"'})
    return Response(write_excel(obj), media_type="application/vnd.openxmlformats-officedocument."
                    "spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="{doc_id}.xlsx"'})


@router.get("/mal/logg", **HTML)
def audit_page(request: Request):
    state = state_of(request)
    session = state.session(request)
    if not session.can("viewer"):
        return _denied(request, session, "viewer")
    return _page(request, session, "audit.html", audit=_audit(state, None, limit=500))


@router.get("/anvandare", **HTML)
def users_page(request: Request, error: str | None = None):
    state = state_of(request)
    session = state.session(request)
    if not session.can("admin"):
        return _denied(request, session, "admin")
    with state.open() as (_, accounts):
        users = accounts.users()
    return _page(request, session, "users.html", users=users, error=error)


@router.post("/anvandare", **HTML)
async def users_change(request: Request):
    state = state_of(request)
    session = state.session(request)
    form = await _form(request, session)
    if form is None:
        return _csrf_failed(request, session)
    if not session.can("admin"):
        return _denied(request, session, "admin")
    try:
        with state.open() as (_, accounts):
            if form.get("action") == "create":
                accounts.create_user(session.user, str(form.get("username", "")),
                                     str(form.get("password", "")), str(form.get("role", "")))
            else:
                accounts.set_role(session.user, str(form.get("username", "")),
                                  str(form.get("role", "")))
    except PermissionDenied:
        return _denied(request, session, "admin")
    except JamlikError as exc:
        response = users_page(request, error=str(exc))
        response.status_code = 400
        return response
    return RedirectResponse("/anvandare", 303)


# -- JSON ---------------------------------------------------------------------------------------
@router.get("/api/strategies", tags=["strategy"], summary="Strategier och planer")
def api_strategies(request: Request):
    """Stored and built-in strategies and plans (id, kind, title, revision)."""
    return [{"id": d.doc_id, "kind": d.kind, "title": d.title, "revision": d.revision}
            for d in _docs(state_of(request)).values()]


@router.get("/api/strategies/{doc_id}/fulfilment", tags=["strategy"],
            summary="Måluppfyllelse per mål, område och grupp")
def api_fulfilment(request: Request, doc_id: str, area: str | None = None):
    """Goal fulfilment (måluppfyllelse) of a strategy for the region's kommuner, the län and the
    nation: one row per goal × indicator × area × group (see docs/strategy.md)."""
    docs = _docs(state_of(request))
    entry = _pick(docs, "strategy", doc_id)
    places = _places(request)
    frame = _fulfilment(request, entry, places)
    if area:
        frame = frame.filter(pl.col("area_code") == area)
    synthetic = sdata.synthetic_pairs(_state(request).cursor(), sdata.indicator_ids(entry.obj),
                                      [p.code for p in places])
    return JSONResponse([{**row, "synthetic": (row["indicator_id"], row["area_code"]) in synthetic}
                         for row in frame.to_dicts()])


@router.get("/ladda-ner/malrapport/{doc_id}.pdf", include_in_schema=False)
def brief_download(request: Request, doc_id: str, plan: str | None = None):
    """The collaboration group's status brief for a strategy (PDF, Swedish or English)."""
    from jamlik.reports.strategy import brief_pdf, strategy_brief

    docs = _docs(state_of(request))
    entry = _pick(docs, "strategy", doc_id)
    plans = [d for d in docs.values() if d.kind == "plan"]
    chosen = _pick(docs, "plan", plan).obj if plan or plans else None
    places = _places(request)
    brief = strategy_brief(entry.obj, _fulfilment(request, entry, places), places,
                           plan=chosen, lang=_lang(request),
                           synthetic=_synthetic(request, sdata.indicator_ids(entry.obj),
                                                [p.code for p in places]))
    return Response(brief_pdf(brief), media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{doc_id}-lagesrapport.pdf"'})
