"""qbattery.dynamics vs QuTiP on the same problems: evolve vs mesolve, steady_state vs steadystate.

Run:  OPENBLAS_NUM_THREADS=1 python benchmarks/bench_lindblad.py [--quick] [--repeat 3]

Prints one table: wall times (best of ``--repeat``), the ratio QuTiP / qbattery (> 1 means
qbattery is faster) and the largest deviation between the two results (expectation values for
evolve, trace distance for steady states). mesolve runs twice: with QuTiP's default tolerances
(atol=1e-8, rtol=1e-6) and with atol=1e-12, rtol=1e-10 (qbattery's exact methods are at
~1e-14). Not a test: timings depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Callable

import numpy as np
import qutip
import scipy.sparse as sp

from qbattery.dynamics import SteadyStateSolver, evolve
from qbattery.quantum.operators import destroy, embed, number, sigma_minus, sigma_x, sigma_z
from qbattery.quantum.states import basis

TIGHT = {"atol": 1e-12, "rtol": 1e-10, "nsteps": 10**7}


def best_of(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    best, out = math.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def cavity(N: int, Delta: float = 1.0, F: float = 0.8, kappa: float = 0.3):
    a = destroy(N, sparse=True)
    H = Delta * number(N, sparse=True) + F * (a + a.T.conj())
    rho0 = np.zeros((N, N), dtype=complex)
    rho0[0, 0] = 1.0
    return H, [math.sqrt(kappa) * a], rho0, {"n": number(N, sparse=True), "a": a}


def chain(n: int, omega: float = 1.0, J: float = 0.3, gamma: float = 0.1):
    dims = [2] * n
    H = sum(0.5 * omega * embed(sigma_z(), i, dims, sparse=True) for i in range(n))
    H = H + sum(J * embed(sigma_x(), i, dims, sparse=True) @ embed(sigma_x(), i + 1, dims, sparse=True)
                for i in range(n - 1))
    c_ops = [math.sqrt(gamma) * embed(sigma_minus(), i, dims, sparse=True) for i in range(n)]
    psi = basis(2 ** n, int("10" * (n // 2) + "1" * (n % 2), 2))  # Neel-like excited pattern
    e_ops = {"z0": embed(sigma_z(), 0, dims, sparse=True),
             "zsum": sum(embed(sigma_z(), i, dims, sparse=True) for i in range(n))}
    return H, c_ops, np.outer(psi, psi.conj()), e_ops


def chain_driven(n: int):
    """chain plus a drive on site 0 (a non-trivial steady state)."""
    H, c_ops, rho0, e_ops = chain(n)
    dims = [2] * n
    return H + 0.4 * embed(sigma_x(), 0, dims, sparse=True), c_ops, rho0, e_ops


def q(x):
    # QuTiP 5 keeps the data layer it is given: pass CSR so that mesolve/steadystate are sparse
    return qutip.Qobj(sp.csr_matrix(x))


def bench_evolve(name, problem, times, repeat, rows):
    H, c_ops, rho0, e_ops = problem
    n = H.shape[0] ** 2
    t_qb, traj = best_of(lambda: evolve(H, rho0, times, c_ops, e_ops=e_ops), repeat)
    Hq, cq, rq = q(H), [q(c) for c in c_ops], qutip.Qobj(rho0)
    eq = [q(o) for o in e_ops.values()]
    for label, opts in (("default", {}), ("tight", TIGHT)):
        t_qt, res = best_of(lambda opts=opts: qutip.mesolve(Hq, rq, times, cq, e_ops=eq, options=opts),
                            repeat)
        dev = max(float(np.max(np.abs(np.asarray(res.expect[i]) - traj.expect[k])))
                  for i, k in enumerate(e_ops))
        rows.append((f"evolve {name}", n, f"{traj.stats.method} vs mesolve {label}", t_qb, t_qt,
                     t_qt / t_qb, dev))


def bench_steady(name, problem, repeat, rows):
    H, c_ops, _, _ = problem
    n = H.shape[0] ** 2
    Hq, cq = q(H), [q(c) for c in c_ops]
    t_qt, ref = best_of(lambda: qutip.steadystate(Hq, cq), repeat)
    ref = ref.full()
    for label, solver in (("checked", SteadyStateSolver()),
                          ("check_kernel=False", SteadyStateSolver(check_kernel=False))):
        t_qb, ss = best_of(lambda solver=solver: solver.solve(H, c_ops), repeat)
        dev = 0.5 * float(np.sum(np.abs(np.linalg.eigvalsh(ss.rho - ref))))
        rows.append((f"steady {name}", n, f"direct ({label}) vs steadystate", t_qb, t_qt,
                     t_qt / t_qb, dev))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller problems only")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rows: list[tuple] = []
    times = np.linspace(0.0, 40.0, 201)
    cavities = [20] if args.quick else [20, 40]
    chains = [6] if args.quick else [6, 7]
    # sparse LU fill makes direct steady states of the 7-qubit chain (n = 16384) take > 15 min
    # in both libraries: steady states stop at 6 qubits
    steady_chains = [5] if args.quick else [5, 6]
    for N in cavities:
        bench_evolve(f"driven cavity N={N}", cavity(N), times, args.repeat, rows)
    for n in chains:
        bench_evolve(f"{n}-qubit chain", chain(n), np.linspace(0.0, 20.0, 101), args.repeat, rows)
    for N in cavities:
        bench_steady(f"driven cavity N={N}", cavity(N), args.repeat, rows)
    for n in steady_chains:
        bench_steady(f"{n}-qubit driven chain", chain_driven(n), args.repeat, rows)
    head = f"{'problem':28s} {'n=D^2':>7s}  {'comparison':40s} {'qbattery':>9s} {'qutip':>9s} {'ratio':>6s} {'max dev':>9s}"
    print(head)
    print("-" * len(head))
    for name, n, comp, t_qb, t_qt, ratio, dev in rows:
        print(f"{name:28s} {n:7d}  {comp:40s} {t_qb:8.3f}s {t_qt:8.3f}s {ratio:6.2f} {dev:9.1e}")
    print("ratio = qutip time / qbattery time (> 1: qbattery faster); best of", args.repeat)


if __name__ == "__main__":
    main()
