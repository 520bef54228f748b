"""Fig. 2 of the interacting Dicke battery: qbattery (parity block) vs QuTiP ``mesolve``.

Run:  OPENBLAS_NUM_THREADS=1 python benchmarks/bench_dicke_cavity.py [--quick] [--repeat 1]

The model of ``qbattery.papers.interacting_dicke_battery`` Fig. 2: N atoms (collective spin
N/2, H_Q of Eq. (11) with g = 1), cavity omega_e = omega_q = 1, g_c = 0.5, no rotating-wave
approximation, cavity loss kappa = 0.5, photon cutoff 20, from |N> x |g...g>, omega_q t in
[0, 50] on 401 times; the observable is E(t)/(omega_q N) of Eq. (10).

* qbattery: ``cavity_curve`` -- the parity-diagonal half of the Liouville space only, DOP853
  (rtol 1e-9, atol 1e-11; the figure's method) and Krylov ``expm_multiply`` (exact), Liouvillian
  build and the reduced-state ergotropy included;
* QuTiP: ``mesolve`` on the full Liouvillian with ``e_ops = [1 x H_Q]`` (adams, atol 1e-12,
  rtol 1e-10).

Prints wall times (best of ``--repeat``), the ratio QuTiP / qbattery (> 1: qbattery faster),
the largest |Delta E/(omega_q N)| (must be <= 1e-6) and what bounds qbattery's time (sparse
mat-vecs of the parity block). Not a test: timings depend on the machine and load.
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np
import qutip
import scipy.sparse as sp

from qbattery.dynamics.methods import make_method
from qbattery.models.dicke_cavity import dicke_cavity_battery, dicke_cavity_initial_state
from qbattery.papers import interacting_dicke_battery as idb

KAPPA, G, CUTOFF, T_MAX = 0.5, 1.0, 20, 50.0
QUTIP_OPTS = {"atol": 1e-12, "rtol": 1e-10, "nsteps": 10**7, "progress_bar": False}
AGREEMENT = 1e-6


def best_of(fn, repeat):
    best, out = math.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def qbattery_run(N, num, method):
    idb._cavity_reduced.cache_clear()  # time the Liouvillian build as well
    ds = idb.cavity_curve(N, KAPPA, G, cutoff=CUTOFF, t_max=T_MAX, num=num, method=method)
    return ds["energy_density"].values


def qutip_run(N, num):
    m = dicke_cavity_battery(N, CUTOFF, g=G, g_c=idb.G_C, kappa=KAPPA)
    dims = [[CUTOFF, N + 1], [CUTOFF, N + 1]]

    def q(x):
        return qutip.Qobj(sp.csr_matrix(x), dims=dims)

    psi = qutip.Qobj(dicke_cavity_initial_state(N, CUTOFF).reshape(-1, 1),
                     dims=[[CUTOFF, N + 1], [1, 1]])
    HQ = q(sp.kron(sp.identity(CUTOFF), m.H_battery))
    times = np.linspace(0.0, T_MAX, num)
    res = qutip.mesolve(q(m.H), psi, times, [q(c) for c in m.c_ops], e_ops=[HQ],
                        options=QUTIP_OPTS)
    E = np.asarray(res.expect[0], dtype=float)
    return (E - E[0]) / N


def bounds(N, num):
    """Block size, nnz, time per mat-vec and mat-vecs of the ODE run (what bounds qbattery)."""
    red = idb._cavity_reduced(N, CUTOFF, KAPPA, idb.G_C, 1.0, 1.0, 0.0, "spin")
    B = red.generator(G)
    v = red.v0.astype(np.complex128)
    k = 50
    t0 = time.perf_counter()
    for _ in range(k):
        B @ v
    per = (time.perf_counter() - t0) / k
    t0 = time.perf_counter()
    c = make_method(idb.METHOD, **idb.METHOD_OPTIONS).propagate(
        B, v, np.linspace(0.0, T_MAX, num), lambda k0, b: None, {}, hermitian=False)
    total = time.perf_counter() - t0
    return B.shape[0], B.nnz, per, c["n_matvec"], total


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="N = 8 only")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--num", type=int, default=401, help="output times in [0, 50]")
    args = ap.parse_args()
    print(f"{'N':>3} {'method':>7} {'qbattery s':>11} {'qutip s':>9} {'ratio':>7} "
          f"{'max |dE/N|':>11} agreement <= {AGREEMENT:g}", flush=True)
    for N in ((8,) if args.quick else (8, 16)):
        t_qt, ref = best_of(lambda N=N: qutip_run(N, args.num), args.repeat)
        for method in ("ode", "krylov"):
            t_qb, E = best_of(lambda N=N, method=method: qbattery_run(N, args.num, method),
                              args.repeat)
            dev = float(np.max(np.abs(E - ref)))
            print(f"{N:>3} {method:>7} {t_qb:>11.2f} {t_qt:>9.2f} {t_qt / t_qb:>7.1f} "
                  f"{dev:>11.1e} {'ok' if dev <= AGREEMENT else 'FAIL'}", flush=True)
        n, nnz, per, nmv, tot = bounds(N, args.num)
        D2 = (CUTOFF * (N + 1)) ** 2
        print(f"    N = {N}: {n} real coordinates (Hermitian part of the parity block; Liouville "
              f"dimension {D2} complex), nnz {nnz}, mat-vec {per * 1e3:.2f} ms; DOP853 {nmv} "
              f"mat-vecs = {nmv * per:.2f} s of {tot:.2f} s propagation", flush=True)


if __name__ == "__main__":
    main()
