"""Physics of the oracle world against closed-form values (derivations in the comments)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from bench.world import render_probe
from bench.world.pendulum import PendulumMotion
from bench.world.physics import simulate
from bench.world.pipeline import load_scene
from tests.test_world_probes import FLOOR, G, VIEW, collision, cup, drop, occlusion, pendulum, probe

g = 9.81


def test_free_fall_acceleration_in_pixels_matches_scene_g() -> None:
    # y_px = oy - s*y - 0.5 and y(t) = y0 - g t^2 / 2 with t = i / fps, so the fitted quadratic
    # coefficient in frame index i is a_px = g s / fps^2.  Here s = 128 px / 5 m = 25.6 px/m and
    # fps = 24 frames / 2 s = 12: a_px = 9.81 * 25.6 / 144 = 1.744 px/frame^2.
    video, truth = render_probe(drop(), 0, frames=24, size=128, jitter=0.0)
    assert truth.px_per_m == pytest.approx(25.6) and truth.fps == pytest.approx(12.0)
    y = truth.pixel[0, :, 1]
    # falls 4.3 - 0.75 = 3.55 m: t = sqrt(2 * 3.55 / g) = 0.851 s, i.e. frames 0..10 are in flight
    i = np.arange(10)
    a_px = 2 * np.polyfit(i, y[i], 2)[0]
    assert a_px == pytest.approx(9.81 * 25.6 / 144, rel=1e-9)
    assert np.allclose(truth.pixel[0, :, 0], truth.pixel[0, 0, 0])          # straight down


def test_bounce_apexes_fall_by_e_squared_and_never_rise() -> None:
    # v_{k+1} = e v_k at each impact, so apex heights above the contact height h_k = v_k^2 / 2g
    # fall by e^2 = 0.64 each bounce; the first is the release height 4.3 - 0.75 = 3.55 m.
    sim = simulate(load_scene(drop(e=0.8, duration=4.0)))
    t = np.linspace(0, 4.0, 40001)
    y = sim.sample(t)[0][0, :, 1] - 0.75
    apex = [y[0]] + [y[i] for i in range(1, len(y) - 1) if y[i - 1] < y[i] >= y[i + 1]]
    assert len(apex) >= 4
    assert np.allclose(np.diff(np.log(apex[:4])), math.log(0.64), atol=1e-5)
    assert all(b <= a for a, b in zip(apex, apex[1:]))
    assert (y >= -1e-9).all()                                                  # never below the floor
    speeds = [e.info["vn"] for e in sim.events if e.kind == "impact"]
    assert np.allclose(np.array(speeds[1:]) / speeds[:-1], 0.8)


def test_bounce_sequence_ends_at_rest() -> None:
    sim = simulate(load_scene(drop(e=0.5, duration=4.0)))
    kinds = [e.kind for e in sim.events]
    assert "rest" in kinds and kinds.index("rest") == len(kinds) - 1
    pos, vel = sim.sample(np.array([3.9]))
    assert pos[0, 0, 1] == pytest.approx(0.75) and np.allclose(vel, 0)


@pytest.mark.parametrize("m1,m2,e", [(1.0, 3.0, 1.0), (2.0, 1.0, 0.5)])
def test_head_on_collision_conserves_momentum_1d(m1: float, m2: float, e: float) -> None:
    # Newton's law of restitution with momentum conservation:
    #   v1' = (m1 v1 + m2 v2 - m2 e (v1 - v2)) / (m1 + m2),  v2' = (m1 v1 + m2 v2 + m1 e (v1 - v2)) / (m1 + m2)
    # and the kinetic energy lost is mu (1 - e^2) (v1 - v2)^2 / 2 with mu = m1 m2 / (m1 + m2).
    v1, v2 = 1.5, -0.5
    p = probe([("red ball", "disc", 0.1), ("blue ball", "disc", 0.1)],
              {"view": VIEW, "duration": 3.0, "gravity": [0.0, 0.0],
               "bodies": [{"object": "red ball", "pos": [1.0, 2.5], "vel": [v1, 0.0], "restitution": e, "mass": m1},
                          {"object": "blue ball", "pos": [4.0, 2.5], "vel": [v2, 0.0], "restitution": e, "mass": m2}]})
    sim = simulate(load_scene(p))
    (c,) = [ev for ev in sim.events if ev.kind == "collision"]
    assert c.t == pytest.approx((3.0 - 0.5) / (v1 - v2))                   # gap 3 m - 2r closes at v1 - v2
    _, vel = sim.sample(np.array([2.9]))
    u1 = (m1 * v1 + m2 * v2 - m2 * e * (v1 - v2)) / (m1 + m2)
    u2 = (m1 * v1 + m2 * v2 + m1 * e * (v1 - v2)) / (m1 + m2)
    assert vel[:, 0, 0] == pytest.approx([u1, u2], abs=1e-12)
    assert m1 * vel[0, 0, 0] + m2 * vel[1, 0, 0] == pytest.approx(m1 * v1 + m2 * v2, abs=1e-12)
    ke0 = 0.5 * (m1 * v1 ** 2 + m2 * v2 ** 2)
    ke1 = 0.5 * (m1 * u1 ** 2 + m2 * u2 ** 2)
    assert ke0 - ke1 == pytest.approx(0.5 * m1 * m2 / (m1 + m2) * (1 - e ** 2) * (v1 - v2) ** 2, abs=1e-12)


def test_glancing_collision_conserves_momentum_and_energy_2d() -> None:
    # Off-centre elastic collision: total momentum (a vector) and kinetic energy are conserved,
    # and the impulse is along the line of centres at contact.
    m = (1.0, 2.0)
    p = probe([("green ball", "disc", 0.1), ("purple ball", "disc", 0.1)],
              {"view": VIEW, "duration": 3.0, "gravity": [0.0, 0.0],
               "bodies": [{"object": "green ball", "pos": [1.0, 2.6], "vel": [1.2, 0.0], "restitution": 1.0,
                           "mass": m[0]},
                          {"object": "purple ball", "pos": [3.0, 2.3], "vel": [-0.4, 0.1], "restitution": 1.0,
                           "mass": m[1]}]})
    sim = simulate(load_scene(p))
    (c,) = [ev for ev in sim.events if ev.kind == "collision"]
    pos, vel = sim.sample(np.array([0.0, c.t, 2.9]))
    mom = (vel * np.array(m)[:, None, None]).sum(0)
    assert np.allclose(mom[0], mom[2], atol=1e-12)
    ke = 0.5 * (np.array(m)[:, None] * (vel ** 2).sum(-1)).sum(0)
    assert ke[2] == pytest.approx(ke[0], rel=1e-12)
    d = pos[1, 1] - pos[0, 1]
    assert np.linalg.norm(d) == pytest.approx(0.5, abs=1e-9)                 # touching: r1 + r2
    dv = vel[0, 2] - vel[0, 0]
    assert abs(dv[0] * d[1] - dv[1] * d[0]) < 1e-9                           # impulse parallel to d


def test_collision_on_floor_equal_masses_exchange_velocities() -> None:
    sim = simulate(load_scene(collision()))
    _, vel = sim.sample(np.array([2.4]))
    assert vel[:, 0, 0] == pytest.approx([0.0, 2.0], abs=1e-12)


def test_sliding_friction_decelerates_monotonically_and_stops_where_predicted() -> None:
    # Kinetic friction: a = -mu g, so the box stops after d = v0^2 / (2 mu g) at t = v0 / (mu g).
    v0, mu = 3.0, 0.3
    p = probe([("green box", "box", 0.1)],
              {"view": VIEW, "duration": 2.0, "gravity": G, "floor": FLOOR,
               "bodies": [{"object": "green box", "on": "floor", "x": 0.8, "vel": [v0, 0.0], "friction": mu}]})
    sim = simulate(load_scene(p))
    t = np.linspace(0, 2, 2001)
    pos, vel = sim.sample(t)
    speed = np.abs(vel[0, :, 0])
    assert (np.diff(speed) <= 1e-12).all()
    assert pos[0, -1, 0] - 0.8 == pytest.approx(v0 ** 2 / (2 * mu * g), rel=1e-12)
    (stop,) = [e for e in sim.events if e.kind == "stop"]
    assert stop.t == pytest.approx(v0 / (mu * g), rel=1e-12)


def test_incline_acceleration_is_g_sin_minus_mu_cos() -> None:
    # On a ramp of angle theta with kinetic friction mu: a = g (sin theta - mu cos theta).
    top, bottom, mu = (0.5, 3.0), (4.5, 0.5), 0.2
    theta = math.atan2(top[1] - bottom[1], bottom[0] - top[0])
    p = probe([("yellow box", "box", 0.08)],
              {"view": VIEW, "duration": 1.0, "gravity": G, "floor": FLOOR,
               "ramps": [{"name": "ramp", "colour": "grey", "top": list(top), "bottom": list(bottom)}],
               "bodies": [{"object": "yellow box", "on": "ramp", "x": 0.8, "friction": mu}]})
    sim = simulate(load_scene(p))
    t = np.linspace(0, 0.8, 9)
    pos, _ = sim.sample(t)
    s = np.hypot(*(pos[0] - pos[0, 0]).T)                                   # distance along the ramp
    a = 2 * np.polyfit(t, s, 2)[0]
    assert a == pytest.approx(g * (math.sin(theta) - mu * math.cos(theta)), rel=1e-9)


def test_ball_rolls_off_platform_edge_and_falls() -> None:
    p = probe([("blue ball", "disc", 0.08)],
              {"view": VIEW, "duration": 2.0, "gravity": G, "floor": FLOOR,
               "platforms": [{"name": "block", "colour": "grey", "x": [0.0, 2.0], "top": 3.0}],
               "bodies": [{"object": "blue ball", "on": "block", "x": 0.5, "vel": [1.5, 0.0]}]})
    sim = simulate(load_scene(p))
    leave = next(e for e in sim.events if e.kind == "leave")
    assert leave.t == pytest.approx((2.0 - 0.5) / 1.5)                      # centre passes the edge
    pos, vel = sim.sample(np.array([leave.t + 0.2]))
    assert vel[0, 0, 0] == pytest.approx(1.5) and vel[0, 0, 1] == pytest.approx(-g * 0.2)


def test_pendulum_matches_numerical_integration() -> None:
    # theta'' = -(g/L) sin theta, libration and rotation, against an adaptive ODE solver.
    t = np.linspace(0, 3, 61)
    for angle, omega in [(-1.3, 0.0), (0.3, -3.0), (0.3, 8.0), (0.2, -8.0)]:
        pm = PendulumMotion(np.zeros(2), 1.2, angle, omega, np.array(G), [])
        ref = solve_ivp(lambda _, s: [s[1], -g / 1.2 * math.sin(s[0])], [0, 3], [angle, omega],
                        rtol=1e-11, atol=1e-12, dense_output=True).sol(t)
        phi, om = pm.angle(t)
        assert np.abs(phi - ref[0]).max() < 1e-7 and np.abs(om - ref[1]).max() < 1e-6


def test_pendulum_small_swing_period() -> None:
    # Period T = 2 pi sqrt(L/g) (1 + theta0^2 / 16 + ...) for amplitude theta0.
    L, th = 2.5, 0.1
    pm = PendulumMotion(np.zeros(2), L, th, 0.0, np.array(G), [])
    T = 2 * math.pi * math.sqrt(L / g) * (1 + th ** 2 / 16)
    assert pm.angle(np.array([T]))[0][0] == pytest.approx(th, abs=1e-6)
    sim = simulate(load_scene(pendulum()))
    pos, _ = sim.sample(np.array([0.0]))
    assert np.hypot(*(pos[0, 0] - [2.5, 4.5])) == pytest.approx(2.5)        # on its string


def test_cup_carries_its_contents_and_leaves_them_when_lifted() -> None:
    sim = simulate(load_scene(cup()))
    pos, _ = sim.sample(np.array([0.5, 1.1, 1.6, 2.5]))
    ball, cupx = pos[0, :, 0], pos[1, :, 0]
    assert ball[0] == pytest.approx(1.5) and ball[1] == pytest.approx(cupx[1])   # carried while down
    assert ball[2] == pytest.approx(3.0) and ball[3] == pytest.approx(3.0)       # left where the cup stopped
    assert [e.kind for e in sim.events] == ["carry", "drop"]


def test_occluded_object_amodal_path_is_continuous_and_reappears_as_predicted() -> None:
    v, truth = render_probe(occlusion(), 0, frames=24, size=128, jitter=0.0)
    x = truth.pixel[0, :, 0]
    assert np.allclose(np.diff(x, 2), 0, atol=1e-9)                          # constant velocity, hidden or not
    hidden = np.flatnonzero(truth.visible[0].sum(axis=(1, 2)) == 0)
    assert len(hidden) >= 2 and (truth.amodal[0, hidden].sum(axis=(1, 2)) > 0).all()
    before = np.arange(hidden[0])
    full = truth.visible_fraction[0] > 0.99
    fit = np.polyfit(before[full[before]], x[before[full[before]]], 1)      # constant-velocity prediction
    after = np.arange(hidden[-1] + 1, truth.T)
    assert np.abs(np.polyval(fit, after) - x[after]).max() < 1e-6
    # it reappears when its leading edge passes the wall's right edge (x = 2.9 m):
    # t* = (2.9 - 0.25 - 0.5) / 1.1 s; the first frame after t* shows a sliver of it
    t_star = (2.9 - 0.25 - 0.5) / 1.1
    assert hidden[-1] + 1 == math.ceil(t_star * truth.fps)


def test_same_seed_same_frames_and_jitter_zero_ignores_seed() -> None:
    a, ta = render_probe(occlusion(), 3, frames=12, size=64)
    b, tb = render_probe(occlusion(), 3, frames=12, size=64)
    c, _ = render_probe(occlusion(), 4, frames=12, size=64)
    assert np.array_equal(a.frames, b.frames) and np.array_equal(ta.world, tb.world)
    assert not np.array_equal(a.frames, c.frames)
    d, _ = render_probe(occlusion(), 3, frames=12, size=64, jitter=0.0)
    e, _ = render_probe(occlusion(), 4, frames=12, size=64, jitter=0.0)
    assert np.array_equal(d.frames, e.frames)


def test_ensemble_members_spread_by_the_documented_sigma() -> None:
    # Free bodies move by N(0, (0.01 * 5 m)^2) per axis, truncated at 2 sigma; bodies resting on
    # the floor only along it.  Each (seed, k) is reproducible.
    p = drop()
    x0 = [render_probe(p, 0, frames=2, size=32, k=k)[1].world[0, 0] for k in range(40)]
    x0 = np.array(x0)
    assert np.abs(x0 - [2.5, 4.3]).max() <= 2 * 0.05 + 1e-12
    assert 0.025 < x0.std(axis=0).mean() < 0.07
    again = render_probe(p, 0, frames=2, size=32, k=7)[1].world[0, 0]
    assert np.array_equal(again, x0[7])
    rest = np.array([render_probe(occlusion(), 0, frames=2, size=32, k=k)[1].world[1, 0] for k in range(10)])
    assert np.allclose(rest[:, 1], 0.75)                                    # still resting on the floor
    assert rest[:, 0].std() > 0


def test_restitution_is_clipped_to_one_under_perturbation() -> None:
    from bench.world.ensemble import perturb, rng_for

    sc = load_scene(drop(e=1.0))
    es = [perturb(sc, rng_for(0, k, "x")).bodies[0].restitution for k in range(30)]
    assert max(es) <= 1.0 and min(es) < 1.0


def test_zero_and_upward_gravity() -> None:
    p = drop()
    p["scene"]["gravity"] = [0.0, 0.0]
    sim = simulate(load_scene(p))
    pos, _ = sim.sample(np.array([0.0, 1.0]))
    assert np.allclose(pos[0, 0], pos[0, 1])                                 # released at rest: stays
    p["scene"]["gravity"] = [0.0, 4.0]
    p["scene"]["bodies"] = [{"object": "red ball", "on": "floor", "x": 2.5}]
    pos, _ = simulate(load_scene(p)).sample(np.array([1.0]))
    assert pos[0, 0, 1] == pytest.approx(0.75 + 2.0)                         # y = y0 + a t^2 / 2, a = 4
