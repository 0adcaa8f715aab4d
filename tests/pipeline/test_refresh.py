"""``jamlik refresh`` (pipeline/refresh.py): fetch → validate → atomic load → publish.

Reference values (independent of jamlik):

* Gymnasium eligibility 2018/19, Linköping (0580), all providers: Skolverket's counts in
  ``src/jamlik/data/kommun/kommun_gymnasiebehorighet_grade9_2018_19.csv`` (1 769 pupils,
  eligible 1 474.7 → 83.4 %; see src/jamlik/data/PROVENANCE.md). Tolerance 0.05 percentage
  points (one decimal in the export).
* Wilson score interval for 81/263: 0.2553–0.3662 (Newcombe 1998, Statistics in Medicine 17,
  857–872, Table I, method 3). Tolerance 5e-5 on the proportion (the table's 4 decimals).
* Kolada KPI N01951 2019: Linköping 163 051, Region Östergötland 465 495 (SCB BE0101N1, as in
  tests/sources/test_kolada.py). Exact.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from jamlik.geo import AreaRegistry
from jamlik.model.catalogue import Catalogue, load_catalogue, parse_indicator
from jamlik.pipeline.refresh import RefreshConfig, RefreshError, refresh
from jamlik.sources import Kolada
from jamlik.store import Warehouse
from jamlik.store.snapshots import publish, rollback, snapshot_history

from ..sources.conftest import FakeTime, Router
from ..sources.test_kolada import DATA_PATH, paged

EXAMPLES = Path(__file__).parents[2] / "src/jamlik/data/examples"
SOURCE = "gymnasium_eligibility_all"


def _config(csv: Path) -> dict:
    return {"sources": [{
        "name": "gymnasiebehorighet", "kind": "file", "path": str(csv),
        "indicators": [SOURCE],
        "mapping": {"area": "Område-ID", "period": "År", "sex": "Kön",
                    "value": "Andel behöriga (%)", "numerator": "Antal behöriga",
                    "denominator": "Antal elever", "unit": "%"},
        "validation": {"expected_periods": [2015, 2024], "declared_unit": "%"}}]}


@pytest.fixture
def work(tmp_path):
    """A working warehouse with the real area registry, a copy of the example file, paths."""
    db = tmp_path / "jamlik.duckdb"
    with Warehouse(db) as wh:
        wh.migrate()
        wh.load("areas", AreaRegistry.builtin().table, source="areas")
    csv = tmp_path / "gymnasiebehorighet.csv"
    shutil.copy(EXAMPLES / "gymnasiebehorighet_2019.csv", csv)
    return {"db": db, "csv": csv, "pub": tmp_path / "published" / "jamlik.duckdb",
            "config": RefreshConfig.from_dict(_config(csv))}


def _run(work, **kw):
    return refresh(work["config"], db_path=work["db"], published_path=work["pub"], **kw)


def _value(path, area="0580", group="total", indicator=SOURCE):
    with Warehouse(path, read_only=True) as wh:
        return wh.con.execute(
            "SELECT value, lower_95, upper_95, load_id FROM observations WHERE indicator_id = ? "
            "AND area_code = ? AND group_value = ?", [indicator, area, group]).fetchone()


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _contents(path: Path) -> dict:
    with Warehouse(path, read_only=True) as wh:
        return {t: sorted(map(repr, wh.con.execute(f"SELECT * FROM {t}").fetchall()))
                for t in ("observations", "source_values", "loads")}


def _edit(csv: Path, old: str, new: str) -> None:
    text = csv.read_text(encoding="utf-8")
    assert old in text
    csv.write_text(text.replace(old, new), encoding="utf-8")


def test_refresh_from_a_file_loads_publishes_and_records_provenance(work):
    report = _run(work)
    assert [o.status for o in report.outcomes] == ["loaded"]
    assert report.recomputed == (SOURCE,) and report.published == work["pub"]
    value, lo, hi, load_id = _value(work["pub"])
    assert value == pytest.approx(100 * 1474.7 / 1769, abs=0.05)  # Skolverket's counts
    assert lo < value < hi
    with Warehouse(work["pub"], read_only=True) as wh:
        load = wh.con.execute("SELECT source, target, content_hash FROM loads WHERE load_id = ?",
                              [load_id]).fetchone()
        src = wh.con.execute("SELECT source, kind, status, url, periods FROM source_loads "
                             "WHERE load_id = ?", [load_id]).fetchone()
    assert load[:2] == ("jamlik refresh gymnasiebehorighet", "source_values")
    assert src[:3] == ("gymnasiebehorighet", "file", "loaded")
    assert src[3].endswith("gymnasiebehorighet.csv") and src[4] == '["2019"]'


def test_wilson_limits_from_the_source_counts(work):
    """A source row 81 of 263 gets Newcombe's (1998) Wilson limits 25.53–36.62 %."""
    _edit(work["csv"], "0580;Linköping;2019;Totalt;83,4;1475;1769",
          "0580;Linköping;2019;Totalt;30,8;81;263")
    _run(work)
    value, lo, hi, _ = _value(work["pub"])
    assert value == pytest.approx(30.8)
    assert lo == pytest.approx(25.53, abs=5e-3) and hi == pytest.approx(36.62, abs=5e-3)


def test_unchanged_source_is_skipped_and_nothing_is_republished(work):
    _run(work)
    before = _sha(work["pub"])
    again = _run(work)
    assert [o.status for o in again.outcomes] == ["unchanged"]
    assert again.recomputed == () and again.published is None
    assert _sha(work["pub"]) == before


def test_changed_content_reloads_and_recomputes_only_that_indicator(work):
    _run(work)
    _edit(work["csv"], "0580;Linköping;2019;Totalt;83,4", "0580;Linköping;2019;Totalt;90,0")
    report = _run(work)
    assert [o.status for o in report.outcomes] == ["loaded"] and report.recomputed == (SOURCE,)
    assert _value(work["pub"])[0] == pytest.approx(90.0)
    assert len(snapshot_history(work["pub"])) == 1  # the previous snapshot is kept
    restored = rollback(work["pub"])
    assert _value(restored.path)[0] == pytest.approx(100 * 1474.7 / 1769, abs=0.05)


def test_validation_error_writes_nothing_but_a_failed_row(work):
    _run(work)
    before_pub, before = _sha(work["pub"]), _contents(work["db"])
    _edit(work["csv"], "0580;Linköping;2019;Totalt;83,4", "0580;Linköping;2019;Totalt;183,4")
    with pytest.raises(RefreshError, match="gymnasiebehorighet") as caught:
        _run(work)
    assert "share.above_100" in str(caught.value) or "100" in str(caught.value)
    assert _sha(work["pub"]) == before_pub
    assert _contents(work["db"]) == before
    with Warehouse(work["db"], read_only=True) as wh:
        failed = wh.con.execute("SELECT source, message FROM source_loads WHERE status = 'failed'"
                                ).fetchall()
    assert failed and failed[0][0] == "gymnasiebehorighet" and "183" in failed[0][1]


@pytest.mark.parametrize("where", ["loaded", "computed", "before_publish"])
def test_failure_halfway_leaves_published_and_working_unchanged(work, where):
    _run(work)
    _edit(work["csv"], "0580;Linköping;2019;Totalt;83,4", "0580;Linköping;2019;Totalt;90,0")
    before_pub, before = _sha(work["pub"]), _contents(work["db"])

    def boom(step, source):
        if step == where:
            raise RuntimeError(f"injected failure at {step}")

    with pytest.raises(RefreshError, match="injected failure"):
        _run(work, on_step=boom)
    assert _sha(work["pub"]) == before_pub
    assert _contents(work["db"]) == before
    assert not list(work["db"].parent.glob(".jamlik.duckdb.refresh-*"))  # staging removed
    assert _value(work["db"])[0] == pytest.approx(83.4)


def test_failure_inside_the_external_computation(work, monkeypatch):
    _run(work)
    _edit(work["csv"], "0580;Linköping;2019;Totalt;83,4", "0580;Linköping;2019;Totalt;90,0")
    before_pub, before = _sha(work["pub"]), _contents(work["db"])

    def broken(*args, **kwargs):
        raise FloatingPointError("injected failure in the confidence limits")

    monkeypatch.setattr("jamlik.engine.external.stats.proportion", broken)
    with pytest.raises(RefreshError, match="confidence limits"):
        _run(work)
    assert _sha(work["pub"]) == before_pub and _contents(work["db"]) == before


def test_refresh_from_recorded_kolada_responses(work):
    """Kolada KPI N01951 (inhabitants) through an injected transport, as an external count."""
    router, fake_time = Router(), FakeTime()
    population = parse_indicator({
        "id": "population_kolada", "title": {"sv": "Invånare", "en": "Inhabitants"},
        "definition": {"sv": "Invånare 31/12", "en": "Inhabitants 31 Dec"}, "topic": "population",
        "method": "external", "external": {"source": "invanare"}, "unit": {"sv": "antal",
        "en": "number"}, "polarity": "no_judgement", "source": {"sv": "Kolada", "en": "Kolada"},
        "levels": ["lan", "kommun"], "breakdowns": ["total", "sex"]}, "population_kolada.yaml")
    cat = Catalogue([*load_catalogue(include_external=True).values(), population])
    config = RefreshConfig.from_dict({"sources": [{
        "name": "invanare", "kind": "kolada", "kpi": "N01951", "years": [2019],
        "indicators": ["population_kolada"], "mapping": {"unit": "antal"}}]})
    kolada = Kolada(client=paged(router, DATA_PATH, "data_N01951_2019", 3).client(),
                    sleep=fake_time.sleep, clock=fake_time.clock)
    report = refresh(config, db_path=work["db"], published_path=work["pub"], catalogue=cat,
                     connectors={"kolada": kolada})
    assert [(o.status, o.rows) for o in report.outcomes] == [("loaded", 42)]
    pop = "population_kolada"
    assert _value(work["pub"], "0580", indicator=pop)[0] == 163_051
    assert _value(work["pub"], "0580", "female", indicator=pop)[0] == 79_868
    assert _value(work["pub"], "05", indicator=pop)[0] == 465_495
    with Warehouse(work["pub"], read_only=True) as wh:
        url = wh.con.execute("SELECT url FROM source_loads WHERE source = 'invanare'").fetchone()
    assert "api.kolada.se/v3/data/kpi/N01951/year/2019" in url[0]
    again = refresh(config, db_path=work["db"], published_path=work["pub"], catalogue=cat,
                    connectors={"kolada": Kolada(
                        client=paged(Router(), DATA_PATH, "data_N01951_2019", 3).client(),
                        sleep=fake_time.sleep, clock=fake_time.clock)})
    assert [o.status for o in again.outcomes] == ["unchanged"]


def test_config_errors_name_file_row_and_key(tmp_path):
    from jamlik.model import DataError

    with pytest.raises(DataError, match="must be one of") as caught:
        RefreshConfig.from_dict({"sources": [{"name": "x", "kind": "ftp", "indicators": ["a"]}]})
    assert (caught.value.row, caught.value.column, caught.value.value) == (1, "kind", "ftp")
    with pytest.raises(DataError, match="required key") as caught:
        RefreshConfig.from_dict({"sources": [{"name": "x", "kind": "kolada", "indicators": "a"}]})
    assert caught.value.column == "kpi"


def test_publish_is_an_atomic_rename_and_keeps_history(tmp_path):
    db = tmp_path / "w.duckdb"
    with Warehouse(db) as wh:
        wh.migrate()
    pub = tmp_path / "pub" / "w.duckdb"
    first = publish(db, pub)
    inode = pub.stat().st_ino
    with Warehouse(db) as wh, wh.transaction():
        wh.con.execute("INSERT INTO meta VALUES ('x', '1')")
    publish(db, pub, keep=2)
    assert pub.stat().st_ino != inode and first.path == pub
    history = snapshot_history(pub)
    assert len(history) == 1 and history[0].path.stat().st_ino == inode
    for _ in range(3):
        publish(db, pub, keep=2)
    assert len(snapshot_history(pub)) == 2


def test_cli_refresh_exits_non_zero_naming_the_source(work, tmp_path):
    import typer
    import yaml
    from typer.testing import CliRunner

    from jamlik.cli.refresh import register

    app, db_app = typer.Typer(), typer.Typer()
    app.add_typer(db_app, name="db")
    register(app, db_app)
    config = tmp_path / "sources.yaml"
    config.write_text(yaml.safe_dump(_config(work["csv"]), allow_unicode=True), encoding="utf-8")
    args = ["--db", str(work["db"]), "--published", str(work["pub"])]
    ok = CliRunner().invoke(app, ["refresh", *args, "--config", str(config)])
    assert ok.exit_code == 0, ok.output
    assert "gymnasiebehorighet: loaded" in ok.output and work["pub"].exists()
    _edit(work["csv"], "0580;Linköping;2019;Totalt;83,4", "0580;Linköping;2019;Totalt;183,4")
    bad = CliRunner().invoke(app, ["refresh", *args, "--config", str(config)])
    assert bad.exit_code == 1 and "gymnasiebehorighet" in bad.output
    assert CliRunner().invoke(app, ["db", "publish", *args]).exit_code == 0
    back = CliRunner().invoke(app, ["db", "rollback", *args])
    assert back.exit_code == 0, back.output


def test_non_finite_number_in_sources_yaml_is_refused_with_its_key(tmp_path):
    from jamlik.model import DataError

    path = tmp_path / "sources.yaml"
    path.write_text("sources:\n- name: x\n  kind: file\n  path: x.csv\n  indicators: [a]\n"
                    "  read: {skip_rows: .inf}\n", encoding="utf-8")
    with pytest.raises(DataError) as caught:
        RefreshConfig.from_yaml(path)
    assert (caught.value.file, caught.value.column) == (str(path), "sources[0].read.skip_rows")
    assert "finite number" in caught.value.rule


def test_header_only_file_is_refused_naming_the_file(work):
    header = work["csv"].read_text(encoding="utf-8").splitlines()[0]
    work["csv"].write_text(header + "\n", encoding="utf-8")
    with pytest.raises(RefreshError) as caught:
        _run(work)
    assert "gymnasiebehorighet.csv, row 1: the file has a header line but no data rows" in \
        str(caught.value)
    assert not work["pub"].exists()
