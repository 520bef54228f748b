"""Second-order cumulant solver: exact for two spins, close to the exact solver at large N_C."""

from __future__ import annotations

import numpy as np
import pytest

from qbattery.dynamics.collective import CollectiveChannel, CollectiveSolver
from qbattery.dynamics.cumulant import CumulantSolver, CumulantState, cumulant_rhs
from qbattery.errors import InvalidParameterError
from qbattery.symmetry.dicke import ProductDicke

TIMES = np.concatenate([[0.0], np.logspace(-3, 1.3, 15)])


@pytest.mark.parametrize(("sizes", "channels", "e0"), [
    ((1, 1), [CollectiveChannel((1, 1), "lower", 2.0), CollectiveChannel((1, 0), "raise", 1.3)],
     [1, 0]),
    ((2,), [CollectiveChannel((1,), "lower", 2.0), CollectiveChannel((1,), "raise", 0.7)], [1]),
    ((1, 1), [CollectiveChannel((1, 0.5j), "lower", 2.0),
              CollectiveChannel((0.3, 1), "raise", 0.4)], [1, 1]),
])
def test_exact_for_two_spins(sizes, channels, e0):
    """With two spins there are no third-order moments of distinct spins: the closure is exact."""
    space = ProductDicke(sizes)
    exc = [int(round(e * n)) for e, n in zip(e0, sizes, strict=True)]
    ex = CollectiveSolver(space, channels, atol=1e-14, rtol=1e-12).run(
        space.product_state(exc), TIMES)
    cu = CumulantSolver(sizes, channels, rtol=1e-10, atol=1e-12).run(e0, TIMES)
    for k in range(len(sizes)):
        np.testing.assert_allclose(cu.expect[f"Jz_E{k}"], ex.expect[f"Jz_E{k}"], atol=1e-8)


def test_superradiant_seed_from_full_inversion():
    """Fully excited ensemble: C = 0 but dC/dt = Gamma (s + Z)/2 > 0 (first order stays put)."""
    st = CumulantState.product([1.0])
    d = cumulant_rhs(st, [CollectiveChannel((1,), "lower", 1.0)], [100])
    assert d.C[0, 0].real == pytest.approx(1.0)
    assert d.s[0] == pytest.approx(-2.0)  # -Gamma (1 + s): independent emission only


def test_approaches_exact_with_n():
    """Single battery: the long-time battery charge error shrinks as N_C grows (N_B = 2).

    (The burst itself is mistimed by O(0.1) in energy density: the closure has no
    delay-time fluctuations.)"""
    errs = []
    for NC in (10, 40, 160):
        space = ProductDicke((NC, 2))
        ch = [CollectiveChannel((1, 1), "lower", 2.0)]
        times = np.concatenate([[0.0], np.logspace(-3, 0.5, 12)])
        ex = CollectiveSolver(space, ch, atol=1e-9).run(space.product_state([NC, 0]), times)
        cu = CumulantSolver((NC, 2), ch).run([1, 0], times)
        errs.append(abs(cu.expect["Jz_E1"][-1] - ex.expect["Jz_E1"][-1]) / 2)
    assert errs[2] < errs[1] < errs[0] and errs[2] < 0.01


def test_rejects_bad_input():
    with pytest.raises(InvalidParameterError):
        CumulantState.product([1.5])
    with pytest.raises(InvalidParameterError):
        CumulantSolver((10, 2), [CollectiveChannel((1,), "lower", 1.0)])


def _pumped(m: int, gamma_up: float):
    """Charger + m batteries, Eq. (4) of the multi-battery paper in core rates."""
    ch = [CollectiveChannel(tuple([1.0] + [1.0 if j == i else 0.0 for j in range(m)]), "lower",
                            2.0) for i in range(m)]
    return [*ch, CollectiveChannel(tuple([1.0] + [0.0] * m), "raise", 2.0 * gamma_up)]


def test_quadratic_form_reproduces_the_moment_equations():
    """The extracted polynomial a + A y + H(y, y) equals cumulant_rhs at random states."""
    rng = np.random.default_rng(3)
    ch = [*_pumped(2, 0.7), CollectiveChannel((0.3, 1j, -0.5), "lower", 0.4)]
    sol = CumulantSolver((50, 3, 7), ch, omegas=(0.0, 0.3, -0.2))
    for _ in range(3):
        y = rng.standard_normal(sol.n_vars)
        ref = cumulant_rhs(CumulantState.unpack(y, 3), ch, (50, 3, 7), (0.0, 0.3, -0.2)).pack()
        np.testing.assert_allclose(sol.rhs(0.0, y), ref, rtol=1e-12, atol=1e-12 * np.abs(ref).max())
        # exact Jacobian against central differences (exact for a quadratic up to rounding)
        e = np.eye(sol.n_vars)[5]
        fd = (sol.rhs(0.0, y + e) - sol.rhs(0.0, y - e)) / 2
        np.testing.assert_allclose(sol.jacobian(0.0, y)[:, 5], fd, atol=1e-9 * np.abs(ref).max())


def test_symmetry_reduction_matches_the_full_system():
    """Identical batteries: 10 independent moments instead of 52; same trajectory (and the
    Casimirs Z_kk + 4 Re C_kk stay 1)."""
    ch = _pumped(3, 2.0)
    t = np.concatenate([[0.0], np.logspace(-4, 0.5, 10)])
    red = CumulantSolver((200, 5, 5, 5), ch, rtol=1e-8, atol=1e-10)
    full = CumulantSolver((200, 5, 5, 5), ch, rtol=1e-8, atol=1e-10, reduce=False)
    assert red.n_reduced == 10 and full.n_reduced == full.n_vars == 52
    a, b = red.run([1, 0, 0, 0], t), full.run([1, 0, 0, 0], t)
    assert a.stats.options["variables"] == 10 and b.stats.options["variables"] == 52
    for k in range(4):
        np.testing.assert_allclose(a.expect[f"s_E{k}"], b.expect[f"s_E{k}"], atol=1e-6)
    np.testing.assert_allclose(CumulantState.unpack(a.final_state, 4).casimirs(), 1.0,
                               atol=1e-8)
    # a state breaking the battery symmetry is integrated in the full space
    c = red.run([1, 0.5, 0, 0], t[:4])
    assert c.stats.options["variables"] == 52


def test_rodas4_agrees_with_lsoda_on_a_stiff_pumped_problem():
    """N_C = 1e5: rates ~ 1e5 next to damped oscillations; both integrators, exact Jacobian."""
    ch = _pumped(2, 1.0)
    t = np.array([0.0, 1e-4, 1e-2, 0.05, 0.3])
    a = CumulantSolver((1e5, 20, 20), ch, rtol=1e-8, atol=1e-10).run([1, 0, 0], t)
    b = CumulantSolver((1e5, 20, 20), ch, rtol=1e-9, atol=1e-11, ode_method="LSODA").run(
        [1, 0, 0], t)
    np.testing.assert_allclose(a.expect["s_E1"], b.expect["s_E1"], atol=2e-6)


def test_pumped_fixed_point_focus_and_hopf():
    """m = 2, gamma_up = gamma_down, N_B = 100: stable focus E_B = 1/2 with the least-damped
    oscillation -3 +- 116.6i at N_C = 1e7; followed in N_C it loses stability (Hopf) between
    N_C ~ 3e3 and 1e3, where the cumulant solution becomes a limit cycle."""
    guess = CumulantState(np.array([-1.0, 0.0, 0.0]), np.zeros((3, 3), complex), np.eye(3))
    ch = _pumped(2, 1.0)
    out = {}
    for NC in np.logspace(7, 3, 9):
        fp = CumulantSolver((NC, 100.0, 100.0), ch).fixed_point(guess, casimirs=[1, 1, 1])
        guess = fp.state
        osc = fp.eigenvalues[np.abs(fp.eigenvalues.imag) > 1e-6]
        out[round(np.log10(NC), 1)] = (fp, osc[0])
    fp, osc = out[7.0]
    assert fp.stable and fp.energy_density()[1] == pytest.approx(0.5, abs=1e-6)
    assert osc.real == pytest.approx(-3.0, abs=0.01) and abs(osc.imag) == pytest.approx(116.6,
                                                                                        abs=0.1)
    assert out[3.5][0].stable and not out[3.0][0].stable
    assert out[3.0][1].real > 0  # the unstable pair is the oscillatory one


def test_pumped_steady_state_agrees_with_the_exact_solver():
    """With pumping the closure keeps the steady state: m = 2, gamma_up = gamma_down,
    N_C = 40, N_B = 1: exact unique steady state vs the cumulant fixed point."""
    ch = _pumped(2, 1.0)
    space = ProductDicke((40, 1, 1))
    ex = CollectiveSolver(space, ch)
    e_ex = ex.expect(ex.limit(space.product_state([40, 0, 0])))["Jz_E1"] + 0.5
    sol = CumulantSolver((40, 1, 1), ch)
    fp = sol.fixed_point(sol.run([1, 0, 0], [0.0, 50.0]).final_state)
    assert fp.stable
    assert fp.energy_density()[1] == pytest.approx(e_ex, abs=2e-3)


def test_rejects_bad_solver_options():
    ch = [CollectiveChannel((1,), "lower", 1.0)]
    with pytest.raises(InvalidParameterError):
        CumulantSolver((10,), ch, ode_method="RK45")
    with pytest.raises(InvalidParameterError):
        CumulantSolver((10,), ch, omegas=(1.0, 2.0))
    with pytest.raises(InvalidParameterError):
        CumulantSolver((10,), ch).fixed_point(np.zeros(3))
