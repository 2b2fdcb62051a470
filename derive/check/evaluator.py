"""The exact evaluator: values and derivatives of index-notation expressions at a concrete
N, as Laurent polynomials in atoms, and the zero test that decides a difference.

Atoms are the variables (``z_3``, ``y_5``, ``T``), the exponentials of monomials
(``e_3 = exp(z_3)``), and one atom for each sum that is divided by or whose logarithm is
taken; a softmax output is the two-term monomial ``e_i s⁻¹``.  Derivatives follow the chain
rule node by node (forward, or one reverse sweep for a whole gradient).  Whether a
difference is zero is decided by :mod:`derive.check.decision`; an interval enclosure of a
value at a point is :func:`derive.check.intervals.enclosure`.  See
:mod:`derive.check.exact` for the check built on it.
"""

from __future__ import annotations

import math
from fractions import Fraction

import sympy as sp

from .decision import Decision
from .polynomials import (_ONE, MAX_TERMS, Undefined, Unsupported, _add, _add_into, _constant,
                          _key, _monomial_inverse, _mul)

__all__ = ["Evaluator", "zero_test", "is_zero"]


# An adjoint of more terms than this, handed to a sum of more terms than this, becomes an
# atom (Evaluator.gradient): N entries of N terms each would be N² work.
_SHARED_TERMS = 4


# --- the evaluator ------------------------------------------------------------------


class Evaluator(Decision):
    """Values and derivatives of index-notation expressions for one concrete problem
    (and, from :class:`~derive.check.decision.Decision`, the zero test of a difference).

    ``value(expr, env)`` and ``derivative(expr, env, variable)`` take the values of the
    free indices in ``env`` (``{i: 2, j: 5}``); results are memoised per node and per the
    values of the indices the node contains, so a node shared by all entries (the
    softmax's denominator) is evaluated once, and differentiated once per variable.
    """

    def __init__(self, problem, n: int):
        self.problem, self.n = problem, n   # problem None: expressions without indices
        self.parameters = {symbol: sp.Integer(v) for symbol, v in problem.parameters} \
            if problem is not None else {}
        self._index_set = set(problem.indices) if problem is not None else set()
        # A node with every index of an entry free has one value per entry (≥ 2 indices:
        # a value with one is shared by a row or a column).
        self._entry_width = len(self._index_set) if len(self._index_set) > 1 else -1
        self.atoms: dict[tuple, int] = {}        # key → atom number
        self.names: list[str] = []               # atom number → a readable name
        self.definitions: dict[int, dict] = {}   # sum atom → its polynomial
        self.kinds: list[tuple] = []             # atom number → its key (what it stands for)
        self.leaves: dict[tuple, int] = {}       # (family, indices) → atom
        self._values: dict = {}
        self._derivatives: dict = {}
        self._variable = None
        self._indices: dict = {}                 # id(node) → its free indices
        self._kept: list = []                    # the nodes those ids belong to
        self._reciprocals: dict = {}
        self._families: dict = {}
        self._names: dict = {}
        self.logs: dict[int, dict] = {}          # log atom → its argument
        self._nonzero: set = set()               # sums shown not to be 0 (denominators)
        self._start_deciding()
        self._gradients: dict = {}               # shared node, family → its gradient

    # Which free indices a node contains (cached: SymPy recomputes free_symbols).  The
    # memos are keyed by the node's identity, not its value: two equal N-term sums that
    # are different objects (the claim's, built by SymPy; the construction's, written out
    # unevaluated) would otherwise be compared term by term at every lookup.  The nodes
    # are kept (``_kept``) so that an identity is never reused while the memo lives.
    def _free(self, node: sp.Basic) -> tuple:
        """The free indices of ``node``, sorted; with the leaf names it contains (in
        ``_names``), computed bottom-up once per node — SymPy's ``free_symbols`` is not
        cached, and a written-out cross-entropy shares one N-term sum among N terms."""
        found = self._indices.get(id(node))
        if found is None:
            if node.is_Symbol:
                free = {node} if node in self._index_set else set()
                names = set() if free or node in self.parameters else {node.name}
            elif isinstance(node, sp.Indexed):
                free = {a for index in node.indices for a in self._free(index)}
                names = {self._family(node)}
            else:
                free, names = set(), set()
                for arg in node.args:
                    free.update(self._free(arg))
                    names |= self._names[id(arg)]
            self._kept.append(node)
            found = self._indices[id(node)] = tuple(sorted(free, key=str))
            self._names[id(node)] = frozenset(names)
        return found

    def _memo_key(self, node, env, free: tuple | None = None):
        if free is None:
            free = self._indices.get(id(node)) or self._free(node)
        if not free:
            return id(node)
        if len(free) == 1:   # the common case, without a generator
            return (id(node), env[free[0]])
        return (id(node), *(env[s] for s in free))

    def _family(self, node: sp.Indexed) -> str:
        name = self._families.get(node.base)
        if name is None:   # str() goes through SymPy's printer: once per family
            name = self._families[node.base] = str(node.base)
        return name

    def atom(self, key: tuple, name: str, definition: dict | None = None) -> dict:
        number = self.atoms.get(key)
        if number is None:
            number = self.atoms[key] = len(self.names)
            self.names.append(name)
            self.kinds.append(key)
            if definition is not None:
                self.definitions[number] = definition
        return {((number, 1),): 1}

    def leaf(self, family: str, indices: tuple) -> int:
        key = (family, indices)
        number = self.leaves.get(key)
        if number is None:
            self.atom(("leaf", family, indices), f"{family}_{'_'.join(map(str, indices))}")
            number = self.leaves[key] = self.atoms[("leaf", family, indices)]
        return number

    def _index(self, index, env) -> int:
        if index.is_Integer:
            return int(index)
        if index in env:
            return env[index]
        value = index.xreplace(env)
        if not value.is_Integer:
            raise Unsupported(f"the index {index} has no value")
        return int(value)

    def _power(self, base: dict, exponent: int, node, env) -> dict:
        if exponent > 1 and len(base) > 1 and \
                math.comb(len(base) + exponent - 1, exponent) > MAX_TERMS:
            # (Σ_k S_k)^6 at N = 30 has 1.6 million terms written out: the sum becomes an
            # atom, which the modular residue of decide() evaluates without writing out.
            base = self.atom(("sum", _key(base)), f"s{len(self.names)}", base)
        if exponent >= 0:
            out = _constant(1)
            for _ in range(exponent):
                out = _mul(out, base)
            return out
        if not base:
            raise Undefined("a division by zero (a denominator that is 0 at this entry)")
        inverse = _monomial_inverse(base)
        if inverse is None:   # a sum in a denominator: an atom of its own
            key = ("sum", _key(base))
            if key not in self._nonzero:
                self._never_zero(base, "a division by zero: a denominator")
                self._nonzero.add(key)
            inverse = _monomial_inverse(self.atom(key, f"s{len(self.names)}", base))
        else:   # one term: each of its atoms must be nonzero, (Σ_k S_k − 1)^6 kept whole
            (mono, _c), = base.items()
            for atom, _e in mono:
                self._atom_never_zero(atom)
        return self._power(inverse, -exponent, node, env)

    def _atom_never_zero(self, atom: int) -> None:
        """A sum atom (a large power's base) or a log atom (``log Σ_k y_k``) in a
        denominator must not be 0; leaves and exponentials never are (a leaf that is 0
        is the user's point, not an identity)."""
        kind = self.kinds[atom]
        if kind[0] not in ("sum", "log") or ("atom", atom) in self._nonzero:
            return
        if kind[0] == "sum":
            self._never_zero(self.definitions[atom], "a division by zero: a denominator")
        else:
            argument = _add(self.logs[atom], _constant(1), -1)   # log u = 0 where u = 1
            self._never_zero(argument, "a division by zero: a logarithm")   # "… is 0"
        self._nonzero.add(("atom", atom))

    def _never_zero(self, p: dict, what: str) -> None:
        """Refuse a sum that is 0 — identically once the sums in it are written out, or
        under the target's assumptions (``1 − Σ_k y_k``): treated as an atom, it would
        make a formula that is undefined everywhere hold (``(1 − Σ_k S_k)/(1 − Σ_k S_k)``
        is 0/0, not 1).  A nonzero residue at a random point proves it nonzero without
        writing its sums out (``(Σ_k e_k)^6 + 1`` at N = 30)."""
        assumptions = self.problem.assumptions if self.problem is not None else ()
        if self._residue(p, ()) not in (0, None) and (
                not assumptions or self._residue(p, assumptions) not in (0, None)):
            return
        expanded = self.expand(p)
        if not expanded:
            raise Undefined(f"{what} that is 0 identically")
        if assumptions and not self.assume(expanded, assumptions):
            raise Undefined(f"{what} that is 0 under the assumption "
                            f"{', '.join(a.text for a in assumptions)}")

    def value(self, node: sp.Basic, env: dict) -> dict:
        """The Laurent polynomial of ``node`` at the index values ``env``."""
        free = self._indices.get(id(node))
        if free is None:
            free = self._free(node)
        if len(free) == self._entry_width:   # one value per entry: memoising is waste
            return self._value(node, env)
        key = self._memo_key(node, env, free)
        found = self._values.get(key)
        if found is None:
            found = self._values[key] = self._value(node, env)
        return found

    def entrywise(self, node: sp.Basic):
        """A function ``env → value(node, env)`` for evaluating ``node`` at every entry.

        The nodes with every index of an entry free (the spine of a claim: the product and
        sum around ``δ_ij``) have a new value at each entry; they are read once here into
        closures, so that the N² evaluations of a Jacobian's claim do not dispatch on
        SymPy's node classes again at each entry.  Below the spine, :meth:`value` and its
        memo (one value per row or column) do the work, with the same rules.

        >>> from derive.catalog import get_target
        >>> from derive.functions import i, j
        >>> evaluator = Evaluator(get_target("softmax-jacobian").problem(3), 3)
        >>> at = evaluator.entrywise(sp.KroneckerDelta(i, j) - 2)
        >>> at({i: 1, j: 1}), at({i: 1, j: 2})
        ({(): -1}, {(): -2})
        """
        free = self._free(node)
        if len(free) != self._entry_width:
            return lambda env: self.value(node, env)
        if node.is_Mul or node.is_Add:
            # The factors of S_i = e^{z_i}/Σ_k e^{z_k} in S_i(δ_ij − S_j) have one value
            # per row: multiplied once per row (memoised), not once per entry.
            spine, by_free = [], {}
            for arg in node.args:
                if len(self._free(arg)) == self._entry_width:
                    spine.append(arg)
                else:
                    by_free.setdefault(self._indices[id(arg)], []).append(arg)
            if () in by_free and len(by_free) > 1:   # a constant joins a row's factors
                constant = by_free.pop(())
                by_free[next(iter(by_free))] += constant
            args = spine + [group[0] if len(group) == 1 else
                            node.func(*group, evaluate=False) for group in by_free.values()]
            first, *rest = [self.entrywise(arg) for arg in args]
            combine = _mul if node.is_Mul else _add

            def folded(env):
                out = first(env)
                for part in rest:
                    out = combine(out, part(env))
                return out
            return folded
        if isinstance(node, sp.KroneckerDelta):
            a, b = node.args
            if a.is_Symbol and b.is_Symbol:   # δ_ij: no index arithmetic
                one, zero = _constant(1), {}
                return lambda env: one if env[a] == env[b] else zero
        return lambda env: self._value(node, env)

    def _value(self, node, env) -> dict:
        if node.is_Mul:   # the commonest nodes first
            out = _constant(1)
            for factor in node.args:
                out = _mul(out, self.value(factor, env))
            return out
        if node.is_Add:
            out = {}
            for term in node.args:
                out = _add(out, self.value(term, env))
            return out
        if node is sp.E:
            return self._euler()
        if node.is_Number:
            if node.is_Rational:
                return _constant(Fraction(int(node.p), int(node.q)))
            raise Unsupported(f"the number {node} is not rational")   # pi, floats
        if isinstance(node, sp.Indexed):
            indices = tuple(self._index(a, env) for a in node.indices)
            return {((self.leaf(self._family(node), indices), 1),): 1}
        if isinstance(node, sp.KroneckerDelta):
            a, b = (self._index(x, env) for x in node.args)
            return _constant(1 if a == b else 0)
        if node.is_Symbol:
            if node in self.parameters:
                return self.value(self.parameters[node], env)
            if node in self._index_set:
                raise Unsupported(f"the index {node} stands as a value")
            return {((self.leaf(node.name, ()), 1),): 1}
        if node.is_Pow:
            exponent = node.exp
            if not exponent.is_Integer:
                raise Unsupported("a power with a non-integer exponent (such as a square "
                                  "root) has no exact rule here")
            return self._power(self.value(node.base, env), int(exponent), node, env)
        if isinstance(node, sp.exp):
            return self._exponential(self.value(node.args[0], env))
        if isinstance(node, sp.Derivative):   # ∂L/∂W_ij of a step, by the chain rule here
            counts = node.variable_count
            variable = counts[0][0]
            if len(counts) != 1 or counts[0][1] != 1 or \
                    not isinstance(variable, (sp.Indexed, sp.Symbol)) or \
                    variable in self.parameters or variable in self._index_set:
                raise Unsupported("a derivative that is not first order in one variable")
            if isinstance(variable, sp.Indexed):
                indices = tuple(self._index(a, env) for a in variable.indices)
                leaf = self.leaf(self._family(variable), indices)
            else:
                leaf = self.leaf(variable.name, ())
            return self.derivative(node.expr, env, leaf)
        if isinstance(node, sp.log):
            argument = node.args[0]
            if isinstance(argument, sp.exp):   # every variable is real
                return self.value(argument.args[0], env)
            inside = self.value(argument, env)
            minus_one = _add(inside, _constant(1), -1)   # log 1 = 0, e.g. log Σ_k S_k
            if self._residue(minus_one, ()) in (0, None) and not self.expand(minus_one):
                return {}
            if ("log", _key(inside)) not in self.atoms:
                self._never_zero(inside, "the logarithm of 0: an argument")
            log = self.atom(("log", _key(inside)), f"log{len(self.names)}", None)
            self.logs[next(iter(log))[0][0]] = inside
            return log
        raise Unsupported(f"the function {type(node).__name__} has no exact rule here")

    def _euler(self) -> dict:
        """Euler's number as an atom of its own: e is transcendental, and the e_m =
        exp(z_m) are algebraically independent over the reals, so a polynomial in e and
        the e_m is zero as a function exactly when it is the zero polynomial."""
        return self.atom(("const", "E"), "e")

    def _exponential(self, argument: dict) -> dict:
        """``exp(Σ c_t u_t) = Π exp(u_t)^{c_t}`` for integer ``c_t``: one atom per monomial,
        so that ``exp(−z_3)`` is ``e_3⁻¹`` and ``exp(z_1 + z_2)`` is ``e_1 e_2``."""
        out = _constant(1)
        for mono, c in argument.items():
            if mono == _ONE:   # exp(z_j + 2) = e_j · e²: a power of Euler's number
                if c and not isinstance(c, int):
                    raise Unsupported("exp of a constant that is not an integer")
                if c:
                    out = _mul(out, self._power(self._euler(), c, None, None))
                continue
            if isinstance(c, int):
                e = self.atom(("exp", mono), "exp(" + "·".join(
                    self.names[a] + (f"^{p}" if p != 1 else "") for a, p in mono) + ")")
                out = _mul(out, self._power(e, c, None, None) if c > 0 else
                           {((next(iter(e))[0][0], c),): 1})
            else:
                e = self.atom(("exp", mono, c), f"exp({c}·…)")
                out = _mul(out, e)
        return out

    # --- derivatives ---------------------------------------------------------------

    def derivative(self, node: sp.Basic, env: dict, variable: int) -> dict:
        """∂ node / ∂ (the leaf atom ``variable``), as a Laurent polynomial."""
        if variable != self._variable:   # memoised per variable; keep one at a time
            self._variable, self._derivatives = variable, {}
            self._variable_name = self.kinds[variable][1]
        key = self._memo_key(node, env)
        if self._variable_name not in self._names[id(node)]:   # no leaf of its family: 0
            return {}
        memo = self._derivatives   # this variable's: a Derivative inside may switch it
        found = memo.get(key)
        if found is None:
            found = memo[key] = self._derivative(node, env, variable)
        return found

    def _derivative(self, node, env, v) -> dict:
        if node.is_Number or node is sp.E or isinstance(node, sp.KroneckerDelta):
            return {}
        if isinstance(node, sp.Indexed):
            indices = tuple(self._index(a, env) for a in node.indices)
            return _constant(1 if self.leaf(self._family(node), indices) == v else 0)
        if node.is_Symbol:
            if node in self.parameters or node in self._index_set:
                return {}
            return _constant(1 if self.leaf(node.name, ()) == v else 0)
        if node.is_Add:
            out: dict = {}
            for term in node.args:
                out = _add(out, self.derivative(term, env, v))
            return out
        if node.is_Mul:   # the product rule
            factors = node.args
            out = {}
            for m, factor in enumerate(factors):
                d = self.derivative(factor, env, v)
                if not d:
                    continue
                for other in factors[:m] + factors[m + 1:]:
                    d = _mul(d, self.value(other, env))
                out = _add(out, d)
            return out
        if node.is_Pow:   # d bᵏ = k bᵏ⁻¹ db
            d = self.derivative(node.base, env, v)
            if not d:
                return {}
            k = int(node.exp)
            below = (self._power(self.reciprocal(node.base, env), 1 - k, node, env) if k < 0
                     else self._power(self.value(node.base, env), k - 1, node, env))
            return _mul(_constant(k), _mul(below, d))
        if isinstance(node, sp.exp):   # d exp(u) = exp(u) du
            d = self.derivative(node.args[0], env, v)
            return _mul(self.value(node, env), d) if d else {}
        if isinstance(node, sp.log):   # d log u = du / u
            return self._log_derivative(node.args[0], env, v)
        raise Unsupported(f"the function {type(node).__name__} has no exact rule here")

    def gradient(self, node: sp.Basic, env: dict, family: str) -> dict[int, dict]:
        """∂ node / ∂ (every leaf of ``family``) at once: leaf atom → Laurent polynomial,
        leaves with a zero derivative left out.

        One reverse sweep (backpropagation) over the nodes of ``node`` that contain the
        family, each visited once: a gradient costs about the size of the expression, not
        that size times the number of variables — the cross-entropy at N = 1024 is one
        pass over its N terms, not N passes.  The rules are those of :meth:`derivative`
        (``d log u`` through products, powers and exponentials term by term).  An adjoint
        of many terms that is handed to the many terms of a sum (the softmax's
        denominator receives ``Σ_k y_k / s``) becomes an atom with that definition, as a
        divided sum does, so that every entry stays a few terms long; the zero test
        writes it out when it must (:meth:`expand`).

        Raises Unsupported for a node it has no rule for (a ``Derivative``): the caller
        differentiates forward instead.
        """
        self._free(node)
        order: list = []
        seen: set = set()
        stack = [(node, False)]
        while stack:   # depth first, each node after the nodes below it
            current, done = stack.pop()
            if done:
                order.append(current)
                continue
            if id(current) in seen or family not in self._names[id(current)]:
                continue
            seen.add(id(current))
            stack.append((current, True))
            # Below a leaf are its indices; below a node shared by every entry (no free
            # index: the softmax's denominator), its own gradient, computed once.
            if not isinstance(current, sp.Indexed) and not (
                    current is not node and not self._indices[id(current)]
                    and len(current.args) > _SHARED_TERMS):
                stack.extend((arg, False) for arg in current.args)
        adjoints: dict[int, dict] = {id(node): {_ONE: 1}}
        gradient: dict[int, dict] = {}

        def push(child, p: dict) -> None:
            if not p or family not in self._names[id(child)]:
                return
            held = adjoints.get(id(child))
            if held is None:
                adjoints[id(child)] = dict(p)   # a copy: p may be a memoised value
            else:
                _add_into(held, p)

        def push_log(argument, p: dict) -> None:   # d log u, as in _log_derivative
            if family not in self._names[id(argument)]:
                return
            if isinstance(argument, sp.exp):
                push(argument.args[0], p)
            elif argument.is_Mul:
                for factor in argument.args:
                    push_log(factor, p)
            elif argument.is_Pow and argument.exp.is_Integer:
                push_log(argument.base, _mul(_constant(int(argument.exp)), p))
            else:
                push(argument, _mul(p, self.reciprocal(argument, env)))

        for current in reversed(order):   # every node before the nodes below it
            a = adjoints.pop(id(current), None)
            if not a:
                continue
            if len(a) > _SHARED_TERMS and len(current.args) > _SHARED_TERMS and \
                    not isinstance(current, sp.Indexed):   # handed to many: an atom
                a = self.atom(("sum", _key(a)), f"s{len(self.names)}", a)
            if current is not node and not self._indices[id(current)] \
                    and len(current.args) > _SHARED_TERMS and \
                    not isinstance(current, sp.Indexed):   # by its own gradient
                shared = self._gradients.get((id(current), family))
                if shared is None:
                    shared = self._gradients[(id(current), family)] = \
                        self.gradient(current, {}, family)
                for leaf, g in shared.items():
                    held = gradient.get(leaf)
                    if held is None:
                        gradient[leaf] = _mul(a, g)
                    else:
                        _add_into(held, _mul(a, g))
                continue
            if isinstance(current, sp.Indexed) or current.is_Symbol:
                if current.is_Symbol and (current in self.parameters
                                          or current in self._index_set):
                    continue
                leaf = (self.leaf(self._family(current), tuple(
                    self._index(x, env) for x in current.indices))
                    if isinstance(current, sp.Indexed) else self.leaf(current.name, ()))
                if self.kinds[leaf][1] == family:
                    held = gradient.get(leaf)
                    if held is None:
                        gradient[leaf] = a
                    else:
                        _add_into(held, a)
            elif current.is_Add:
                for term in current.args:
                    push(term, a)
            elif current.is_Mul:
                factors = current.args
                for m, factor in enumerate(factors):
                    if family not in self._names[id(factor)]:
                        continue
                    p = a
                    for other in factors[:m] + factors[m + 1:]:
                        p = _mul(p, self.value(other, env))
                    push(factor, p)
            elif current.is_Pow and current.exp.is_Integer:
                k = int(current.exp)
                below = (self._power(self.reciprocal(current.base, env), 1 - k, current, env)
                         if k < 0 else self._power(self.value(current.base, env), k - 1,
                                                   current, env))
                push(current.base, _mul(_constant(k), _mul(below, a)))
            elif isinstance(current, sp.exp):
                push(current.args[0], _mul(self.value(current, env), a))
            elif isinstance(current, sp.log):
                push_log(current.args[0], a)
            elif current.is_Number or isinstance(current, sp.KroneckerDelta):
                continue
            else:
                raise Unsupported(f"no reverse rule for {type(current).__name__}")
        return gradient

    def _log_derivative(self, node, env, v) -> dict:
        """``d log(node)``: through products and powers term by term, ``d log exp(u) = du``,
        so that ``log(e_k/s)`` gives ``δ_kj − e_j/s`` without a quotient by ``e_k/s``."""
        if isinstance(node, sp.exp):
            return self.derivative(node.args[0], env, v)
        if node.is_Mul:
            out: dict = {}
            for factor in node.args:
                out = _add(out, self._log_derivative(factor, env, v))
            return out
        if node.is_Pow and node.exp.is_Integer:
            return _mul(_constant(int(node.exp)), self._log_derivative(node.base, env, v))
        d = self.derivative(node, env, v)
        if not d:
            return {}
        return _mul(d, self.reciprocal(node, env))

    def reciprocal(self, node: sp.Basic, env: dict) -> dict:
        """``1/node`` (an atom for a sum), memoised like values: a denominator shared by
        every entry is looked up once, not once per entry."""
        key = self._memo_key(node, env)
        found = self._reciprocals.get(key)
        if found is None:
            found = self._reciprocals[key] = self._power(self.value(node, env), -1, node, env)
        return found


def zero_test(expr: sp.Expr) -> bool | None:
    """Whether ``expr`` (no free indices; variables as leaves) is zero: ``True`` and
    ``False`` are proofs, ``None`` means undecided here (the caller asks SymPy).

    A nonzero difference is reported only when the atoms are independent
    (:meth:`Evaluator.independent`): the atoms ``log u`` are taken as independent, which
    the logarithms of related arguments are not (``log(e_1 e_2) = log e_1 + log e_2``).

    >>> e1, e2 = sp.symbols("e_1 e_2", positive=True)
    >>> zero_test(e1/(e1 + e2) - 1 + e2/(e1 + e2)), zero_test((e1/(e1 + e2))**8 + sp.E)
    (True, False)
    """
    evaluator = Evaluator(None, 0)
    try:
        how = evaluator.decide(evaluator.value(expr, {}))
    except Unsupported:
        return None
    if how != "differs":
        return True
    return False if evaluator.independent() else None


def is_zero(expr: sp.Expr) -> bool:
    """True when ``expr`` (no free indices) is zero as a rational function of its atoms,
    by the test of :func:`check_exactly` without assumptions; False when that test does
    not show it (the caller then asks SymPy: a False is not a proof of nonzero).

    Much cheaper than ``cancel(together(expr)) == 0`` on the rational functions of
    ``e_m = exp(z_m)`` that the step checks compare.

    >>> e1, e2 = sp.symbols("e_1 e_2", positive=True)
    >>> is_zero(e1/(e1 + e2) * (1 - e1/(e1 + e2)) - e1*e2/(e1 + e2)**2)
    True
    """
    return zero_test(expr) is True   # False: nonzero, or undecided here (SymPy decides)
