"""derive.calculus: differentiation in index notation, node by node, against SymPy's diff."""

import pytest
import sympy as sp

from derive.calculus import derivative
from derive.catalog import TARGETS
from derive.sizes import BATCH, INPUTS
from derive.errors import RewriteError
from derive.functions import S, T, W, b, i, j, k, l, r, t, x, y, z

N = sp.Symbol("N", integer=True, positive=True)
u = sp.Symbol("u", real=True)


def _symbolic_problem(name):
    target = TARGETS[name]
    options = {}
    if "inputs" in target.options:
        options["inputs"] = INPUTS
    if "batch" in target.options:
        options["batch"] = BATCH
    return target.build(N, **options)


@pytest.mark.parametrize("name", [name for name, t in TARGETS.items() if t.symbolic])
def test_every_target_is_differentiated_as_sympy_does(name):
    """The same expression as ``sp.diff``."""
    problem = _symbolic_problem(name)
    ours = derivative(problem.function, problem.variable)
    theirs = sp.diff(problem.function, problem.variable)
    assert ours == theirs


# (expression, variable): each rule, alone and composed
RULES = [
    (z[k] + 3 * z[j] + y[k], z[j]),                                   # sum, entries
    (z[k] * z[j] * y[j], z[j]),                                       # product
    (z[j] ** 3 / (1 + z[k] ** 2), z[j]),                              # power, quotient
    (z[j] ** z[k], z[j]),                                             # a variable exponent
    (sp.exp(z[j] / T) * sp.log(1 + z[k] ** 2), z[k]),                 # chain rule: exp, log
    (sp.tanh(W[i, r] * x[r] + b[i]), W[i, j]),                        # two indices
    (sp.Sum(W[t, r] * x[r], (r, 1, N)) + b[t], W[i, j]),              # a sum, two indices
    (sp.Sum(sp.Sum(z[k] * z[l], (k, 1, N)), (l, 1, N)), z[j]),        # nested sums
    (sp.exp(z[j] / T) / sp.Sum(sp.exp(z[k] / T), (k, 1, N)), T),      # a symbol variable
    (sp.KroneckerDelta(i, j) * S[i] + y[j], z[j]),                    # nothing depends: 0
    (sp.Derivative(z[j] ** 2, z[j]) * z[k], z[k]),                    # a derivative inside
]


@pytest.mark.parametrize("expr, variable", RULES)
def test_each_rule_agrees_with_sympy(expr, variable):
    ours = derivative(expr, variable)
    theirs = sp.diff(expr.doit() if expr.has(sp.Derivative) else expr, variable)
    assert sp.simplify(ours.doit() - theirs.doit()) == 0


def test_a_bound_index_named_like_the_variable_is_renamed():
    """∂/∂z_k Σ_k e^{z_k} is e^{z_k}, not Σ_k e^{z_k} (which sp.diff gives)."""
    d = derivative(sp.Sum(sp.exp(z[k]), (k, 1, 4)), z[k])
    assert d.xreplace({k: 2}).doit() == sp.exp(z[2])
    assert sp.diff(sp.Sum(sp.exp(z[k]), (k, 1, 4)), z[k]) == \
        sp.Sum(sp.exp(z[k]), (k, 1, 4))   # the trap this rule avoids


@pytest.mark.parametrize("expr, variable, message", [
    (z[j] ** 2, 2 * z[j], "an entry such as z\\[j\\] or a symbol"),
    (sp.Sum(z[k], (k, 1, sp.floor(z[j]))), z[j], "limits .* depend on z\\[j\\]"),
    (z[j] + W[j, k], W[j], "different numbers of indices"),
    (sp.Integral(z[j] * u, (u, 0, 1)), z[j], "no rule to differentiate Integral"),
])
def test_what_has_no_derivative_here_is_refused(expr, variable, message):
    with pytest.raises(RewriteError, match=message):
        derivative(expr, variable)


def test_a_subtree_without_the_variable_is_not_visited():
    """The softmax's denominator, free of y, is not walked when differentiating by y."""
    problem = _symbolic_problem("softmax-cross-entropy-grad")
    assert derivative(problem.function, y[j]) == sp.diff(problem.function, y[j])
    assert derivative(problem.function, x[j]) == 0
