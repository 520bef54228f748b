"""Paper claims vs checks: a claim that does not hold is reported, not a failed reproduction."""

import math

import pytest

from qbattery.experiments.checks import Check, compare, read_checks_csv, summary, write_checks_csv


def test_claim_verdicts_and_summary():
    own = compare("closed form", 1.0, 1.0, atol=1e-12)
    claim_ok = compare("paper says 1/2", 0.5, 0.5, atol=0.01).as_claim()
    claim_bad = compare("paper says 1/4", 0.14, 0.25, atol=0.01, note="exact limit").as_claim()
    assert own.verdict == "pass" and claim_ok.verdict == "holds"
    assert claim_bad.verdict == "does not hold" and not claim_bad.passed
    assert summary([own, claim_ok, claim_bad]) == "1/1 checks passed; 1/2 paper claims hold"
    bad_own = compare("closed form", 1.1, 1.0, atol=1e-12)
    assert bad_own.verdict == "FAIL"


def test_csv_round_trip_keeps_kind_and_note(tmp_path):
    rows = [compare("a", 1.0, 1.0, atol=0.1),
            compare("b", 0.1, 0.25, atol=0.01, note="evidence").as_claim()]
    path = write_checks_csv(tmp_path / "checks.csv", rows)
    header = path.read_text().splitlines()[0]
    assert header.startswith("check,source,expected,computed,tolerance,passed")
    back = read_checks_csv(path)
    assert [c.kind for c in back] == ["check", "claim"]
    assert back[1].note == "evidence" and not back[1].passed
    assert math.isclose(back[1].tolerance, 0.01)


def test_invalid_kind():
    with pytest.raises(ValueError, match="kind"):
        Check("x", "", 1.0, 1.0, 0.0, True, kind="opinion")

