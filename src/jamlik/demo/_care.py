"""Synthetic vårdcentraler placed in the real kommuner, and listing near home."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from jamlik.demo import _params as P
from jamlik.demo._inputs import RealInputs
from jamlik.demo._population import ostergotland_deso


@dataclass(frozen=True)
class CareUnits:
    code: np.ndarray
    name: np.ndarray
    kommun: np.ndarray  # kommun code
    deso: np.ndarray  # index into inputs.deso_codes
    lon: np.ndarray
    lat: np.ndarray
    operator: np.ndarray
    listing_probs: np.ndarray  # (D, units): P(unit | home DeSO); zero rows outside the region


def _allocate(pop: np.ndarray, total: int) -> np.ndarray:
    """At least one unit per kommun, the rest by largest remainder on population."""
    extra = total - pop.size
    quota = pop / pop.sum() * extra
    n = np.floor(quota).astype(int)
    n[np.argsort(-(quota - n))[: extra - n.sum()]] += 1
    return n + 1


def _km(lon1, lat1, lon2, lat2):
    x = (lon2 - lon1) * np.cos(np.radians(58.4)) * 111.32
    y = (lat2 - lat1) * 110.57
    return np.hypot(x, y)


def build_units(rng: np.random.Generator, inputs: RealInputs) -> CareUnits:
    region = ostergotland_deso(inputs)
    pop = inputs.deso_band_pop[region].sum(1)
    kom = inputs.deso_kommun[region]
    k_unique = np.unique(kom)
    n_units = _allocate(np.array([pop[kom == k].sum() for k in k_unique]),
                        int(P.CARE["n_units"]))
    lonlat = np.array([inputs.deso_lonlat[c] for c in inputs.deso_codes[region]])
    rows = []
    for k, n in zip(k_unique, n_units, strict=True):  # 13 kommuner
        mine = np.flatnonzero(kom == k)
        names = inputs.deso_regso_name[region[mine]]
        # the most populous DeSO of each of the n most populous RegSO
        regso_pop = {r: pop[mine][names == r].sum() for r in np.unique(names)}
        chosen = sorted(regso_pop, key=lambda r: (-regso_pop[r], r))[:n]
        for j, r in enumerate(chosen, start=1):
            cand = mine[names == r]
            best = cand[np.argmax(pop[cand])]
            rows.append((f"VC{inputs.kommun_codes[k]}-{j:02d}", f"Vårdcentralen {r}",
                         inputs.kommun_codes[k], region[best], *lonlat[best]))
    code, name, kcode, deso, lon, lat = (np.array(c) for c in zip(*rows, strict=True))
    private = rng.random(code.size) < P.CARE["private_share"]
    operator = np.where(private, P.CARE["operators"][1], P.CARE["operators"][0])
    dist = _km(lonlat[:, 0, None], lonlat[:, 1, None], lon[None, :], lat[None, :])
    weight = np.exp(-dist / P.CARE["distance_scale_km"]) + 1e-9
    probs = np.zeros((inputs.deso_codes.size, code.size))
    probs[region] = weight / weight.sum(1, keepdims=True)
    return CareUnits(code, name, kcode, deso.astype(int), lon.astype(float), lat.astype(float),
                     operator, probs)


def list_persons(rng: np.random.Generator, units: CareUnits, deso: np.ndarray) -> np.ndarray:
    """Index of the listed unit of each person (fixed over the window)."""
    probs = units.listing_probs
    cum = np.cumsum(probs, axis=1)
    cum = cum / np.maximum(cum[:, -1:], 1e-300)
    cum[:, -1] = 1.0
    flat = (cum + np.arange(probs.shape[0])[:, None]).ravel()
    target = deso + rng.random(deso.size) * (1 - 1e-12)
    return np.searchsorted(flat, target, side="right") - deso * probs.shape[1]
