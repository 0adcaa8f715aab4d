"""The logistic regression behind WHO's SII/RII, for many sets at once (pure numpy)."""

from __future__ import annotations

import numpy as np
from scipy.special import expit


def logit_fit(
    x: np.ndarray, p: np.ndarray, w: np.ndarray, *, max_iter: int = 100, tol: float = 1e-12
) -> tuple[np.ndarray, np.ndarray]:
    """Quasi-binomial logistic regression of proportions ``p`` on ``x`` with prior weights ``w``,
    one fit per row of the ``(n, k)`` arrays.

    Fitted by iteratively reweighted least squares (closed-form 2 × 2 solves; a row stops
    changing once its step is below ``tol``). Returns the coefficients ``(n, 2)`` (intercept,
    slope) and their HC1 sandwich covariance ``(n, 2, 2)``, k/(k−2) · B⁻¹ (Σ uᵢuᵢᵀ) B⁻¹ with
    B = XᵀWX and scores uᵢ = wᵢ (pᵢ − μᵢ) xᵢ (as R's ``sandwich::vcovHC(type = "HC1")``).
    """
    n, k = x.shape

    def solve(ww, z):
        a, b, c = ww.sum(1), (ww * x).sum(1), (ww * x * x).sum(1)
        r0, r1 = (ww * z).sum(1), (ww * x * z).sum(1)
        det = a * c - b * b
        return np.stack([(c * r0 - b * r1) / det, (a * r1 - b * r0) / det], 1)

    pc = np.clip(p, 1e-6, 1 - 1e-6)
    beta = solve(w, np.log(pc / (1 - pc)))
    done = np.zeros(n, bool)
    for _ in range(max_iter):
        eta = beta[:, :1] + beta[:, 1:] * x
        mu = expit(eta)
        v = mu * (1 - mu)
        with np.errstate(divide="ignore", invalid="ignore"):
            new = solve(w * v, eta + (p - mu) / v)
        step = np.abs(new - beta).max(1) < tol * (1 + np.abs(beta).max(1))
        beta = np.where(done[:, None], beta, new)
        done |= step
        if done.all():
            break
    mu = expit(beta[:, :1] + beta[:, 1:] * x)
    ww = w * mu * (1 - mu)
    a, b, c = ww.sum(1), (ww * x).sum(1), (ww * x * x).sum(1)
    det = a * c - b * b
    bread = np.stack([np.stack([c, -b], -1), np.stack([-b, a], -1)], -2) / det[:, None, None]
    u = w * (p - mu)
    meat = np.stack([np.stack([(u * u).sum(1), (u * u * x).sum(1)], -1),
                     np.stack([(u * u * x).sum(1), (u * u * x * x).sum(1)], -1)], -2)  # fmt: skip
    cov = bread @ meat @ bread * k / (k - 2)
    return beta, cov
