"""Collective ensembles: exact block solver vs N_C (m = 1, 3), cumulant panels, QuTiP at small N.

Run: OPENBLAS_NUM_THREADS=1 python benchmarks/bench_collective.py [--quick]
Prints wall time and peak traced memory (tracemalloc) per run. Timings on a shared machine are
noisy (x2 is common).
"""

from __future__ import annotations

import sys
import time
import tracemalloc

import numpy as np

from qbattery.dynamics.collective import CollectiveChannel, CollectiveSolver
from qbattery.dynamics.cumulant import CumulantSolver
from qbattery.symmetry.dicke import ProductDicke


def channels(m: int, gamma_down: float = 1.0, gamma_up: float = 0.0) -> list[CollectiveChannel]:
    K = m + 1
    ch = [CollectiveChannel(tuple(1.0 if k in (0, i + 1) else 0.0 for k in range(K)), "lower",
                            2 * gamma_down) for i in range(m)]
    if gamma_up:
        ch.append(CollectiveChannel(tuple(1.0 if k == 0 else 0.0 for k in range(K)), "raise",
                                    2 * gamma_up))
    return ch


def measure(fn):
    tracemalloc.start()
    t0 = time.perf_counter()
    out = fn()
    dt = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return out, dt, peak


def exact(m: int, NC: int, NB: int, times: np.ndarray | None):
    space = ProductDicke((NC,) + (NB,) * m)
    s = CollectiveSolver(space, channels(m), atol=1e-8)
    rho0 = space.product_state([NC] + [0] * m)
    if times is None:
        return s.expect(s.limit(rho0))["Jz_E1"] / NB + 0.5
    return s.run(rho0, times).expect["Jz_E1"][-1] / NB + 0.5


def main() -> None:
    quick = "--quick" in sys.argv
    times = np.concatenate([[0.0], np.logspace(-5, 2, 22)])
    print("exact block solver, N_B = 2 (limit: t -> infinity projection; run: 22 log times)")
    grid = {1: (50, 200) if quick else (100, 400, 1000, 10000),
            3: (20, 50) if quick else (50, 100, 300, 2000)}
    for m, ncs in grid.items():
        for NC in ncs:
            e, dt, mem = measure(lambda m=m, NC=NC: exact(m, NC, 2, None))
            print(f"  m={m} N_C={NC:6d} limit: {dt:7.2f} s {mem:8.1f} MiB  E_B={e:.6f}")
            if NC <= (400 if m == 1 else 100):
                e, dt, mem = measure(lambda m=m, NC=NC: exact(m, NC, 2, times))
                print(f"  m={m} N_C={NC:6d} run  : {dt:7.2f} s {mem:8.1f} MiB  E_B(100)={e:.6f}")
    print("cumulant (N_C = 1e7, N_B = 100), t in [1e-10, 1e-2], 7 panels")
    tm = np.concatenate([[0.0], np.logspace(-10, -2, 161)])
    t0 = time.perf_counter()
    for m, gu, ec in [(1, 0, 1), (2, 0, 1), (2, 1, 1), (3, 0, 1), (3, 1, 1), (3, 2, 1), (3, 2, 0)]:
        CumulantSolver((1e7,) + (100,) * m, channels(m, 1.0, gu)).run([ec] + [0] * m, tm)
    print(f"  all panels: {time.perf_counter() - t0:.2f} s")
    try:
        import qutip
    except ImportError:
        return
    print("QuTiP mesolve on the full product space vs block solver (m = 2, N_B = 2, t in [0, 5])")
    for NC in (4, 8) if quick else (4, 8, 16):
        NB, m = 2, 2
        sizes = (NC, NB, NB)
        eye = [qutip.qeye(n + 1) for n in sizes]

        def emb(op, k, eye=eye):
            f = list(eye)
            f[k] = op
            return qutip.tensor(*f)

        jm = [emb(qutip.jmat(n / 2, "-"), k) for k, n in enumerate(sizes)]
        c_ops = [np.sqrt(2.0) * (jm[0] + jm[i]) for i in (1, 2)]
        psi = qutip.tensor(qutip.basis(NC + 1, 0), qutip.basis(NB + 1, NB),
                           qutip.basis(NB + 1, NB))
        tl = np.linspace(0, 5, 11)
        _, dq, mq = measure(lambda psi=psi, c_ops=c_ops, tl=tl, jm=jm: qutip.mesolve(
            0 * jm[0], psi * psi.dag(), tl, c_ops, e_ops=[jm[1].dag() * jm[1]]))
        space = ProductDicke(sizes)
        _, db, mb = measure(lambda space=space, tl=tl, NC=NC: CollectiveSolver(
            space, channels(2), atol=1e-8).run(space.product_state([NC, 0, 0]), tl))
        print(f"  N_C={NC:3d}: qutip {dq:6.2f} s {mq:7.1f} MiB | blocks {db:6.2f} s {mb:7.1f} MiB")


if __name__ == "__main__":
    main()
