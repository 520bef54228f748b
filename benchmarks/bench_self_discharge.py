"""Open-circuit self-discharge of N-cell chains: qbattery.protocols.open_circuit vs QuTiP.

Run:  OPENBLAS_NUM_THREADS=1 python benchmarks/bench_self_discharge.py [--quick] [--repeat 1]

The self-discharge paper's model (linear chain, J = 2 Gamma, Gamma_d = Gamma/2, relaxation with
T2 = T1) from |+>^N and from the classical product state, Gamma t in [0, 5], with every
diagnostic (energy, ergotropy, xi, l1 coherence, concurrence averaged over the chain's edges):

* qbattery: ``open_circuit`` (exact propagation in the coherence sectors present, diagnostics
  vectorised over blocks of states), plus the root-found half-life;
* QuTiP: ``mesolve`` storing the states (atol 1e-10, rtol 1e-8), then the same diagnostics
  computed from its states (``qutip.expect``, ``qutip.concurrence`` on ``ptrace``, NumPy for the
  ergotropy, which QuTiP does not provide, and for the l1 coherence).

Prints wall times (best of ``--repeat``), the ratio QuTiP / qbattery (> 1: qbattery faster) and
the largest deviation of the diagnostics. Not a test: timings depend on the machine and load.
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np
import qutip
import scipy.sparse as sp

from qbattery.models.cells import cell_battery, cell_liouvillian, product_state
from qbattery.protocols import OpenCircuit

OPTS = {"atol": 1e-10, "rtol": 1e-8, "nsteps": 10**7, "store_states": True}


def best_of(fn, repeat):
    best, out = math.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def qbattery_run(N, state, times):
    kw = {"Gamma": 1.0, "Gamma_d": 0.5, "J": 2.0}
    solver = OpenCircuit(cell_battery("linear", N, sparse=N > 6, **kw),
                         liouvillian=cell_liouvillian("linear", N, **kw))
    tr = solver.run(product_state(state, N), times)
    tr.half_life()
    return tr


def qutip_run(N, state, times):
    model = cell_battery("linear", N, Gamma=1.0, Gamma_d=0.5, J=2.0, sparse=True)
    dims = [[2] * N, [2] * N]

    def q(x):
        return qutip.Qobj(sp.csr_matrix(x), dims=dims)

    res = qutip.mesolve(q(model.H), qutip.Qobj(product_state(state, N), dims=dims), times,
                        [q(c) for c in model.c_ops], options=OPTS)
    HB = q(model.H_battery)
    e = np.linalg.eigvalsh(model.H_battery.toarray())
    out = {k: [] for k in ("energy", "ergotropy", "xi", "coherence_l1", "concurrence_avg")}
    D = 2**N
    for s in res.states:
        rho = s.full()
        U = qutip.expect(HB, s)
        r = np.linalg.eigvalsh(rho)
        W = max(U - float(np.sum(r[::-1] * e)), 0.0)
        out["energy"].append(U)
        out["ergotropy"].append(W)
        out["xi"].append(W / U if U > 1e-10 * e[-1] else 0.0)
        out["coherence_l1"].append((np.abs(rho).sum() - np.abs(np.diag(rho)).sum()) / (D - 1))
        out["concurrence_avg"].append(np.mean([qutip.concurrence(s.ptrace([i, i + 1]))
                                               for i in range(N - 1)]))
    return {k: np.asarray(v) for k, v in out.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="N = 5 only")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--num", type=int, default=101, help="output times in [0, 5]")
    args = ap.parse_args()
    times = np.linspace(0.0, 5.0, args.num)
    rows = []
    for N in ((5,) if args.quick else (5, 8)):
        for state in ("quantum", "classical"):
            t_qb, tr = best_of(lambda N=N, state=state: qbattery_run(N, state, times), args.repeat)
            t_qt, ref = best_of(lambda N=N, state=state: qutip_run(N, state, times), args.repeat)
            dev = max(float(np.max(np.abs(tr.diagnostics[k] - ref[k]))) for k in ref)
            rows.append((N, state, t_qb, t_qt, t_qt / t_qb, dev, tr.stats["active_dim"],
                         tr.stats["method"]))
    print(f"{'N':>2} {'state':>9} {'qbattery s':>11} {'qutip s':>9} {'ratio':>7} "
          f"{'max dev':>9} {'active/n':>14} method")
    for N, state, a, b, r, dev, act, meth in rows:
        print(f"{N:>2} {state:>9} {a:>11.3f} {b:>9.3f} {r:>7.1f} {dev:>9.1e} "
              f"{act:>7}/{4**N:<6} {meth}")


if __name__ == "__main__":
    main()
