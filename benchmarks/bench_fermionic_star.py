"""Fermionic-star steady states: qbattery's reduced solvers vs the full solver and QuTiP.

Run:  OPENBLAS_NUM_THREADS=1 python benchmarks/bench_fermionic_star.py [--quick]
      [--qutip-timeout 120] [--qutip-memory-gb 6]

Problem: the non-equilibrium star of the fermionic-star paper (battery at the centre, mu = 0,
delta_mu = 2, T = 1, omega0 = 10, omega = gamma = J = 1) with N = 3, 6, 8, 10 qubits (Liouville
dimension 4^N). Columns:

* ``sym``: FermionicNetworkSolver (U(1) sector symmetrised over the leaves), build + one solve
  with its kernel check; ``sym/pt``: one more point with the pieces reused;
* ``u1``: U(1) sector only (C(2N, N) unknowns; sparse LU), where it takes < ~1 min;
* ``full``: qbattery.dynamics.steady_state on the 4^N Liouvillian (N <= 6);
* ``qutip``: qutip.steadystate (default direct method) on the same H and c_ops, in a child
  process with a time and memory limit;
* ``ratio``: qutip / sym (build + solve), ``ratio/pt``: qutip / sym/pt, and ``|dp|`` the
  deviation of the battery population between QuTiP and qbattery.

Then the sweep timings of the issue (101 mu values at N = 3) and the effect of reusing the
column ordering of the sparse LU across sweep points (U(1) sector, N = 6 and 7). Not a test:
timings depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import time

import numpy as np
import scipy.sparse as sp

PARAMS = {"mu": 0.0, "delta_mu": 2.0, "T": 1.0, "J": 1.0, "gamma": 1.0, "omega": 1.0,
          "omega0": 10.0}


def _qutip_child(N: int, mem_gb: float) -> None:
    """Runs in a child process: print JSON {time, p} for qutip.steadystate at N."""
    import resource

    lim = int(mem_gb * 2**30)
    resource.setrlimit(resource.RLIMIT_AS, (lim, lim))
    import qutip

    from qbattery.models.fermionic_network import fermionic_network

    m = fermionic_network(N, "star", "non_equilibrium", **PARAMS)
    dims = [list(m.dims), list(m.dims)]
    # CSR data so that QuTiP 5 builds a sparse Liouvillian (a dense Qobj stays dense)
    H = qutip.Qobj(sp.csr_matrix(m.H), dims=dims)
    c_ops = [qutip.Qobj(sp.csr_matrix(c), dims=dims) for c in m.c_ops]
    t0 = time.perf_counter()
    rho = qutip.steadystate(H, c_ops)
    dt = time.perf_counter() - t0
    p = float(rho.ptrace(0).full()[1, 1].real)
    print(json.dumps({"time": dt, "p": p}))


def run_qutip(N: int, timeout: float, mem_gb: float) -> tuple[float | None, float | None, str]:
    cmd = [sys.executable, __file__, "--qutip-child", str(N), "--qutip-memory-gb", str(mem_gb)]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, None, f"> {timeout:g} s"
    if out.returncode != 0:
        last = (out.stderr.strip().splitlines() or ["failed"])[-1]
        return None, None, "failed: " + last[:40]
    res = json.loads(out.stdout.strip().splitlines()[-1])
    return res["time"], res["p"], f"{res['time']:.3g} s"


def bench_sizes(Ns, timeout: float, mem_gb: float) -> None:
    from qbattery.dynamics import steady_state
    from qbattery.models.fermionic_network import FermionicNetworkSolver, fermionic_network
    from qbattery.quantum.partial_trace import partial_trace

    print("Non-equilibrium star, mu = 0, delta_mu = 2, T = 1 (times in seconds)")
    head = (f"{'N':>3} {'4^N':>8} {'C(2N,N)':>8} {'orbits':>6} {'sym':>7} {'sym/pt':>8} "
            f"{'u1':>8} {'full':>8} {'qutip':>12} {'ratio':>8} {'ratio/pt':>9} {'|dp|':>8}")
    print(head)
    FermionicNetworkSolver(1, "star", "non_equilibrium").solve(**PARAMS)  # imports, warm-up
    for N in Ns:
        t0 = time.perf_counter()
        # kernel of the solved generator only (QuTiP does not count kernels either)
        s = FermionicNetworkSolver(N, "star", "non_equilibrium", u1_kernel_max=0,
                                   full_kernel_max=0)
        r = s.solve(**PARAMS)
        t_sym = time.perf_counter() - t0
        t0 = time.perf_counter()
        s.solve(**{**PARAMS, "delta_mu": 2.5})
        t_pt = time.perf_counter() - t0
        u1 = "-"
        if math.comb(2 * N, N) <= 4000:
            t0 = time.perf_counter()
            r_u1 = FermionicNetworkSolver(N, "star", "non_equilibrium", symmetry="u1",
                                          u1_kernel_max=0, full_kernel_max=0).solve(**PARAMS)
            u1 = f"{time.perf_counter() - t0:.3g}"
            assert abs(r_u1.p_excited - r.p_excited) < 1e-10
        full = "-"
        if N <= 6:
            m = fermionic_network(N, "star", "non_equilibrium", **PARAMS)
            t0 = time.perf_counter()
            ss = steady_state(m)
            full = f"{time.perf_counter() - t0:.3g}"
            p_full = float(partial_trace(ss.rho, m.dims, 0)[1, 1].real)
            assert abs(p_full - r.p_excited) < 1e-10
        t_q, p_q, q_text = run_qutip(N, timeout, mem_gb)
        if t_q:
            ratio, ratio_pt = f"{t_q / t_sym:.3g}", f"{t_q / t_pt:.3g}"
        elif q_text.startswith(">"):
            ratio, ratio_pt = f"> {timeout / t_sym:.3g}", f"> {timeout / t_pt:.3g}"
        else:
            ratio = ratio_pt = "-"
        dp = f"{abs(p_q - r.p_excited):.1e}" if p_q is not None else "-"
        print(f"{N:>3} {4**N:>8} {math.comb(2 * N, N):>8} {s.reduction.n:>6} {t_sym:>7.3g} "
              f"{t_pt:>8.3g} {u1:>8} {full:>8} {q_text:>12} {ratio:>8} {ratio_pt:>9} {dp:>8}",
              flush=True)


def bench_sweeps() -> None:
    from qbattery.models.fermionic_network import FermionicNetworkSolver

    mu = np.linspace(0.0, 10.0, 101)
    print("\n101-point mu sweeps at N = 3 (star), best of 3")
    for setting, extra in (("equilibrium", {}), ("non_equilibrium", {"delta_mu": 2.0})):
        s = FermionicNetworkSolver(3, "star", setting)
        s.sweep(mu=mu[:2], T=1.0, **extra)
        for kernels in (True, False):
            best = math.inf
            for _ in range(3):
                t0 = time.perf_counter()
                s.sweep(mu=mu, T=1.0, kernels=kernels, **extra)
                best = min(best, time.perf_counter() - t0)
            what = "kernels: solved + U(1) + full" if kernels else "kernel of the solved generator"
            print(f"  {setting:16s} {best:.3f} s   ({what})")


def bench_reuse() -> None:
    from qbattery.models.fermionic_network import FermionicNetworkSolver
    from qbattery.symmetry.u1 import ParametricSteadyState

    print("\nSparse LU with the column ordering reused across 5 points (U(1) sector only)")
    for N in (6, 7):
        s = FermionicNetworkSolver(N, "chain", "non_equilibrium", symmetry="u1",
                                   u1_kernel_max=0, full_kernel_max=0)
        gen = s.solver.generator
        pts = [s.coefficients(**{**PARAMS, "delta_mu": d})[0] for d in np.linspace(1, 3, 5)]
        t = s.reduction.trace_vector
        fresh = ParametricSteadyState(gen, t, dense_max=0, check_kernel=False)
        reuse = ParametricSteadyState(gen, t, dense_max=0, check_kernel=False)
        t0 = time.perf_counter()
        reuse.solve(pts[0])
        t_first = time.perf_counter() - t0
        t_fresh = t_reuse = 0.0
        for c in pts:
            fresh._perm_c = None  # recompute the ordering every time
            t0 = time.perf_counter()
            yf = fresh.solve(c)[0]
            t1 = time.perf_counter()
            yr = reuse.solve(c)[0]
            t_fresh += t1 - t0
            t_reuse += time.perf_counter() - t1
            assert np.max(np.abs(yf - yr)) < 1e-10
        print(f"  N = {N} (n = {s.reduction.n}): first point {t_first:.3f} s; per point "
              f"{t_fresh / 5:.3f} s fresh ordering, {t_reuse / 5:.3f} s reused "
              f"(x{t_fresh / t_reuse:.2f})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="N = 3, 6 only")
    ap.add_argument("--qutip-timeout", type=float, default=120.0)
    ap.add_argument("--qutip-memory-gb", type=float, default=6.0)
    ap.add_argument("--qutip-child", type=int, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.qutip_child is not None:
        _qutip_child(args.qutip_child, args.qutip_memory_gb)
        return
    bench_sizes((3, 6) if args.quick else (3, 6, 8, 10), args.qutip_timeout, args.qutip_memory_gb)
    bench_sweeps()
    bench_reuse()


if __name__ == "__main__":
    main()
