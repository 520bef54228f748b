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
    cu = CumulantSolver(sizes, channels, rtol=1e-11, atol=1e-13).run(e0, TIMES)
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
