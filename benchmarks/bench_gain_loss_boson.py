"""gain_loss_boson: qbattery's coherence-sector path vs QuTiP mesolve on the same problems.

Run:  OPENBLAS_NUM_THREADS=1 python benchmarks/bench_gain_loss_boson.py [--repeat 3] [--points 12]

Problems (balanced gain and loss, gamma = omega = 1, cutoffs from auto_cutoff for a top-level
population <= 1e-10, as in ``qbattery reproduce gain_loss_boson``):

* Fig. 3 trajectory: rho0 = |1><1|, 301 times on gamma t in [0, 3], energy and ergotropy.
  qbattery: CoherenceSectors (order 0 only: a rate equation of size cutoff, one eigh) and, for
  reference, the generic ``evolve`` on the full Liouvillian. QuTiP: ``mesolve`` with states
  stored, ergotropy from numpy eigvalsh of each state.
* Fig. 5 grid: 51 x 51 (a, |p|^2) at gamma t = 2 for the states of Eq. (10), NaN outside
  |p|^2 <= a(1-a). qbattery: three sector runs and the linear combination per point (what the
  paper module does). QuTiP: one ``mesolve`` per grid point (the direct approach); it is timed on
  ``--points`` points and extrapolated to the whole grid (printed as such).

mesolve runs with QuTiP's default tolerances (``--tight``: atol 1e-12, rtol 1e-10); the sector
path is exact to ~1e-14. Prints wall times (qbattery: best of ``--repeat``), the ratio QuTiP / qbattery (> 1: qbattery faster) and
the largest deviation between the results. Not a test: timings depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import math
import time
import warnings
from collections.abc import Callable

import numpy as np
import qutip

from qbattery.dynamics import evolve
from qbattery.errors import TruncationWarning
from qbattery.models.boson import auto_cutoff, diagonal_ergotropy, gain_loss_boson
from qbattery.papers import gain_loss_boson as glb
from qbattery.quantum.operators import destroy, number
from qbattery.symmetry import CoherenceSectors

#: QuTiP's default tolerances (atol 1e-8, rtol 1e-6); --tight uses these instead.
TIGHT = {"atol": 1e-12, "rtol": 1e-10, "nsteps": 10**7}
OPTIONS: dict = {"nsteps": 10**7}


def best_of(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    best, out = math.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def qutip_ops(c: int):
    """The same model with QuTiP's own (sparse, CSR) operators: num(c) and destroy(c) are the
    matrices of qbattery's number(c) and destroy(c) (same Fock basis)."""
    b = qutip.destroy(c)
    assert np.allclose(b.full(), destroy(c)) and np.allclose(qutip.num(c).full(), number(c))
    return qutip.num(c), [b, b.dag()]


def ergotropy_np(states: np.ndarray, c: int) -> np.ndarray:
    lam = np.linalg.eigvalsh(states)[..., ::-1]
    n = np.arange(c)
    E = np.einsum("tii,i->t", states, n).real
    return E - lam @ n


# ----------------------------------------------------------------------------- Fig. 3
def fig3_qbattery(c: int, times: np.ndarray):
    solver = CoherenceSectors(gain_loss_boson(c))
    rho0 = np.zeros((c, c))
    rho0[1, 1] = 1.0
    P = solver.run(rho0, times, store_states=False).populations
    return P @ np.arange(c), diagonal_ergotropy(P, np.arange(c))


def fig3_evolve(c: int, times: np.ndarray):
    rho0 = np.zeros((c, c))
    rho0[1, 1] = 1.0
    tr = evolve(gain_loss_boson(c), rho0, times, store_states=True)
    return np.einsum("tii,i->t", tr.states, np.arange(c)).real, ergotropy_np(tr.states, c)


def fig3_qutip(c: int, times: np.ndarray):
    H, c_ops = qutip_ops(c)
    rho0 = qutip.fock_dm(c, 1)
    res = qutip.mesolve(H, rho0, times, c_ops, options=OPTIONS)
    states = np.array([s.full() for s in res.states])
    return np.einsum("tii,i->t", states, np.arange(c)).real, ergotropy_np(states, c)


# ----------------------------------------------------------------------------- Fig. 5
def fig5_grid():
    a = np.linspace(0.0, 1.0, glb.FIG5_NA)
    p2 = np.linspace(0.0, 0.25, glb.FIG5_NP)
    A, Q = np.meshgrid(a, p2, indexing="ij")
    return A, Q, Q <= A * (1 - A) + 1e-15


def fig5_qbattery(c: int):
    glb._solver.cache_clear()  # time the solver construction too
    times = np.array([0.0, glb.FIG5_T])
    P0, P1, X, _ = glb._eq10_parts(c, times)
    A, Q, inside = fig5_grid()
    ai, pi = A[inside], Q[inside]
    diag = ai[:, None] * P0[-1] + (1 - ai[:, None]) * P1[-1]
    off = np.sqrt(pi)[:, None] * np.abs(X[-1])[None, :]
    lv = np.arange(c, dtype=float)
    W = np.full(A.shape, np.nan)
    W[inside] = glb._tridiagonal_ergotropy(diag, off, diag @ lv, lv)
    return W


def fig5_qutip_points(c: int, points: list[tuple[int, int]]):
    H, c_ops = qutip_ops(c)
    A, Q, _ = fig5_grid()
    out = []
    for i, j in points:
        rho0 = qutip.Qobj(glb.eq10_state(c, A[i, j], math.sqrt(Q[i, j]))).to("csr")
        res = qutip.mesolve(H, rho0, [0.0, glb.FIG5_T], c_ops, options=OPTIONS)
        out.append(float(ergotropy_np(res.states[-1].full()[None], c)[0]))
    return np.array(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--points", type=int, default=12, help="mesolve runs timed for Fig. 5")
    ap.add_argument("--tight", action="store_true", help="mesolve with atol=1e-12, rtol=1e-10")
    args = ap.parse_args()
    if args.tight:
        OPTIONS.update(TIGHT)
    warnings.simplefilter("ignore", TruncationWarning)

    c3 = auto_cutoff(gain_loss_boson, [0.0, 1.0], glb.FIG3_T).cutoff
    c5 = auto_cutoff(gain_loss_boson, [0.0, 1.0], glb.FIG5_T).cutoff
    times = np.linspace(0.0, glb.FIG3_T, glb.FIG3_NUM)
    rows = []

    t_q, (E_q, W_q) = best_of(lambda: fig3_qbattery(c3, times), args.repeat)
    t_e, (_, W_e) = best_of(lambda: fig3_evolve(c3, times), 1)
    t_m, (E_m, W_m) = best_of(lambda: fig3_qutip(c3, times), 1)
    dev = max(np.max(np.abs(E_q - E_m)), np.max(np.abs(W_q - W_m)))
    rows.append((f"Fig. 3 trajectory (cutoff {c3}, 301 t)", t_q, t_m, dev,
                 f"evolve (full Liouvillian) {t_e:.3f} s, dev {np.max(np.abs(W_q - W_e)):.1e}"))
    print(f"Fig. 3 done: qbattery {t_q:.4f} s, evolve {t_e:.3f} s, mesolve {t_m:.2f} s", flush=True)

    t_g, W_grid = best_of(lambda: fig5_qbattery(c5), args.repeat)
    inside = fig5_grid()[2]
    idx = np.argwhere(inside)
    rng = np.random.default_rng(0)
    pick = [tuple(map(int, idx[k])) for k in rng.choice(len(idx), args.points, replace=False)]
    t0 = time.perf_counter()
    W_pts = fig5_qutip_points(c5, pick)
    t_pts = time.perf_counter() - t0
    t_full = t_pts / len(pick) * int(inside.sum())
    dev5 = float(np.max(np.abs(W_pts - np.array([W_grid[i, j] for i, j in pick]))))
    rows.append((f"Fig. 5 grid 51x51 (cutoff {c5}, {int(inside.sum())} states)", t_g, t_full, dev5,
                 f"QuTiP extrapolated from {len(pick)} mesolve runs ({t_pts:.2f} s)"))

    print(f"{'problem':<44} {'qbattery':>10} {'QuTiP':>10} {'ratio':>8} {'max dev':>9}  note")
    for name, tq, tm, d, note in rows:
        print(f"{name:<44} {tq:>9.4f}s {tm:>9.3f}s {tm / tq:>8.1f} {d:>9.1e}  {note}")


if __name__ == "__main__":
    main()
