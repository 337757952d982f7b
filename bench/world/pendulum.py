"""The exact simple pendulum, in closed form with Jacobi elliptic functions.

Angle theta from the direction of gravity, Omega^2 = g / L, theta'' = -Omega^2 sin(theta).
With the conserved quantity

    k^2 = theta'^2 / (4 Omega^2) + sin^2(theta / 2)

the motion is (Lawden, *Elliptic Functions and Applications*, sec. 5.2):

- libration (k < 1), m = k^2:  sin(theta/2) = k sn(u, m),  u = u0 + Omega t,
  u0 = F(arcsin(sin(theta0/2) / k) | m)  when theta0' >= 0, else 2K(m) - F(...);
  theta' = 2 k Omega cn(u) dn(u) / cos(theta/2);
- rotation (k > 1), m = 1/k^2:  theta/2 = +-am(k Omega t + u0, m),  u0 = F(+-theta0/2 | m),
  sign = sign(theta0');  theta' = +-2 k Omega dn;
- zero gravity: theta = theta0 + theta0' t.

``scipy.special.ellipj`` gives sn, cn, dn and am (its amplitude is continuous in u), and
``ellipkinc`` the incomplete integral F.  Holds (a violation freezes the bob from t0 to t1)
split the motion into pieces, each restarted from the state where the last one stopped.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import ellipj, ellipk, ellipkinc


def _wrap(theta: float) -> float:
    return (theta + math.pi) % (2 * math.pi) - math.pi


def swing(theta0: float, omega0: float, Omega: float, tau: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Angle and angular velocity ``tau`` seconds after (theta0, omega0); exact."""
    tau = np.asarray(tau, np.float64)
    if Omega == 0.0:
        return theta0 + omega0 * tau, np.full_like(tau, omega0)
    theta0 = _wrap(theta0)
    k2 = omega0 ** 2 / (4 * Omega ** 2) + math.sin(theta0 / 2) ** 2
    if k2 == 0.0:
        return np.zeros_like(tau), np.zeros_like(tau)
    k = math.sqrt(k2)
    if k < 1.0 - 1e-12:
        m = k2
        phi0 = math.asin(max(-1.0, min(1.0, math.sin(theta0 / 2) / k)))
        u0 = float(ellipkinc(phi0, m))
        if omega0 < 0:
            u0 = 2 * float(ellipk(m)) - u0
        sn, cn, dn, _ = ellipj(u0 + Omega * tau, m)
        theta = 2 * np.arcsin(np.clip(k * sn, -1.0, 1.0))
        omega = 2 * k * Omega * cn * dn / np.cos(theta / 2)
        return theta, omega
    m = 1.0 / k2 if k > 1.0 + 1e-12 else 1.0 - 1e-12
    sgn = 1.0 if omega0 >= 0 else -1.0
    u0 = float(ellipkinc(sgn * theta0 / 2, m))
    _, _, dn, ph = ellipj(k * Omega * tau + u0, m)
    return sgn * 2 * ph, sgn * 2 * k * Omega * dn


class PendulumMotion:
    """Bob trajectory of one pendulum; ``sample(times) -> (pos (T, 2), vel (T, 2))``.

    World angle phi is measured from straight down (-y), positive to the right, so the bob
    is at ``pivot + L (sin phi, -cos phi)``.  Gravity ``g`` (a vector) has its equilibrium at
    phi_g = atan2(g_x, -g_y); theta = phi - phi_g obeys the pendulum equation with |g|.
    """

    def __init__(self, pivot: np.ndarray, length: float, angle: float, omega: float,
                 gravity: np.ndarray, holds: list[tuple[float, float]]):
        self.pivot = np.asarray(pivot, np.float64)
        self.length = float(length)
        g = float(np.hypot(*gravity))
        self.Omega = math.sqrt(g / self.length)
        self.phi_g = math.atan2(float(gravity[0]), -float(gravity[1])) if g > 0 else 0.0
        # pieces: (t_start, theta, omega, moving); a hold piece keeps theta with omega saved
        self.pieces: list[tuple[float, float, float, bool]] = []
        t, th, om = 0.0, angle - self.phi_g, omega
        for t0, t1 in sorted(holds):
            if t0 < t:
                continue
            self.pieces.append((t, th, om, True))
            a, w = swing(th, om, self.Omega, np.array([t0 - t]))
            th, om = float(a[0]), float(w[0])
            self.pieces.append((t0, th, om, False))
            t = t1
        self.pieces.append((t, th, om, True))

    def angle(self, times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """World angle phi and angular velocity at ``times``."""
        times = np.asarray(times, np.float64)
        phi = np.empty_like(times)
        om = np.empty_like(times)
        starts = np.array([p[0] for p in self.pieces])
        idx = np.clip(np.searchsorted(starts, times, side="right") - 1, 0, len(starts) - 1)
        for i, (t0, th, w, moving) in enumerate(self.pieces):
            sel = idx == i
            if not sel.any():
                continue
            if moving:
                a, b = swing(th, w, self.Omega, times[sel] - t0)
            else:
                a, b = np.full(sel.sum(), th), np.zeros(sel.sum())
            phi[sel] = a + self.phi_g
            om[sel] = b
        return phi, om

    def sample(self, times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        phi, om = self.angle(times)
        L = self.length
        pos = self.pivot + L * np.stack([np.sin(phi), -np.cos(phi)], axis=-1)
        vel = L * om[:, None] * np.stack([np.cos(phi), np.sin(phi)], axis=-1)
        return pos, vel
