"""Product Dicke blocks: padded block operators agree with the full-space collective operators."""

from __future__ import annotations

import numpy as np
import pytest

from qbattery.errors import InvalidParameterError
from qbattery.symmetry.dicke import ProductDicke, collective_ops_full, dicke_ladder


def _full_from_ladder(space: ProductDicke, blocks: np.ndarray, kind: str) -> np.ndarray:
    """Assemble the full-space matrix of a ladder operator from its padded blocks."""
    D = int(np.prod(space.full_dims))
    out = np.zeros((D, D), dtype=np.complex128)
    idx = space.full_indices()
    step = -1 if kind == "lower" else 1
    for M in range(space.n_blocks):
        T = M + step
        if not 0 <= T < space.n_blocks:
            continue
        for a in range(space.d):
            for b in range(space.d):
                v = blocks[M, a, b]
                if v != 0:
                    assert space.valid[T, a] and space.valid[M, b]
                    out[idx[T, a], idx[M, b]] += v
    return out


@pytest.mark.parametrize("sizes", [(4,), (4, 2), (3, 2, 1), (2, 3, 2), (4, 1, 1, 2)])
@pytest.mark.parametrize("kind", ["lower", "raise"])
def test_ladder_blocks_match_full(sizes, kind):
    space = ProductDicke(sizes)
    full = collective_ops_full(sizes)
    rng = np.random.default_rng(len(sizes))
    c = rng.normal(size=len(sizes)) + 1j * rng.normal(size=len(sizes))
    ops = full["jm"] if kind == "lower" else full["jp"]
    expected = sum(ck * op for ck, op in zip(c, ops, strict=True))
    got = _full_from_ladder(space, space.ladder_blocks(c, kind), kind)
    np.testing.assert_allclose(got, expected, atol=1e-13)


def test_block_sizes_and_roundtrip():
    space = ProductDicke((3, 2, 1), names=("C", "B1", "B2"))
    assert space.pivot == 0 and space.d == 6 and space.n_blocks == 7
    assert space.block_sizes.sum() == 4 * 3 * 2
    rng = np.random.default_rng(1)
    blocks = rng.normal(size=(7, 6, 6)) + 1j * rng.normal(size=(7, 6, 6))
    mask = space.valid[:, :, None] & space.valid[:, None, :]
    blocks = np.where(mask, blocks, 0)
    rho = space.from_blocks(blocks)
    np.testing.assert_allclose(space.to_blocks(rho), blocks)
    jz = collective_ops_full((3, 2, 1))["jz"][1]
    diag = space.jz_diagonal("B1")
    np.testing.assert_allclose(np.trace(jz @ rho), np.einsum("mb,mbb->", diag, blocks))


def test_to_blocks_rejects_interblock_coherence():
    space = ProductDicke((1, 1))
    psi = np.array([0, 1, 1, 0]) / np.sqrt(2)  # |01> + |10>: same M, allowed
    space.to_blocks(np.outer(psi, psi))
    phi = np.array([1, 1, 0, 0]) / np.sqrt(2)  # |00> + |01>: different M
    with pytest.raises(InvalidParameterError):
        space.to_blocks(np.outer(phi, phi))


def test_product_state_and_ladder_values():
    space = ProductDicke((4, 2))
    b = space.product_state([4, 0])
    assert b[4].trace() == 1 and np.sum(np.abs(b)) == 1
    np.testing.assert_allclose(dicke_ladder(4, np.arange(6), "lower"),
                               np.sqrt([0, 4, 6, 6, 4, 0]))
    np.testing.assert_allclose(dicke_ladder(4, np.arange(-1, 5), "raise"),
                               np.sqrt([0, 4, 6, 6, 4, 0]))
