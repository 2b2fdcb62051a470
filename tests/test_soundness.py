"""Verdicts that never lie (issue 20): no "holds" for a wrong or undefined claim, no "fails"
for a right one, no exit 0 that is not a verdict.

One table per class of the issue (the readings of class 2 are in tests/test_readings.py,
the user's code of class 3 in tests/test_user_code.py), then properties: a true result
plus a term that is zero by an identity never fails; plus a nonzero term never holds.
"""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from derive.bounded import run_bounded
from derive.check.definedness import UndefinedClaim
from derive.errors import InputError, InternalError, TooLarge
from derive.functions import S, j, k, y
from derive.verdicts.verify import verify

ROOT = Path(__file__).resolve().parent.parent
CE, J, X = "softmax-cross-entropy-grad", "softmax-jacobian", "cross-entropy-grad"


def derive(*args: str) -> subprocess.CompletedProcess:
    """``derive ARGS`` as a whole process, as a shell would run it."""
    return subprocess.run([sys.executable, str(ROOT / "cli.py"), *args],
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True,
                          text=True, timeout=120)


# --- 1. undefined as written: exit 2, "undefined", with where -----------------------------

# (claim, target, N, where and what): each is undefined somewhere it is asked about, though
# SymPy cancels the culprit while building it.
UNDEFINED = [
    ("(S_j - y_j)(1 - Σ_k S_k)/(1 - Σ_k S_k)", CE, 3, "a division by zero (the divisor 1 − Σ_k S_k"),
    ("(S_j - y_j)(1 - Σ_k S_k)/(1 - Σ_k S_k)", CE, 12, "at N = 12: a division by zero"),
    ("(S_j - y_j)(1 - Σ_k S_k)/(1 - Σ_k S_k)", CE, "N", "at N = 2: a division by zero"),
    ("S_j - y_j + (Σ_k y_k - 1)/(Σ_k y_k - 1) - 1", CE, 4, "under Σ_k y_k = 1: a division by zero"),
    ("S_j - y_j + (Σ_k y_k - 1)/(Σ_k y_k - 1) - 1", CE, 10, "under Σ_k y_k = 1"),
    ("S_j - y_j + log(S_j - S_j) - log(S_j - S_j)", CE, 3, "for every input: the logarithm of 0"),
    ("S_j - y_j + log(0*y_j) - log(0*y_j)", CE, 3, "undefined"),
    ("S_j - y_j + (j - 4)/(j - 4) - 1", CE, 5, "at N = 5, j = 4: a division by zero"),
    ("S_j - y_j + (j - 4)/(j - 4) - 1", CE, "N", "at N = 4, j = 4"),
    ("S_j - y_j + (j - 11)/(j - 11) - 1", CE, 12, "j = 11"),
    # zeros in the size: at the N its equation gives, whatever N the claim names
    ("S_j - y_j + (N^2 - 144)/(N^2 - 144) - 1", CE, "N", "at N = 12: a division by zero "
     "(the divisor N^2 − 144"),
    ("S_j - y_j + (N - 2 j - 10)/(N - 2 j - 10) - 1", CE, "N", "at N = 12, j = 1"),
    # a letter free before a sum rebinds it: the divisor's k is the free one
    ("S_k - y_k + (k - 2)/(k - 2) - 1 + Σ_k 0", CE, 4, "j = 2: a division by zero"),
    # a divisor inside a sum, at every value of the summation index
    ("S_j - y_j + Σ_k ((S_j - S_k)/(S_j - S_k)) - N", CE, 3, "k = 1"),
    ("S_j - y_j + log(-S_j) - log(-S_j)", CE, 3, "the logarithm of a negative number"),
    ("S_j - y_j + sqrt(-S_j) - sqrt(-S_j)", CE, 3, "the square root of a negative number"),
    ("S_j - y_j + log(-1) - log(-1)", CE, 3, "the logarithm of a negative number"),
    ("(S_j - y_j)^2/(S_j - y_j)", CE, 3, "takes both signs"),
    ("(S_j - y_j)^2/(S_j - y_j)", CE, 12, "takes both signs"),
    ("S_j - y_j + y_j/y_j - 1", CE, 3, "y=[0, 1, 0]"),          # one-hot labels
    ("S_j - y_j + log(y_j) - log(y_j)", CE, 3, "the logarithm of 0"),
    ("S_j - y_j + z_j/z_j - 1", CE, 3, "the divisor z_j is 0 at z=[0, 0, 0]"),
    ("S_j - y_j + (S_j - y_j)^(-1) - (S_j - y_j)^(-1)", CE, 3, "a division by zero"),
    ("(S - y)/(S - y) * (S - y)", CE, 3, "the divisor S_j − y_j"),
    ("S_i(δ_ij - S_j) δ_ij/δ_ij", J, 3, "i = 1, j = 2: a division by zero"),
    ("S_i(δ_ij - S_j) (i - j)/(i - j)", J, 3, "i = 1, j = 1"),
    ("S_i(δ_ij - S_j) (i - j)/(i - j)", J, 12, "i = 1, j = 1"),
    ("diag(S) - S Sᵀ + diag(S - S)/diag(S - S) - I", J, 3, "a division by zero"),
    ("-y/S + (S_1 - S_2)/(S_1 - S_2) - 1", X, 3, "a division by zero"),
    # found by review: a sum with a part of the range tells the classes apart
    ("S_j - y_j + 0/(Σ_{k=1}^{N-1} δ_jk)", CE, 4, "j = 4: a division by zero"),
    ("S_j - y_j + 0/(Σ_k δ_jk - 1)", CE, 4, "a division by zero"),
    # zeros in an index or a size that only an equation gives, or past the numbers named
    ("S_j - y_j + 0/(delta(j,1)+delta(j,2)+delta(j,3)+delta(j,4)+delta(j,5)+delta(j,6))", CE,
     "N", "at N = 7, j = 7"),
    ("S_j - y_j + 0*log(10.5 - N)", CE, "N", "at N = 11: the logarithm of a negative number"),
    ("S_j - y_j + 0*sqrt(7.5 - j)", CE, "N", "j = 8: the square root of a negative number"),
    ("S_j - y_j + 0/(j^2 - j - 110)", CE, "N", "at N = 11, j = 11"),
    ("S_j - delta(j, c) + 0/(c^2 - c - 110)", "sparse-softmax-cross-entropy-grad", "N",
     "c = 11"),
    ("(S_i - y_i) x_j + 0/(j^2 - j - 110)", "linear-softmax-cross-entropy-grad", "N",
     "D = 11, j = 11"),
    ("(S_ij - Y_ij)/m + 0*log(3.5 - m)", "batch-softmax-cross-entropy-grad", "N", "m = 4"),
    # a class named in a divisor exists from its N on: tried there, not at a smaller N
    ("S_j - y_j + 0/(S_j - S_3)", CE, "N", "at N = 3, j = 3"),
    ("S_i(δ_ij - S_j) + 0/(S_i - S_4)", J, "N", "at N = 4, i = 4"),
]


@pytest.mark.parametrize("claim, target, n, message", UNDEFINED)
def test_a_claim_undefined_as_written_is_an_input_error(claim, target, n, message):
    with pytest.raises(UndefinedClaim) as error:
        verify(claim, against=target, classes=n)
    assert str(error.value).startswith("the claim is undefined") and message in str(error.value)


def test_the_table_of_undefined_claims_is_large_enough():
    assert len(UNDEFINED) >= 25


@pytest.mark.parametrize("claim, target, n", [
    ("(S_j - y_j)(1 - Σ_k S_k)/(1 - Σ_k S_k)", CE, "N"),
    ("S_j - y_j + (j - 4)/(j - 4) - 1", CE, "5"),
    ("S_j - y_j + log(-S_j) - log(-S_j)", CE, "3"),
])
def test_undefined_is_exit_2_on_one_line(claim, target, n):
    done = derive("check", claim, "--against", target, "-n", n)
    assert done.returncode == 2 and done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("derive: error: the claim is undefined")


def test_a_sympy_claim_keeps_the_divisors_it_was_built_with():
    unevaluated = sp.Mul(S[j] - y[j], sp.Pow(1 - sp.Sum(S[k], (k, 1, 3)), -1),
                         1 - sp.Sum(S[k], (k, 1, 3)), evaluate=False)
    with pytest.raises(UndefinedClaim, match="the divisor 1 − Σ_k S_k"):
        verify(unevaluated, against=CE, classes=3)


# Defined claims stay decided: what the definedness check proves, it does not refuse.
DEFINED = [
    ("-y/S", X, 3, "holds"),
    ("-y_j/S_j", X, "N", "holds"),
    ("S_j - y_j + log(1 - S_j) - log(1 - S_j)", CE, 3, "holds"),   # 1 − S_j > 0 for N ≥ 2
    ("(S_j - y_j) exp(z_j)/exp(z_j)", CE, 12, "holds"),
    ("S_j (1 - S_j)/(1 - S_j) - y_j", CE, "N", "holds"),
    ("S_j - y_j + (N - 1)/(N - 1) - 1", CE, "N", "holds"),   # N = 1 is not asked about
    ("e^(log(S_j)) - y_j", CE, 3, "holds"),
    # log Σ_k y_k is 0 on the labels' hyperplane and undefined off it: it holds there only
    ("S_j - y_j + log(Σ_k y_k)", CE, 4, "holds"),
    ("S_j - y_j + log(Σ_k y_k)", CE, 10, "holds"),
]


@pytest.mark.parametrize("claim, target, n, verdict", DEFINED)
def test_defined_claims_are_decided(claim, target, n, verdict):
    v = verify(claim, against=target, classes=n)
    assert v.verdict == verdict, v
    assert any(m.startswith("defined") for m in v.methods) or "/" not in claim


def test_what_was_cancelled_is_shown_as_read():
    from derive.render.text import verdict_text
    shown = verdict_text(verify("e^(log(S_j)) - y_j", against=CE, classes=3))
    assert "(read as S_j − y_j, where S_j > 0)" in shown


def test_a_claim_defined_only_under_the_assumption_says_so():
    v = verify("S_j - y_j + log(Σ_k y_k)", against=CE, classes=4)
    assert v.holds and v.assumptions
    assert any("without the assumption the claim is undefined" in note for note in v.notes)


# --- 4. a claim that starts with a minus sign is the claim -------------------------------

MINUS = [
    (["check", r"-\hat{y}_j + y_j", "--against", CE], 1, "fails: the sign is flipped"),
    (["check", "-(p_n - y_n)", "--against", CE], 1, "fails: the sign is flipped"),
    (["check", "--against", CE, "-(p_n - y_n)", "-n", "4"], 1, "fails"),
    (["check", "-y/S", "--against", X], 0, "holds"),
    (["check", "--against", X, "--", "-y/S"], 0, "holds"),
    (["check", "-S_i S_j + δ_ij S_i", "--against", J], 0, "holds"),
    (["check", "-help", "--against", CE], 2, "unknown symbol help"),
    (["check", "--against", CE, "--", "-h"], 1, "fails"),   # the claim −h, read
]


@pytest.mark.parametrize("args, status, fragment", MINUS)
def test_a_leading_minus_is_part_of_the_claim(args, status, fragment):
    done = derive(*args)
    assert done.returncode == status, (done.stdout, done.stderr)
    assert fragment in (done.stdout if status != 2 else done.stderr)
    assert "Usage:" not in done.stdout


def test_the_help_option_alone_is_still_the_help():
    done = derive("check", "-h")
    assert done.returncode == 0 and "check [OPTIONS] [CLAIM]" in done.stdout


# --- 5. rounding never makes a right claim fail ------------------------------------------

RIGHT_BUT_ROUNDED = [
    ("S_j - y_j + 1e20*(log S_j - z_j + log(Σ_k exp(z_k)))", CE, 3),
    ("S_j - y_j + 1e20*(log S_j - z_j + log(Σ_k exp(z_k)))", CE, 12),
    ("S_j - y_j + 1e25*(log(1 + exp(z_j)) - z_j - log(1 + exp(-z_j)))", CE, 3),
    ("S_j - y_j + 1e30*(log(exp(z_j)) - z_j)", CE, 4),
    ("S_i(δ_ij - S_j) + 1e20*(log S_i - z_i + log(Σ_k exp(z_k)))", J, 3),
    ("-y_j/S_j + 1e28*(exp(log(S_j)) - S_j)", X, 3),
]


@pytest.mark.parametrize("claim, target, n", RIGHT_BUT_ROUNDED)
def test_rounding_never_makes_a_right_claim_fail(claim, target, n):
    v = verify(claim, against=target, classes=n)
    assert v.verdict in ("holds", "undetermined"), v


# --- 6. a verdict where one is due, every sentence true -----------------------------------

DUE = [
    ("S_j - y_j + 1000 S_6", CE, "N", "fails", "decided at N = 6"),
    ("S_j - y_j + S_9 - S_9 + S_7", CE, "N", "fails", "decided at N = 9"),   # S_9 is named
    ("S - y + 1e-25", CE, 3, "fails", "claimed − expected = 1e-25"),
    ("S - y + 1e-25", CE, 12, "fails", "claimed − expected = 1e-25"),
    ("S_j - y_j + exp(exp(exp(z_j)))", CE, 4, "fails", "expected"),
    ("S_j - y_j + exp(exp(exp(z_j)))", CE, 12, "fails", "expected"),
    ("S_i(δ_ij - S_j) + e^(e^(e^(e^(z_i + 5))))", J, 12, "fails", "expected"),
    ("S_i(δ_ij - S_j) + 1e-30 delta(i, 1) delta(j, 2)", J, 3, "fails", "i=1, j=2"),
]


@pytest.mark.parametrize("claim, target, n, verdict, fragment", DUE)
def test_a_verdict_where_one_is_due(claim, target, n, verdict, fragment):
    from derive.render.text import verdict_text
    v = verify(claim, against=target, classes=n)
    assert v.verdict == verdict, v
    assert fragment in verdict_text(v)
    if verdict == "fails" and v.counterexample is not None:
        ce = v.counterexample
        assert ce.expected != ce.claimed or ce.difference   # never "x, claimed x" alone


@pytest.mark.parametrize("claim, n, message", [
    ("S_j - y_j + S_7 - S_7", 3, "S_7 is not an entry: the classes are 1..3"),
    ("S_j - y_j + 0*y_4", 2, "y_4 is not an entry"),
    ("S_j - y_j + S_7 - S_7", 5, "S_7 is not an entry"),
])
def test_an_entry_cancelled_while_built_must_still_exist(claim, n, message):
    with pytest.raises(InputError, match=message):
        verify(claim, against=CE, classes=n)


def test_a_claim_that_names_an_entry_is_about_the_sizes_where_it_exists():
    v = verify("S_j - y_j + S_7 - S_7", against=CE, classes="N")
    assert v.holds and v.scope == "for all N ≥ 7"


@pytest.mark.parametrize("claim", [
    "S_j Σ_k y_k - y_j + Σ_{k=4}^N 1 - N + 3",   # Σ_{k=4}^{2} is empty, not −1
    "S_j Σ_k y_k - y_j + Σ_{k=5}^N 1 - N + 4",
])
def test_a_sum_over_an_empty_range_sums_nothing(claim):
    v = verify(claim, against=CE, classes="N")
    assert v.verdict == "fails" and v.counterexample.classes == 2
    assert verify(claim, against=CE, classes=2).verdict == "fails"


def test_the_sizes_an_undetermined_verdict_names_are_the_sizes_decided():
    # The rules do not reduce log(exp(S_j)) − S_j; every size tried holds exactly.
    v = verify("S_j - y_j + log(exp(S_j)) - S_j", against=CE, classes="N")
    assert v.verdict in ("holds", "undetermined")
    if v.verdict == "undetermined":
        assert "it holds exactly at N = 2, 3, 4, 5" in v.methods[0]


def test_a_verdict_for_every_n_states_the_targets_smallest_n():
    assert verify("S - y", against=CE, classes="N").scope == "for all N ≥ 2"
    assert verify("σ(z) - y", against="sigmoid-binary-cross-entropy-grad",
                  classes="N").scope == "for all N ≥ 1"


# --- 7. exit statuses: 2 only for the input, 3 too large, 70 a bug ------------------------

def test_a_bug_in_the_worker_is_an_internal_error_not_an_input_error():
    def bug():
        raise KeyError("a bug")
    with pytest.raises(InternalError, match="KeyError"):
        run_bounded(bug, seconds=10)


def test_an_overflow_in_the_worker_is_too_large():
    def overflow():
        raise OverflowError("too many digits in integer")
    with pytest.raises(TooLarge, match="overflowed"):
        run_bounded(overflow, seconds=10)


@pytest.mark.parametrize("error, status, start", [
    (InternalError("internal error in the worker: KeyError: 1"), 70, "derive: internal error"),
    (RuntimeError("a bug"), 70, "derive: internal error"),
    (TooLarge("too large to decide exactly: not done within 1 s"), 3, "derive: undetermined"),
    (InputError("the claim is undefined at N = 3"), 2, "derive: error"),
])
def test_each_kind_of_failure_has_its_exit_status(error, status, start, monkeypatch):
    from click.testing import CliRunner

    from cli import main
    module = sys.modules["derive.verdicts.verify"]

    def raises(*args, **kwargs):
        raise error
    monkeypatch.setattr(module, "verify", raises)
    result = CliRunner().invoke(main, ["check", "S - y", "--against", CE])
    assert result.exit_code == status and result.output.startswith(start), result.output
    assert len(result.output.splitlines()) == 1


def test_the_tower_of_exponentials_is_a_verdict_not_an_error():
    done = derive("check", "S_i(δ_ij - S_j) + e^(e^(e^(e^(z_i + 5))))", "--against", J,
                  "-n", "12")
    assert done.returncode == 1 and done.stdout.startswith("fails"), done.stderr


# --- 8. the Python API's arguments -------------------------------------------------------

BAD_ARGUMENTS = [
    ({"seed": "x"}, "seed must be an integer"),
    ({"seed": -1}, "seed must be an integer"),
    ({"seed": True}, "seed must be an integer"),
    ({"seed": 1.5}, "seed must be an integer"),
    ({"seed": 2**64}, "seed must be an integer"),
    ({"time_limit": "20"}, "the time limit must be a number of seconds"),
    ({"time_limit": float("nan")}, "the time limit must be a number of seconds"),
    ({"time_limit": 0}, "the time limit must be a number of seconds"),
    ({"time_limit": True}, "the time limit must be a number of seconds"),
    ({"classes": 4.0}, "classes must be a number of classes"),
    ({"classes": True}, "classes must be a number of classes"),
    ({"classes": None}, "classes must be a number of classes"),
    ({"classes": np.float64(4)}, "classes must be a number of classes"),
    ({"latex": "yes"}, "latex must be True, False or None"),
    ({"against": 3}, "against must be a target name"),
]


@pytest.mark.parametrize("arguments, message", BAD_ARGUMENTS)
def test_arguments_of_the_wrong_type_are_input_errors(arguments, message):
    from derive.testing import assert_derivative
    with pytest.raises(InputError, match=message):
        verify("S - y", **{"against": CE, **arguments})
    if "latex" not in arguments:
        with pytest.raises(InputError, match=message):
            assert_derivative("S - y", **{"against": CE, **arguments})


@pytest.mark.parametrize("arguments", [
    {"classes": np.int64(4)}, {"classes": np.int32(12)}, {"seed": np.int64(3)},
    {"seed": np.uint64(2**63)}, {"time_limit": np.float64(30)}, {"latex": np.bool_(False)},
])
def test_numpy_numbers_are_numbers(arguments):
    assert verify("S - y", against=CE, **arguments).holds


def test_numpy_sizes_of_a_layer_are_sizes():
    v = verify("(S - y) xᵀ", against="linear-softmax-cross-entropy-grad",
               inputs=np.int64(2), classes=np.int64(3))
    assert v.holds and dict(v.sizes)["D"] == 2


# --- properties: identities never fail, nonzero terms never hold --------------------------

EXAMPLES = int(os.environ.get("DERIVE_FUZZ_EXAMPLES", "60")) // 3 or 1
PROPERTY = settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])

# (target, its true result, terms that are 0 by an identity, terms that are not 0)
TRUE = {
    CE: ("S_j - y_j",
         ["c*(log(exp(U)) - U)", "c*(Σ_k S_k - 1)", "c*(Σ_k δ_jk - 1)", "c*(S_j^2/S_j - S_j)",
          "c*(Σ_k y_k - 1)", "c*(exp(z_j)/Σ_k exp(z_k) - S_j)", "c*((1 - S_j) S_j/(1 - S_j) - S_j)"],
         ["c*S_j", "c*y_j", "c", "c*delta(j, 1)", "c*exp(z_j)", "c*(log(exp(S_j)) - S_j + 1)",
          "c*S_1 S_2", "c*(Σ_k S_k)"]),
    J: ("S_i(δ_ij - S_j)",
        ["c*(log(exp(U)) - U)", "c*(Σ_k S_k - 1)", "c*(δ_ij δ_ij - δ_ij)", "c*(δ_ij S_i - δ_ij S_j)"],
        ["c*S_i", "c*delta(i, 1) delta(j, 2)", "c*(1 - δ_ij)", "c", "c*S_i S_j S_j"]),
    X: ("-y_j/S_j",
        ["c*(log(exp(U)) - U)", "c*(S_j/S_j - 1)", "c*(Σ_k δ_jk - 1)"],
        ["c*y_j", "c/S_j", "c*delta(j, 2)", "c"]),
}
INSIDE = {CE: ["S_j", "y_j", "z_j", "S_j y_j", "1 - S_j"], J: ["S_i", "S_j", "z_i", "S_i S_j"],
          X: ["S_j", "y_j", "S_j y_j"]}
COEFFICIENTS = ["1", "3", "1e20", "(1/7)", "1e-20", "(-2)"]
SIZES = [3, 4, 10, "N"]   # 10: the exact path at scale


@st.composite
def _claims(draw, zero: bool):
    """The true result, a term that is 0 by an identity, and (``zero=False``) a term
    that is not 0: each term a template with a coefficient c and an operand U."""
    target = draw(st.sampled_from(sorted(TRUE)))
    result, zeros, nonzeros = TRUE[target]

    def term(templates) -> str:
        chosen = draw(st.sampled_from(templates))
        chosen = chosen.replace("U", f"({draw(st.sampled_from(INSIDE[target]))})")
        return chosen.replace("c", draw(st.sampled_from(COEFFICIENTS)), 1)

    terms = [term(zeros)] if zero or draw(st.booleans()) else []
    if not zero:
        terms.append(term(nonzeros))
    return target, " + ".join([result, *terms]), draw(st.sampled_from(SIZES))


@PROPERTY
@given(_claims(zero=True))
def test_a_true_result_plus_a_zero_never_fails(case):
    target, claim, n = case
    v = verify(claim, against=target, classes=n)
    assert v.verdict in ("holds", "undetermined"), (claim, n, v)


@PROPERTY
@given(_claims(zero=False))
def test_a_true_result_plus_a_nonzero_term_never_holds(case):
    target, claim, n = case
    v = verify(claim, against=target, classes=n)
    assert v.verdict in ("fails", "undetermined"), (claim, n, v)


def test_a_diagnosis_is_a_fact_not_a_sample():
    # |z_j| − z_j is 0 for positive logits only: at sample points with z_c > 0 it could
    # look "right at the target class"; decided exactly, it is no such thing.
    v = verify("sqrt(z_j^2) - z_j + S_j - y_j", against=CE, classes=3)
    assert v.verdict == "fails" and "target class" not in (v.diagnosis or "")
    assert "target class" in verify("S_j - 1", against=CE, classes=3).diagnosis


@pytest.mark.parametrize("claim, target, n, said", [
    # what the values at points suggest, but the claim is not
    ("(S - y)*(0.5 + 1e-30*z_1)", CE, 3, "no common mistake holds exactly"),
    ("(S - y)*(0.5 + 1e-30*z_1)", CE, 12, "no common mistake holds exactly"),
    ("-(S_j - y_j) + 1e-30*z_j", CE, 3, "no common mistake holds exactly"),
    ("δ_ij - S_i + 1e-30*z_i", "log-softmax-jacobian", 3, "no common mistake holds exactly"),
    ("(σ(z) - y)*(1/N + (N-2)*(N-3)/100)", "sigmoid-binary-cross-entropy-grad", "N",
     "at N = 2 and 3: off by a factor of 1/N"),
    # and what it is, proved
    ("(S - y)/2", CE, 3, "off by a constant factor: your formula is 1/2 × the derivative"),
    ("(S - y)/2", CE, 12, "off by a constant factor: your formula is 1/2"),
    ("(S - y)/2", CE, "N", "off by a constant factor: your formula is 1/2"),
    ("(σ(z) - y)/N", "sigmoid-binary-cross-entropy-grad", "N", "off by a factor of 1/N"),
])
def test_a_diagnosis_is_said_only_as_far_as_it_is_proved(claim, target, n, said):
    v = verify(claim, against=target, classes=n)
    assert v.verdict == "fails" and v.diagnosis.startswith(said), v.diagnosis


# ---- sums that bind an index of a batch row, or a limit of another sum ----------------

BATCH = "batch-softmax-cross-entropy-grad"
BOUND_LETTERS = [
    # S_kj in a sum over k is row k's softmax, not e^{Z_kj}/Σ_k e^{Z_kk} (the row's own
    # sum must not capture the claim's letter): false, so never "holds" …
    ("(S_{ij} - Y_{ij})/m + Σ_k S_{kj} - Σ_l exp(Z_{lj}) / Σ_l exp(Z_{ll})", 3, 3, "fails"),
    # … and every row of S sums to 1, so with N = m rows this is the gradient
    ("(S_{ij} - Y_{ij})/m + Σ_k Σ_l S_{kl} - N", 3, 3, "holds"),
    ("(S_{ij} - Y_{ij})/m + Σ_k Σ_l S_{kl} - N", 9, 9, "holds"),
]


@pytest.mark.parametrize("claim, n, batch, verdict", BOUND_LETTERS)
def test_a_row_of_the_batch_named_by_a_summed_letter_is_that_row(claim, n, batch, verdict):
    assert verify(claim, against=BATCH, classes=n, batch=batch).verdict == verdict


@pytest.mark.parametrize("classes, batch", [(9, 2), (4, 2), ("N", None)])
def test_a_sum_over_the_classes_cannot_index_the_examples(classes, batch):
    """Σ_k S_kj sums k over 1..N, but k is a row of S (1..m): no entry past m."""
    with pytest.raises(InputError, match="k indexes the examples of S"):
        verify("(S_{ij} - Y_{ij})/m + Σ_k S_{kj} - 1", against=BATCH, classes=classes,
               **({"batch": batch} if batch else {}))


@pytest.mark.parametrize("classes, verdict", [(4, "holds"), (9, "holds"),
                                              ("N", "undetermined")])
def test_a_limit_that_names_an_outer_index_is_written_out_in_turn(classes, verdict):
    """Σ_l Σ_{k=l}^N δ_kl y_k = Σ_l y_l: at a concrete N written out, outer sum first."""
    v = verify("S_j Σ_l Σ_{k=l}^{N} δ_kl y_k - y_j", against="softmax-cross-entropy-grad",
               classes=classes)
    assert v.verdict == verdict


# ---- claims the one strategy decides for every N (found by a review of that change) ----

TEMPERATURE = "temperature-softmax-jacobian"
FOR_EVERY_N = [
    # e^{(z_i + z_j)/T} = e^{z_i/T} e^{z_j/T}: SymPy keeps the left whole; true claims hold
    # at every N, proved for N and decided exactly at N = 2 (never "fails … a proof").
    ("S_i (δ_ij − S_j)/T + exp((z_i+z_j)/T) - exp(z_i/T)*exp(z_j/T)", TEMPERATURE, {}, "holds"),
    ("(δ_ij exp(z_i/T) Σ_k exp(z_k/T) - exp((z_i+z_j)/T))/(T (Σ_k exp(z_k/T))^2)",
     TEMPERATURE, {}, "holds"),
    ("S_i (δ_ij − S_j)/T + exp((z_i - z_j)/T) - exp(z_i/T)/exp(z_j/T)", TEMPERATURE, {},
     "holds"),
    ("S_i (δ_ij − S_j)/T + (z_i - z_j)/T - z_i/T + z_j/T", TEMPERATURE, {}, "holds"),
    # √((T − 1)²) = |T − 1|, which is 1 − T for T < 1: false, decided, not a crash.
    ("S_i (δ_ij − S_j)/T + sqrt((T-1)^2) - T + 1", TEMPERATURE, {}, "fails"),
    # A batch of a given size m: (S − Y)/3 is the derivative (S − Y)/m at m = 3.
    ("(S_ij - Y_ij)/3", BATCH, {"batch": 3}, "holds"),
    ("S_ij - Y_ij", BATCH, {"batch": 1}, "holds"),
    ("(S_ij - Y_ij)/2", BATCH, {"batch": 3}, "fails"),
]


@pytest.mark.parametrize("claim, target, options, verdict", FOR_EVERY_N)
@pytest.mark.parametrize("classes", ["N", 2])
def test_claims_decided_for_every_n_and_at_two(claim, target, options, verdict, classes):
    assert verify(claim, against=target, classes=classes, **options).verdict == verdict


def test_a_sum_in_a_claim_runs_over_what_it_indexes():
    # Σ_r without limits runs over the classes; x is over the inputs: refused, not compared.
    with pytest.raises(InputError, match=r"Σ_r runs over 1..N but x is over 1..D"):
        verify("(1 - h_i^2) W_ij + Σ_r x_r", of="h_i = tanh(W x + b)_i", wrt="x",
               classes="N")
    with pytest.raises(InputError, match=r"W is used over different extents, N×N and N×D"):
        verify("(1 - tanh(Σ_r W_ir x_r + b_i)^2) W_ij", of="h_i = tanh(W x + b)_i", wrt="x",
               classes="N")
    assert verify("(1 - tanh(Σ_{r=1}^{D} W_ir x_r + b_i)^2) W_ij", of="h_i = tanh(W x + b)_i",
                  wrt="x", classes="N").verdict == "holds"
