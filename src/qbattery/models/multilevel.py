r"""Multi-level atoms in a cavity: a generic builder and the three-level-atom battery.

The three-level battery of the interacting-Dicke-battery paper (Section IV, Eqs. 18-24),
hbar = 1, in the frame rotating with the pump (:math:`\omega_p`) and control
(:math:`\omega_c`) fields, rotating-wave and dipole approximations. Atoms i = 0..N-1 (the paper's
1, 2), levels :math:`|g\rangle, |m\rangle, |e\rangle` (basis index 0, 1, 2 = number of
excitations), :math:`\sigma^i_{jk} = |j\rangle_i\langle k|`:

.. math::
    H &= H_Q + H_I + H_L \quad\text{(Eq. 18)},\\
    H_Q &= \sum_i(\Delta_e\sigma^i_{ee} + \Delta_m\sigma^i_{mm})
        + g\sum_{(i,j)}\big(\sigma^i_{mg}\sigma^j_{gm} + \sigma^i_{me}\sigma^j_{em} + \text{h.c.}\big)
        \quad\text{(Eq. 19)},\\
    H_I &= g_{\rm cav}\sum_i(a\,\sigma^i_{mg} + a^\dagger\sigma^i_{gm}) + \Delta_{\rm cav}a^\dagger a
        \quad\text{(Eq. 20)},\\
    H_L &= \Omega_a\sum_i(\sigma^i_{mg} + \sigma^i_{gm}) + \Omega_b\sum_i(\sigma^i_{me} + \sigma^i_{em})
        \quad\text{(Eq. 21)},\\
    \dot\rho &= -i[H,\rho] + 2\kappa\,\mathcal D[a]\rho
        + \sum_i\big(2\gamma_e\,\mathcal D[\sigma^i_{me}] + 2\gamma_m\,\mathcal D[\sigma^i_{gm}]\big)\rho
        \quad\text{(Eqs. 22-23)},

with :math:`\mathcal D[L]\rho = L\rho L^\dagger - \{L^\dagger L,\rho\}/2` (docs/conventions.md).
The pairs (i, j) of the exchange term are every pair (``pairs="all"``), nearest neighbours
(``"chain"``) or any graph; for two atoms both are the paper's single pair.

Conventions and choices
-----------------------
* **Rates.** Eqs. (22)-(23) are written as :math:`\kappa(2a\rho a^\dagger - a^\dagger a\rho -
  \rho a^\dagger a)`, i.e. core rate :math:`2\kappa` (``convert_rate(kappa, "two_L")``); the same
  for :math:`\gamma_e` (decay e -> m) and :math:`\gamma_m` (decay m -> g).
  ``rate_convention="paper"`` (default) takes the arguments in this convention;
  ``rate_convention="core"`` takes them as core rates (:math:`\kappa\mathcal D[a]`, ...).
* **Detunings.** :math:`\Delta_{\rm cav} = \omega_{\rm cav} - \omega_p`,
  :math:`\Delta_m = \omega_m - \omega_g - \omega_p`, :math:`\Delta_e = \Delta_m + \Delta_c`.
  The paper takes :math:`\Delta_c = 0` and :math:`\omega_{\rm cav} = \omega_m - \omega_g`, so that
  :math:`\Delta_m = \Delta_e = \Delta_{\rm cav} \equiv \Delta_p`: each of ``delta_m``,
  ``delta_e``, ``delta_cav`` defaults to ``delta_p``. Times are in units of :math:`1/\Delta_p`
  when ``delta_p = 1``.
* **Battery.** The battery is the atoms (all atom subsystems), with :math:`H_B = H_Q` of Eq. (19)
  on the atoms' space (dimension :math:`3^N`); the stored energy of Eq. (10),
  :math:`E(t) = \mathrm{Tr}\rho H_Q - \mathrm{Tr}\rho(0)H_Q`, is
  ``stored_energy(system.battery_state(rho), system.H_battery, system.battery_state(rho0))``
  (equal to the trace with :math:`I_{\rm cav}\otimes H_Q` on the full space,
  :meth:`AtomsInCavity.embed_atoms`).
* **Space.** ``dims = (cutoff, 3, ..., 3)``: cavity first (Fock levels ``0..cutoff-1``, marked
  truncated so every solver reports and checks its top-level population), then the atoms.

Symmetries (tested): H conserves :math:`\sum_i\sigma^i_{ee}` whenever :math:`\Omega_b = 0`, and
with :math:`\Omega_a = \Omega_b = 0` also the excitation number
:math:`a^\dagger a + \sum_i(\sigma^i_{mm} + 2\sigma^i_{ee})`
(:meth:`AtomsInCavity.excitation_number`; exact also in the truncated Fock space).

:class:`AtomsInCavity` builds the same ingredients for N atoms of any number of levels.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import scipy.sparse as sp

from .._checks import as_operator, check_cutoff, check_int, check_rate, check_real
from ..errors import InvalidParameterError
from ..quantum.operators import destroy, identity, transition
from .dissipators import convert_rate
from .open_system import Channel, OpenSystem
from .topology import TOPOLOGY_ALIASES, Topology

__all__ = [
    "THREE_LEVELS",
    "THREE_LEVEL_RATE_CONVENTIONS",
    "AtomsInCavity",
    "three_level_battery_hamiltonian",
    "three_level_cavity_battery",
    "three_level_initial_state",
]

#: Level names of the paper's cascaded three-level atom, in basis order (index = excitations).
THREE_LEVELS: tuple[str, str, str] = ("g", "m", "e")

#: ``rate_convention`` of :func:`three_level_cavity_battery`, as a :func:`convert_rate` convention.
THREE_LEVEL_RATE_CONVENTIONS: dict[str, str] = {"paper": "two_L", "core": "lindblad"}

_DEFAULT_TRUNCATION_TOL = 1e-10


def _is_int(x: Any) -> bool:
    return isinstance(x, (int, np.integer)) and not isinstance(x, (bool, np.bool_))


def _normalise_levels(levels: Any) -> tuple[str, ...]:
    if _is_int(levels):
        d = check_int(levels, "levels", low=2)
        return tuple(str(k) for k in range(d))
    allowed = "a number of levels >= 2 or a sequence of >= 2 distinct non-empty level names"
    if isinstance(levels, str) or not isinstance(levels, Sequence):
        raise InvalidParameterError("levels", levels, allowed)
    names = tuple(levels)
    if len(names) < 2 or not all(isinstance(n, str) and n for n in names):
        raise InvalidParameterError("levels", levels, allowed)
    if len(set(names)) != len(names):
        raise InvalidParameterError("levels", levels, allowed, "a name is repeated")
    return names


@dataclass(frozen=True)
class AtomsInCavity:
    r"""N identical d-level atoms, optionally in one truncated cavity mode: operators and terms.

    Parameters
    ----------
    n_atoms
        Number of atoms N >= 1 (numbered 0..N-1).
    levels
        Level names in basis order (index = number of excitations), e.g. ``("g", "m", "e")``, or
        the number of levels d (names ``"0".."d-1"``). Wherever a level is asked for, its name
        or its index is accepted.
    cutoff
        Cavity Fock levels (``|0>..|cutoff-1>``, >= 2), or ``None`` for atoms without a cavity.
    sparse
        Return SciPy CSR operators (True) or dense complex128 arrays (False, the library default).

    ``dims = (cutoff, d, ..., d)`` (cavity first) or ``(d,) * N``. Operators act on the full
    space; :meth:`atoms_only` gives the same atoms without the cavity (e.g. to build a battery
    Hamiltonian on the atoms' space) and :meth:`embed_atoms` lifts such an operator back.
    Three cascaded atoms with a cavity on their g-m transition, the paper's Eqs. (19)-(23)
    (core rates, i.e. the paper's kappa = 0.5, gamma_e = 0.1, gamma_m = 0.01)::

        sys = AtomsInCavity(3, ("g", "m", "e"), cutoff=8, sparse=True)
        atoms = sys.atoms_only()
        H_Q = (atoms.level_energies({"m": 1.0, "e": 1.0}) + atoms.exchange("m", "g", 1.0)
               + atoms.exchange("e", "m", 1.0))
        H = (sys.embed_atoms(H_Q) + sys.cavity_coupling("m", "g", 1.0) + sys.cavity_energy(1.0)
             + sys.drive("m", "g", 1.0) + sys.drive("e", "m", 1.0))
        chans = [sys.cavity_loss(1.0), *sys.decay("e", "m", 0.2), *sys.decay("m", "g", 0.02)]
        model = sys.open_system(H, chans, H_battery=H_Q)
    """

    n_atoms: int
    levels: Any = THREE_LEVELS
    cutoff: int | None = None
    sparse: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "n_atoms", check_int(self.n_atoms, "n_atoms", low=1))
        object.__setattr__(self, "levels", _normalise_levels(self.levels))
        if self.cutoff is not None:
            object.__setattr__(self, "cutoff", check_cutoff(self.cutoff))
        if not isinstance(self.sparse, (bool, np.bool_)):
            raise InvalidParameterError("sparse", self.sparse, "True or False")
        object.__setattr__(self, "sparse", bool(self.sparse))

    # ------------------------------------------------------------------ structure
    @property
    def n_levels(self) -> int:
        """Number of levels d of each atom."""
        return len(self.levels)

    @property
    def has_cavity(self) -> bool:
        return self.cutoff is not None

    @property
    def dims(self) -> tuple[int, ...]:
        """Subsystem dimensions: the cavity (if any) first, then the atoms."""
        atoms = (self.n_levels,) * self.n_atoms
        return atoms if self.cutoff is None else (self.cutoff, *atoms)

    @property
    def dim(self) -> int:
        """Hilbert-space dimension (product of ``dims``)."""
        return math.prod(self.dims)

    @property
    def atom_sites(self) -> tuple[int, ...]:
        """Indices of the atoms in ``dims`` (the battery subsystems)."""
        off = 0 if self.cutoff is None else 1
        return tuple(range(off, off + self.n_atoms))

    @property
    def names(self) -> tuple[str, ...]:
        """Subsystem names: ``"cavity"`` (if any), then ``"atom0"``, ``"atom1"``, ..."""
        atoms = tuple(f"atom{i}" for i in range(self.n_atoms))
        return atoms if self.cutoff is None else ("cavity", *atoms)

    def atoms_only(self) -> AtomsInCavity:
        """The same atoms without the cavity (operators on the atoms' space, dimension d^N)."""
        return replace(self, cutoff=None)

    def level_index(self, level: Any, name: str = "level") -> int:
        """Basis index of a level given by name or index; ``name`` labels the argument in errors."""
        if isinstance(level, str) and level in self.levels:
            return self.levels.index(level)
        if _is_int(level) and 0 <= int(level) < self.n_levels:
            return int(level)
        raise InvalidParameterError(name, level, f"a level name in {self.levels} "
                                                 f"or an index in 0..{self.n_levels - 1}")

    def _atom(self, atom: Any) -> int:
        return check_int(atom, "atom", low=0, high=self.n_atoms - 1)

    def _fmt(self, m):
        m = sp.csr_matrix(m, dtype=np.complex128)
        return m if self.sparse else m.toarray()

    def _embed_sp(self, op, site: int):
        left = math.prod(self.dims[:site])
        right = math.prod(self.dims[site + 1:])
        out = sp.kron(sp.identity(left, dtype=np.complex128, format="csr"), op, format="csr")
        return sp.kron(out, sp.identity(right, dtype=np.complex128, format="csr"), format="csr")

    def _sigma_sp(self, atom: int, j: int, k: int):
        op = transition(self.n_levels, j, k, sparse=True)
        return self._embed_sp(op, self.atom_sites[atom])

    def _a_sp(self):
        if self.cutoff is None:
            raise InvalidParameterError("cutoff", None, "a cavity cutoff (an integer >= 2) for "
                                                        "cavity operators")
        return self._embed_sp(destroy(self.cutoff, sparse=True), 0)

    def _zero_sp(self):
        return sp.csr_matrix((self.dim, self.dim), dtype=np.complex128)

    def _per(self, values: Any, count: int, name: str, what: str) -> np.ndarray:
        if isinstance(values, (int, float, np.integer, np.floating)) and not isinstance(values, bool):
            return np.full(count, check_real(values, name))
        if isinstance(values, (str, bytes)) or not isinstance(values, (Sequence, np.ndarray)) \
                or len(values) != count:
            raise InvalidParameterError(name, values, f"a real number or {count} real numbers "
                                                      f"(one per {what})")
        return np.array([check_real(v, f"{name}[{i}]") for i, v in enumerate(values)])

    def _pair_levels(self, upper: Any, lower: Any) -> tuple[int, int]:
        u = self.level_index(upper, "upper")
        lo = self.level_index(lower, "lower")
        if u == lo:
            raise InvalidParameterError("lower", lower, f"a level different from upper = {upper!r}")
        return u, lo

    # ------------------------------------------------------------------ operators
    @property
    def identity(self):
        """Identity on the full space."""
        return self._fmt(identity(self.dim, sparse=True))

    @property
    def a(self):
        r"""Cavity annihilation operator :math:`a` on the full space (needs a cavity)."""
        return self._fmt(self._a_sp())

    @property
    def a_dag(self):
        r"""Cavity creation operator :math:`a^\dagger` on the full space."""
        return self._fmt(self._a_sp().conj().T)

    @property
    def photon_number(self):
        r"""Photon number :math:`a^\dagger a` on the full space."""
        a = self._a_sp()
        return self._fmt(a.conj().T @ a)

    def sigma(self, atom: int, j: Any, k: Any):
        r"""Transition operator :math:`\sigma^{(atom)}_{jk} = |j\rangle\langle k|` on one atom,
        e.g. ``sigma(0, "m", "g")`` raises atom 0 from g to m."""
        i = self._atom(atom)
        return self._fmt(self._sigma_sp(i, self.level_index(j, "j"), self.level_index(k, "k")))

    def projector(self, atom: int, level: Any):
        r"""Projector :math:`\sigma^{(atom)}_{ll} = |l\rangle\langle l|` on one atom."""
        lv = self.level_index(level)
        return self._fmt(self._sigma_sp(self._atom(atom), lv, lv))

    def collective(self, j: Any, k: Any):
        r""":math:`\sum_i \sigma^i_{jk}` (e.g. ``collective("e", "e")`` counts the atoms in e)."""
        jj, kk = self.level_index(j, "j"), self.level_index(k, "k")
        return self._fmt(sum((self._sigma_sp(i, jj, kk) for i in range(self.n_atoms)),
                             self._zero_sp()))

    def excitation_number(self):
        r""":math:`a^\dagger a + \sum_i\sum_l l\,\sigma^i_{ll}` (level index = excitations).

        Conserved by :meth:`exchange` and :meth:`cavity_coupling` terms whose two levels differ
        by one index (the three-level model with :math:`\Omega_a = \Omega_b = 0`).
        """
        out = self._zero_sp()
        for i in range(self.n_atoms):
            for lv in range(1, self.n_levels):
                out = out + lv * self._sigma_sp(i, lv, lv)
        if self.cutoff is not None:
            a = self._a_sp()
            out = out + a.conj().T @ a
        return self._fmt(out)

    def embed_atoms(self, op):
        r"""Lift an operator on the atoms' space (dimension :math:`d^N`) to the full space,
        :math:`I_{\rm cav}\otimes O`."""
        d_atoms = self.n_levels ** self.n_atoms
        op = as_operator(op, "op", dim=d_atoms)
        if self.cutoff is None:
            return self._fmt(op)
        return self._fmt(sp.kron(sp.identity(self.cutoff, dtype=np.complex128, format="csr"),
                                 sp.csr_matrix(op), format="csr"))

    # ------------------------------------------------------------------ Hamiltonian terms
    def level_energies(self, energies: Mapping[Any, Any] | Sequence[Any]):
        r""":math:`\sum_i\sum_l E_l\,\sigma^i_{ll}`: bare level energies or, in a rotating frame,
        detunings. ``energies`` maps levels (names or indices) to values (missing = 0), or lists
        one value per level."""
        d = self.n_levels
        vals = np.zeros(d)
        if isinstance(energies, Mapping):
            for lv, e in energies.items():
                vals[self.level_index(lv, "energies")] = check_real(e, f"energies[{lv!r}]")
        elif isinstance(energies, (Sequence, np.ndarray)) and not isinstance(energies, str) \
                and len(energies) == d:
            vals = np.array([check_real(e, f"energies[{k}]") for k, e in enumerate(energies)])
        else:
            raise InvalidParameterError("energies", energies, f"a mapping level -> energy or {d} "
                                                              "real numbers (one per level)")
        one = sp.diags(vals.astype(np.complex128), 0, format="csr")
        out = sum((self._embed_sp(one, s) for s in self.atom_sites), self._zero_sp())
        return self._fmt(out)

    def coupled_pairs(self, pairs: Any = "all") -> tuple[tuple[int, int], ...]:
        """Atom pairs (i, j), i < j, of an exchange term: ``"all"`` (every pair), ``"chain"``
        (nearest neighbours i, i+1), another topology name (``"ring"``, ``"star"``, ...), a
        :class:`~qbattery.models.topology.Topology` on ``n_atoms`` sites or a list of pairs."""
        n = self.n_atoms
        if isinstance(pairs, Topology):
            if pairs.n_sites != n:
                raise InvalidParameterError("pairs", pairs, f"a Topology on n_atoms = {n} sites")
            return pairs.edges
        if isinstance(pairs, str):
            key = "complete" if pairs.strip().lower() == "all" else pairs.strip().lower()
            if key not in TOPOLOGY_ALIASES:
                raise InvalidParameterError("pairs", pairs, "'all', 'chain', a topology name in "
                                                            f"{sorted(TOPOLOGY_ALIASES)}, a Topology "
                                                            "or a list of (i, j) atom pairs")
            if n <= 2:  # 1 or 2 atoms: every geometry is the chain
                return Topology.chain(n).edges
            return Topology.from_name(key, n).edges
        if isinstance(pairs, (Sequence, np.ndarray)):
            try:
                return Topology.from_edges(n, pairs).edges
            except InvalidParameterError as exc:
                raise InvalidParameterError("pairs", pairs, f"(i, j) atom pairs with i != j in "
                                                            f"0..{n - 1}, each once",
                                            str(exc)) from exc
        raise InvalidParameterError("pairs", pairs, "'all', 'chain', a topology name, a Topology "
                                                    "or a list of (i, j) atom pairs")

    def exchange(self, upper: Any, lower: Any, g: Any = 1.0, pairs: Any = "all"):
        r"""Atom-atom exchange on the upper-lower transition:
        :math:`\sum_{(i,j)} g_{ij}(\sigma^i_{ul}\sigma^j_{lu} + \sigma^i_{lu}\sigma^j_{ul})`
        (Eq. 19 with u, l = m, g and e, m). ``g`` is one value or one per pair (order of
        :meth:`coupled_pairs`)."""
        u, lo = self._pair_levels(upper, lower)
        edges = self.coupled_pairs(pairs)
        gs = self._per(g, len(edges), "g", "pair")
        out = self._zero_sp()
        for (i, j), gij in zip(edges, gs, strict=True):
            if gij == 0.0:
                continue
            hop = self._sigma_sp(i, u, lo) @ self._sigma_sp(j, lo, u)
            out = out + gij * (hop + hop.conj().T)
        return self._fmt(out)

    def cavity_coupling(self, upper: Any, lower: Any, g_cav: Any = 1.0):
        r"""Jaynes-Cummings coupling (rotating-wave) of the cavity to the upper-lower transition:
        :math:`\sum_i g_i(a\,\sigma^i_{ul} + a^\dagger\sigma^i_{lu})` (Eq. 20); ``g_cav`` is one
        value or one per atom."""
        u, lo = self._pair_levels(upper, lower)
        gs = self._per(g_cav, self.n_atoms, "g_cav", "atom")
        a = self._a_sp()
        out = self._zero_sp()
        for i, gi in enumerate(gs):
            term = a @ self._sigma_sp(i, u, lo)
            out = out + gi * (term + term.conj().T)
        return self._fmt(out)

    def cavity_energy(self, omega: Any = 1.0):
        r""":math:`\omega\,a^\dagger a` (a frequency or, in a rotating frame, the detuning
        :math:`\Delta_{\rm cav}`)."""
        w = check_real(omega, "omega")
        a = self._a_sp()
        return self._fmt(w * (a.conj().T @ a))

    def drive(self, upper: Any, lower: Any, rabi: Any = 1.0):
        r"""Classical drive of the upper-lower transition (rotating frame, real amplitude):
        :math:`\sum_i\Omega_i(\sigma^i_{ul} + \sigma^i_{lu})` (Eq. 21); ``rabi`` is one value or
        one per atom."""
        u, lo = self._pair_levels(upper, lower)
        rs = self._per(rabi, self.n_atoms, "rabi", "atom")
        out = self._zero_sp()
        for i, r in enumerate(rs):
            s = self._sigma_sp(i, u, lo)
            out = out + r * (s + s.conj().T)
        return self._fmt(out)

    # ------------------------------------------------------------------ channels and states
    def decay(self, upper: Any, lower: Any, rate: Any) -> tuple[Channel, ...]:
        r"""Independent spontaneous emission upper -> lower on every atom:
        :math:`\gamma\,\mathcal D[\sigma^i_{lu}]` (core rate; labels ``decay_<u><l>_<i>``).
        A zero rate gives no channels."""
        u, lo = self._pair_levels(upper, lower)
        g = check_rate(rate, "rate")
        if g == 0.0:
            return ()
        tag = f"decay_{self.levels[u]}{self.levels[lo]}"
        return tuple(Channel(self._fmt(self._sigma_sp(i, lo, u)), g, f"{tag}_{i}")
                     for i in range(self.n_atoms))

    def cavity_loss(self, kappa: Any) -> Channel:
        r"""Cavity photon loss :math:`\kappa\,\mathcal D[a]` (core rate)."""
        return Channel(self._fmt(self._a_sp()), check_rate(kappa, "kappa"), "cavity_loss")

    def product_state(self, atom_levels: Any, n_photons: int = 0) -> np.ndarray:
        r"""The ket :math:`|n\rangle\otimes|l_0, l_1, \dots\rangle` (1-d, dense).

        ``atom_levels`` is one level for every atom or a sequence of one level per atom;
        ``n_photons`` must fit the cutoff (0..cutoff-1) and be 0 without a cavity.
        """
        if isinstance(atom_levels, (str, int, np.integer)):
            idx = [self.level_index(atom_levels, "atom_levels")] * self.n_atoms
        elif isinstance(atom_levels, Sequence) and len(atom_levels) == self.n_atoms:
            idx = [self.level_index(lv, f"atom_levels[{i}]") for i, lv in enumerate(atom_levels)]
        else:
            raise InvalidParameterError("atom_levels", atom_levels,
                                        f"a level or {self.n_atoms} levels (one per atom)")
        high = 0 if self.cutoff is None else self.cutoff - 1
        n = check_int(n_photons, "n_photons", low=0, high=high)
        flat = 0
        for lv in idx:
            flat = flat * self.n_levels + lv
        if self.cutoff is not None:
            flat += n * self.n_levels ** self.n_atoms
        psi = np.zeros(self.dim, dtype=np.complex128)
        psi[flat] = 1.0
        return psi

    def open_system(self, H: Any, channels: Sequence[Any] = (), *, H_battery: Any,
                    truncation_tol: float = _DEFAULT_TRUNCATION_TOL,
                    metadata: Mapping[str, Any] | None = None) -> OpenSystem:
        """An :class:`~qbattery.models.OpenSystem` on this space: battery = the atoms (with
        ``H_battery`` on the atoms' space, dimension d^N), named subsystems, and the cavity
        marked truncated (top-level population checked against ``truncation_tol``)."""
        meta = {"model": "AtomsInCavity", "n_atoms": self.n_atoms, "levels": self.levels,
                "cutoff": self.cutoff}
        if metadata is not None:
            meta.update(dict(metadata))
        return OpenSystem(H, channels=tuple(channels), dims=self.dims, battery=self.atom_sites,
                          H_battery=H_battery, names=self.names,
                          truncated=() if self.cutoff is None else (0,),
                          truncation_tol=truncation_tol, metadata=meta)


# ---------------------------------------------------------------------- the paper's preset
def _rate_factor(rate_convention: Any) -> str:
    if rate_convention not in THREE_LEVEL_RATE_CONVENTIONS:
        raise InvalidParameterError("rate_convention", rate_convention,
                                    f"one of {sorted(THREE_LEVEL_RATE_CONVENTIONS)}")
    return THREE_LEVEL_RATE_CONVENTIONS[rate_convention]


def _default(x: Any, fallback: float, name: str) -> float:
    return fallback if x is None else check_real(x, name)


def three_level_battery_hamiltonian(n_atoms: int = 2, *, g: float = 1.0, delta_m: float = 1.0,
                                    delta_e: float = 1.0, pairs: Any = "all",
                                    sparse: bool = False):
    r"""Battery Hamiltonian of Eq. (19) on the atoms' space (dims ``(3,) * n_atoms``):
    :math:`H_Q = \sum_i(\Delta_e\sigma^i_{ee} + \Delta_m\sigma^i_{mm}) + g\sum_{(i,j)}
    (\sigma^i_{mg}\sigma^j_{gm} + \sigma^i_{me}\sigma^j_{em} + \text{h.c.})`."""
    atoms = AtomsInCavity(n_atoms, THREE_LEVELS, None, sparse=sparse)
    g = check_real(g, "g")
    dm = check_real(delta_m, "delta_m")
    de = check_real(delta_e, "delta_e")
    return (atoms.level_energies({"m": dm, "e": de}) + atoms.exchange("m", "g", g, pairs)
            + atoms.exchange("e", "m", g, pairs))


def three_level_cavity_battery(n_atoms: int = 2, *, g: float = 1.0, g_cav: float = 1.0,
                               omega_a: float = 1.0, omega_b: float = 1.0, delta_p: float = 1.0,
                               delta_m: float | None = None, delta_e: float | None = None,
                               delta_cav: float | None = None, kappa: float = 0.5,
                               gamma_e: float = 0.1, gamma_m: float = 0.01,
                               cutoff: int | None = 10, pairs: Any = "all",
                               rate_convention: str = "paper",
                               truncation_tol: float = _DEFAULT_TRUNCATION_TOL) -> OpenSystem:
    r"""The three-level-atom cavity battery of Section IV (module docstring) as an
    :class:`~qbattery.models.OpenSystem`.

    Parameters
    ----------
    n_atoms
        Number of cascaded three-level atoms (the paper: 2).
    g
        Atom-atom exchange of Eq. (19) on both transitions (g > 0 repulsive, g < 0 attractive).
    g_cav
        Cavity coupling :math:`g_i` of Eq. (20) on the g-m transition (the same for every atom).
    omega_a, omega_b
        Pump (:math:`\Omega_a`, g-m) and control (:math:`\Omega_b`, m-e) amplitudes of Eq. (21).
    delta_p
        The common detuning :math:`\Delta_p`; ``delta_m``, ``delta_e``, ``delta_cav`` default to it
        (the paper's :math:`\Delta_c = 0`, :math:`\omega_{\rm cav} = \omega_m - \omega_g`).
    delta_m, delta_e, delta_cav
        :math:`\Delta_m`, :math:`\Delta_e` (Eq. 19) and :math:`\Delta_{\rm cav}` (Eq. 20).
    kappa, gamma_e, gamma_m
        Cavity loss and spontaneous emission e -> m and m -> g (Eqs. 22-23), in the convention
        of ``rate_convention``.
    cutoff
        Cavity Fock levels (the paper's photon cutoff :math:`n_{\rm ph} = 10`), or ``None`` for
        the atoms alone (then ``kappa = 0`` is required; ``g_cav`` and ``delta_cav`` are unused
        and recorded as 0).
    pairs
        Atom pairs of the exchange: ``"all"``, ``"chain"`` or any of
        :meth:`AtomsInCavity.coupled_pairs` (for two atoms every choice is the single pair).
    rate_convention
        ``"paper"`` (default): the rates are the paper's, :math:`\kappa(2a\rho a^\dagger - \dots)`,
        core rates :math:`2\kappa, 2\gamma_e, 2\gamma_m`; ``"core"``: the arguments are core
        rates (:math:`\kappa\mathcal D[a]`, ...).
    truncation_tol
        Warning threshold on the cavity's top-level population.

    Zero-rate channels are omitted. Channels: ``cavity_loss`` (:math:`a`),
    ``decay_em_<i>`` (:math:`\sigma^i_{me}`) and ``decay_mg_<i>`` (:math:`\sigma^i_{gm}`). The
    battery is the atoms, ``H_battery = three_level_battery_hamiltonian(...)`` (Eq. 19).
    """
    conv = _rate_factor(rate_convention)
    n_atoms = check_int(n_atoms, "n_atoms", low=1)
    g = check_real(g, "g")
    g_cav = check_real(g_cav, "g_cav")
    omega_a = check_real(omega_a, "omega_a")
    omega_b = check_real(omega_b, "omega_b")
    delta_p = check_real(delta_p, "delta_p")
    delta_m = _default(delta_m, delta_p, "delta_m")
    delta_e = _default(delta_e, delta_p, "delta_e")
    delta_cav = _default(delta_cav, delta_p, "delta_cav")
    kappa = check_rate(kappa, "kappa")
    gamma_e = check_rate(gamma_e, "gamma_e")
    gamma_m = check_rate(gamma_m, "gamma_m")
    if cutoff is None:
        if kappa != 0.0:
            raise InvalidParameterError("cutoff", None, "a cavity cutoff when kappa is nonzero")
        g_cav = delta_cav = 0.0
    space = AtomsInCavity(n_atoms, THREE_LEVELS, cutoff, sparse=True)
    HQ = three_level_battery_hamiltonian(n_atoms, g=g, delta_m=delta_m, delta_e=delta_e,
                                         pairs=pairs, sparse=True)
    H = (space.embed_atoms(HQ) + space.drive("m", "g", omega_a)
         + space.drive("e", "m", omega_b))
    chans: list[Channel] = []
    if cutoff is not None:
        H = H + space.cavity_coupling("m", "g", g_cav) + space.cavity_energy(delta_cav)
        if kappa > 0:
            chans.append(space.cavity_loss(convert_rate(kappa, conv)))
    chans.extend(space.decay("e", "m", convert_rate(gamma_e, conv)))
    chans.extend(space.decay("m", "g", convert_rate(gamma_m, conv)))
    meta = {"model": "three_level_cavity_battery", "n_atoms": n_atoms, "levels": THREE_LEVELS,
            "cutoff": space.cutoff, "g": g, "g_cav": g_cav, "omega_a": omega_a,
            "omega_b": omega_b, "delta_p": delta_p, "delta_m": delta_m, "delta_e": delta_e,
            "delta_cav": delta_cav, "kappa": kappa, "gamma_e": gamma_e, "gamma_m": gamma_m,
            "pairs": space.coupled_pairs(pairs), "rate_convention": rate_convention,
            "core_rates": {"kappa": convert_rate(kappa, conv),
                           "gamma_e": convert_rate(gamma_e, conv),
                           "gamma_m": convert_rate(gamma_m, conv)},
            "reference": "interacting Dicke battery, Section IV, Eqs. (18)-(24)"}
    return space.open_system(H.tocsr(), chans, H_battery=HQ, truncation_tol=truncation_tol,
                             metadata=meta)


def three_level_initial_state(n_atoms: int = 2, cutoff: int | None = 10,
                              n_photons: int = 2) -> np.ndarray:
    r"""Eq. (24): the density matrix of :math:`|N\rangle\otimes|g, g, \dots\rangle`
    (N = ``n_photons`` in 0..cutoff-1; with ``cutoff=None`` the atoms alone, ``n_photons = 0``).

    Dims as :func:`three_level_cavity_battery`. A Fock state on the top kept level
    (``n_photons = cutoff - 1``) is accepted but the solvers then report (and warn about) the
    truncation, as for every model with a truncated cavity.
    """
    psi = AtomsInCavity(n_atoms, THREE_LEVELS, cutoff).product_state("g", n_photons)
    return np.outer(psi, psi.conj())
