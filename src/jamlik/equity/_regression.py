"""Small regression kernels for the ordered measures (pure numpy, no statsmodels at run time)."""

from __future__ import annotations

import numpy as np
from scipy.special import expit


def ridit(pop: np.ndarray) -> np.ndarray:
    """Relative-rank midpoints of subgroups already sorted from most to least disadvantaged."""
    cum = np.cumsum(pop)
    return (cum - pop / 2.0) / cum[-1]


def wls_line(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weighted least squares of ``y`` on ``x`` with weights ``w``.

    ``y`` may be 2-D (one fit per row), which vectorises simulation. Returns (intercept, slope).
    """
    xm = (w @ x) / w.sum()
    dx = x - xm
    sxx = w @ (dx * dx)
    ym = (y @ w) / w.sum()
    slope = (y @ (w * dx)) / sxx
    return ym - slope * xm, slope


def wls_slope_se(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    """Slope of a WLS line and its classical standard error (residual variance, k − 2 df)."""
    b0, b1 = wls_line(x, y, w)
    resid = y - b0 - b1 * x
    s2 = float(w @ resid**2) / (x.size - 2)
    xm = (w @ x) / w.sum()
    return float(b1), float(np.sqrt(s2 / (w @ (x - xm) ** 2)))


def logit_fit(
    x: np.ndarray, p: np.ndarray, w: np.ndarray, *, max_iter: int = 100, tol: float = 1e-12
) -> tuple[np.ndarray, np.ndarray]:
    """Quasi-binomial logistic regression of proportions ``p`` on ``x`` with prior weights ``w``.

    Fitted by iteratively reweighted least squares. Returns the coefficients (intercept,
    slope) and their HC1 sandwich covariance, n/(n−k) · B⁻¹ (Σ uᵢuᵢᵀ) B⁻¹ with
    B = XᵀWX and scores uᵢ = wᵢ (pᵢ − μᵢ) xᵢ (as R's ``sandwich::vcovHC(type = "HC1")``).
    """
    X = np.column_stack([np.ones_like(x), x])
    pc = np.clip(p, 1e-6, 1 - 1e-6)
    eta = np.log(pc / (1 - pc))
    beta = np.linalg.lstsq(X * np.sqrt(w)[:, None], eta * np.sqrt(w), rcond=None)[0]
    for _ in range(max_iter):
        mu = expit(X @ beta)
        v = mu * (1 - mu)
        z = X @ beta + (p - mu) / v
        ww = w * v
        new = np.linalg.solve(X.T @ (ww[:, None] * X), X.T @ (ww * z))
        done = np.max(np.abs(new - beta)) < tol * (1 + np.max(np.abs(beta)))
        beta = new
        if done:
            break
    mu = expit(X @ beta)
    bread = np.linalg.inv(X.T @ ((w * mu * (1 - mu))[:, None] * X))
    scores = (w * (p - mu))[:, None] * X
    n, k = X.shape
    cov = bread @ (scores.T @ scores) @ bread * n / (n - k)
    return beta, cov
