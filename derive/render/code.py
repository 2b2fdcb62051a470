"""NumPy code from a derivation: the index form, vectorised by broadcasting.

Every free index of the result is an axis (the rows, then the columns: ``S_i(δ_ij − S_j)``
is ``S[..., :, None] * (np.eye(N) - S[..., None, :])``); a sum adds an axis for its bound
index and sums it out; ``δ_ij`` is an identity, ``δ_jc`` a one-hot of the label.  Leading
axes ``...`` are points: the same function takes one example or a stack of them.  The
intermediates the result names are computed stably from the inputs, in the order the
definition gives them: a softmax by max-subtraction, ``log S`` as a log-softmax
(``u − logsumexp(u)``), σ on the branch that cannot overflow.

The printer writes what the derivation says and nothing it does not: the code is then
run against the derivation before anyone sees it (:mod:`derive.generated`).

>>> from derive.derivation import derivation
>>> print(numpy_expression(derivation("softmax-jacobian", "N")))
S[..., :, None] * (np.eye(N) - S[..., None, :])
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass

import sympy as sp

from ..errors import InputError
from ..functions import sigmoid, softplus
from ..read.defined import free_indices

__all__ = ["numpy_source", "numpy_expression", "function_name", "CodeError", "Dialect",
           "NUMPY", "TORCH", "DIALECTS"]


class CodeError(InputError):
    """A result with a node the code printer has no vectorised form for."""


# Python names of constants a definition may use (λ is a keyword).
_NAMES = {"lambda": "lam", "λ": "lam"}
_PRECEDENCE = {"atom": 3, "power": 2, "product": 1, "sum": 0}


@dataclass(frozen=True)
class Dialect:
    """What differs between the NumPy and the PyTorch code of one result: the module and
    its import, the keyword of a reduction's axis, a few spellings, and the stable
    softmax, log-softmax and σ (NumPy's written here, PyTorch's its own)."""

    name: str
    module: str
    imports: str
    axis: str
    array: str
    swap: str        # the last two axes exchanged, of {}
    onehot: str      # the one-hot vector of the label c, {} the size
    softplus: str
    softmax: str     # of the argument {}
    log_softmax: str
    sigmoid: str     # the name of σ's function


NUMPY = Dialect("numpy", "np", "import numpy as np", "axis", "array",
                "np.swapaxes({}, -1, -2)", "(np.arange({}) == np.asarray(c)[..., None])",
                "np.logaddexp(0.0, {})", "_softmax({})", "_log_softmax({})", "_sigmoid")
TORCH = Dialect("torch", "torch", "import torch", "dim", "tensor", "{}.transpose(-1, -2)",
                "(torch.arange({}) == torch.as_tensor(c)[..., None]).double()",
                "torch.nn.functional.softplus({})", "torch.softmax({}, dim=-1)",
                "torch.log_softmax({}, dim=-1)", "torch.sigmoid")
DIALECTS = {"numpy": NUMPY, "torch": TORCH}


def _name(symbol) -> str:
    text = str(symbol)
    text = _NAMES.get(text, text)
    return text + "_" if keyword.iskeyword(text) else text


class _Printer:
    """One result's vectorised code: ``layout`` the free indices, one axis each (the last
    ``len(layout)`` axes, in order); ``label`` the index of a class label (an integer
    parameter, not an axis)."""

    def __init__(self, definition, layout, label=None, extents=None, dialect=NUMPY):
        self.dialect = dialect
        self.m = dialect.module   # np. or torch.
        self.definition = definition
        self.layout = list(layout)
        self.label = label
        self.extents = dict(extents or {})   # index → "N" | "D" | "m"
        self.used: set[str] = set()           # the names the code reads
        self.sizes: set[str] = set()          # the extents it needs (N, D, m)
        self.logs: set[str] = set()           # softmax families whose log is needed

    # -- axes -----------------------------------------------------------------------
    def placed(self, code: str, indices: list, layout: list, level: str = "atom") -> str:
        """``code`` (binding as ``level``), an array whose last axes are ``indices`` (in
        that order), with its axes moved to their places in ``layout`` and new axes
        where it has none."""
        order = [a for a in layout if a in indices]
        if order != list(indices):
            if len(indices) != 2:
                raise CodeError(f"cannot place the axes {indices} of {code}")
            code, level = self.dialect.swap.format(_wrapped(code, level, "atom")), "atom"
        if order == layout:
            return code
        slots = ", ".join(":" if a in indices else "None" for a in layout)
        return f"{_wrapped(code, level, 'atom')}[..., {slots}]"

    # -- nodes ----------------------------------------------------------------------
    def print(self, e, layout) -> tuple[str, str]:
        """``(code, precedence)`` of ``e`` as an array over ``layout``'s axes: a compound
        in fewer indices is written in its own and then placed (``(S - y)[..., :, None]``,
        not ``S[..., :, None] - y[..., :, None]``)."""
        if isinstance(e, (sp.Add, sp.Mul, sp.Pow, sp.Sum, sp.Function)) and e.has(sp.Indexed):
            own = [a for a in layout if a in free_indices(e)]
            if own != layout:
                code, level = self.node(e, own)
                return self.placed(code, own, layout, level), "atom"
        return self.node(e, layout)

    def node(self, e, layout) -> tuple[str, str]:
        if e.is_Integer:
            return (str(int(e)), "atom") if e >= 0 else (str(int(e)), "product")
        if e.is_Rational:
            return f"{e.p}/{e.q}", "product"
        if e.is_Float:
            return repr(float(e)), "atom"
        if isinstance(e, sp.Symbol) and str(e) in ("N", "D", "m") and e.is_integer:
            self.sizes.add(str(e))   # a size in a formula: (S − Y)/m, ε/N
            return str(e), "atom"
        if isinstance(e, sp.Symbol):
            self.used.add(_name(e))
            if self.definition is not None and e == self.definition.name and layout:
                return self.placed(_name(e), [], layout), "atom"   # the scalar H, per point
            return _name(e), "atom"
        if isinstance(e, sp.Indexed):
            return self.entry(e, layout), "atom"
        if isinstance(e, sp.KroneckerDelta):
            return self.delta(e, layout), "atom"
        if isinstance(e, sp.Add):
            rest = e - 1
            if isinstance(-rest, sigmoid):   # 1 − σ(a) = σ(−a): no cancellation at large a
                return self.node(sigmoid(-(-rest).args[0]), layout)
            return self.add(e, layout), "sum"
        if isinstance(e, sp.Mul):
            return self.mul(e, layout)
        if isinstance(e, sp.Pow):
            return self.power(e, layout)
        if isinstance(e, sp.Sum):
            return self.summed(e, layout), "atom"
        if isinstance(e, sp.log):
            return self.log(e, layout), "atom"
        if isinstance(e, sp.exp):
            return f"{self.m}.exp({self.print(e.args[0], layout)[0]})", "atom"
        if isinstance(e, sp.tanh):
            return f"{self.m}.tanh({self.print(e.args[0], layout)[0]})", "atom"
        if isinstance(e, sigmoid):
            self.used.add(self.dialect.sigmoid)
            return f"{self.dialect.sigmoid}({self.print(e.args[0], layout)[0]})", "atom"
        if isinstance(e, softplus):
            return self.dialect.softplus.format(self.print(e.args[0], layout)[0]), "atom"
        raise CodeError(f"no vectorised code for {sp.sstr(e)} ({type(e).__name__}) yet")

    def entry(self, e: sp.Indexed, layout) -> str:
        name = _name(e.base)
        self.used.add(name)
        indices = list(e.indices)
        if self.label is not None and self.label in indices:
            raise CodeError(f"an entry at the label ({sp.sstr(e)}) has no vectorised code yet")
        if not all(a in layout for a in indices):
            raise CodeError(f"the entry {sp.sstr(e)} has an index that is not an axis")
        return self.placed(name, indices, layout)

    def delta(self, e: sp.KroneckerDelta, layout) -> str:
        a, b = e.args
        if self.label in (a, b):   # δ_jc: the one-hot vector of the label (counted from 0)
            index = b if a == self.label else a
            size = self.size(index)
            self.used.add("c")
            return self.placed(self.dialect.onehot.format(size), [index], layout)
        size = self.size(a)
        return self.placed(f"{self.m}.eye({size})", [a, b] if layout.index(a) < layout.index(b)
                           else [b, a], layout)

    def size(self, index) -> str:
        extent = self.extents.get(index, "N")
        self.sizes.add(extent)
        return extent

    def add(self, e: sp.Add, layout) -> str:
        terms = sorted(e.args, key=lambda t: t.could_extract_minus_sign())
        out = ""
        for position, term in enumerate(terms):
            negative = term.could_extract_minus_sign()
            code, level = self.print(-term if negative else term, layout)
            if negative and level == "sum":
                code = f"({code})"
            if position == 0:
                out = f"-{_wrapped(code, level, 'product')}" if negative else code
            else:
                out += f" - {code if level != 'sum' else '(' + code + ')'}" if negative \
                    else f" + {code}"
        return out

    def mul(self, e: sp.Mul, layout) -> tuple[str, str]:
        coeff, rest = e.as_coeff_Mul()
        if coeff.is_negative:
            code, level = self.print(-e, layout)
            return f"-{_wrapped(code, level, 'product')}", "product"
        top, bottom = [], []
        # Entries before brackets, as people write them: S_i (δ_ij − S_j).
        for factor in sorted(sp.Mul.make_args(e), key=lambda f: isinstance(f, sp.Add)):
            base, power = factor.as_base_exp()
            if power.is_number and power.is_negative:
                bottom.append(base ** -power)
            elif factor.is_Rational and factor.p == 1 and factor.q != 1:
                bottom.append(sp.Integer(factor.q))
            else:
                top.append(factor)
        numerator = " * ".join(_wrapped(*self.print(f, layout), "product") for f in top) or "1"
        if not bottom:
            return numerator, "product"
        denominator = " * ".join(_wrapped(*self.print(f, layout), "power") for f in bottom)
        if len(bottom) > 1:
            denominator = f"({denominator})"
        return f"{numerator} / {denominator}", "product"

    def power(self, e: sp.Pow, layout) -> tuple[str, str]:
        base, power = e.as_base_exp()
        if power == sp.Rational(1, 2):
            return f"{self.m}.sqrt({self.print(base, layout)[0]})", "atom"
        if power.is_number and power.is_negative:
            return f"1 / {_wrapped(*self.print(base ** -power, layout), 'power')}", "product"
        exponent, level = self.print(power, [])
        return (f"{_wrapped(*self.print(base, layout), 'atom')} ** "
                f"{_wrapped(exponent, level, 'atom')}", "power")

    def summed(self, e: sp.Sum, layout) -> str:
        """A sum: of one factor, ``.sum`` over its axis; of a product, ``np.einsum`` over
        the factors (a matrix-vector product without the N × N temporary)."""
        for bound, low, high in e.limits:
            extent = str(high)
            if low != 1 or extent not in ("N", "D", "m"):
                raise CodeError(f"a sum from {low} to {high} has no vectorised code yet")
            self.extents[bound] = extent
        bounds = [bound for bound, _, _ in e.limits]
        inner = layout + bounds
        body = sp.expand(e.function) if isinstance(e.function, sp.Add) else e.function
        if isinstance(body, sp.Add):   # Σ(a + b) = Σa + Σb
            return "(" + self.add(sp.Add(*(sp.Sum(t, *e.limits) for t in body.args)),
                                  layout) + ")"
        factors = [f for f in sp.Mul.make_args(body) if f.has(sp.Indexed)]
        scalar = sp.Mul(*(f for f in sp.Mul.make_args(body) if not f.has(sp.Indexed)))
        if len(factors) < 2:
            code, level = self.print(body, inner)
            axes = tuple(range(-len(bounds), 0))
            out = (f"{_wrapped(code, level, 'atom')}.sum("
                   f"{self.dialect.axis}={axes[0] if len(axes) == 1 else axes})")
            return out
        letters = {}   # the index letters themselves where they are single letters
        for a in inner:
            own = str(a)
            free = [c for c in "abcdefghijklmnopqrstuvwxyz" if c not in letters.values()]
            letters[a] = own if len(own) == 1 and own in free else free[0]
        operands, subscripts = [], []
        for f in factors:
            if isinstance(f, sp.Indexed):   # W_kj as it is stored: its own axes
                operands.append(self.entry(f, list(f.indices)))
                subscripts.append("..." + "".join(letters[a] for a in f.indices))
                continue
            own = [a for a in inner if a in free_indices(f)]
            operands.append(self.node(f, own)[0])
            subscripts.append("..." + "".join(letters[a] for a in own))
        kept = [a for a in layout if any(a in free_indices(f) for f in factors)]
        spec = ",".join(subscripts) + "->..." + "".join(letters[a] for a in kept)
        code = f"{self.m}.einsum({spec!r}, {', '.join(operands)})"
        code = self.placed(code, kept, layout)
        if scalar != 1:
            factor, level = self.print(scalar, layout)
            code = f"{_wrapped(factor, level, 'product')} * {code}"
        return code

    def log(self, e: sp.log, layout) -> str:
        (argument,) = e.args
        item = (self.definition.intermediate(argument.base)
                if isinstance(argument, sp.Indexed) and self.definition is not None else None)
        if item is not None and item.kind == "softmax":   # log S_k: a stable log-softmax
            self.logs.add(str(item.family))
            name = f"log_{_name(item.family)}"
            self.used.add(name)
            return self.placed(name, list(argument.indices), layout)
        return f"{self.m}.log({self.print(argument, layout)[0]})"


def _wrapped(code: str, level: str, needed: str) -> str:
    """``code`` bracketed when it binds less tightly than its place needs."""
    return code if _PRECEDENCE[level] >= _PRECEDENCE[needed] else f"({code})"


def numpy_expression(d, expr=None) -> str:
    """The vectorised code of ``d``'s result (or of ``expr``, an index form in the same
    indices)."""
    printer = _printer(d)
    return printer.print(d.result if expr is None else expr, printer.layout)[0]


def _printer(d, dialect=NUMPY) -> _Printer:
    problem = d.problem
    jacobian = problem.output_index is not None and problem.name.has(problem.output_index)
    label = problem.output_index if problem.output_index is not None and not jacobian else None
    layout = ([problem.output_index] if jacobian else []) + list(problem.wrt_indices)
    extents = {index: problem.range_of(index) for index in layout}
    definition = problem.definition if problem.definition is not None else d.definition
    return _Printer(definition, layout, label, extents, dialect)


# The helpers a module may need, each stable in float64 (no overflow at |z| = 1000).
_HELPERS = {
    "_softmax": '''def _softmax(u):
    """softmax over the last axis, by max-subtraction."""
    e = np.exp(u - u.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)''',
    "_log_softmax": '''def _log_softmax(u):
    """log softmax over the last axis: u − logsumexp(u)."""
    top = u.max(axis=-1, keepdims=True)
    return u - top - np.log(np.exp(u - top).sum(axis=-1, keepdims=True))''',
    "_sigmoid": '''def _sigmoid(x):
    """σ(x) = 1/(1 + e^{−x}) to full relative precision; x below −709 is taken as −709,
    so that e^{−x} stays finite (σ is below 1e-308 there)."""
    return 1.0 / (1.0 + np.exp(-np.maximum(x, -709.0)))''',
}
_SIZES = {"N": "classes", "D": "inputs", "m": "examples"}


def function_name(d) -> str:
    """``softmax_jacobian`` for a target; ``dL_dz``, ``d2L_dz2`` for a definition."""
    if d.definition is None or not d.target.name.startswith("of: "):
        return d.target.name.replace("-", "_")
    name = d.lhs.expr
    quantity = _name(getattr(name, "base", name))
    variables = [str(v.base) for v in d.lhs.variables]
    if len(variables) == 2:
        return (f"d2{quantity}_d{variables[0]}2" if variables[0] == variables[1]
                else f"d2{quantity}_d{variables[0]}_d{variables[1]}")
    return f"d{quantity}_d{variables[0]}"


def numpy_source(d, header: str = "", name: str | None = None, dialect=NUMPY) -> str:
    """A self-contained module with one function computing ``d``'s result, vectorised and
    stable, its parameters the target's inputs by name (as ``derive check --python``
    binds them), a stack of points along leading axes.

    ``dialect`` is :data:`NUMPY` or :data:`TORCH` (the same code in PyTorch).

    Raises:
        CodeError: a result with a node that has no vectorised code yet.
    """
    problem = d.problem
    printer = _printer(d, dialect)
    definition = printer.definition
    result = printer.print(d.result, printer.layout)[0]
    lines: list[str] = []
    # The intermediates the result reads, each after those it reads (the definition's
    # order), computed from the inputs.
    needed = set(printer.used)
    scalar = definition.name if isinstance(definition.name, sp.Symbol) else None
    if scalar is not None and _name(scalar) in needed:   # H in −S_j(log S_j + H)
        body = printer.print(definition.body, [])[0]
        needed |= printer.used
    computed = []
    for item in reversed(definition.defined):
        family = _name(item.family)
        if family not in needed and f"log_{family}" not in needed:
            continue
        if item.kind == "softmax":
            argument = _name(item.argument)
            if family in needed:
                computed.append(f"    {family} = {dialect.softmax.format(argument)}")
                printer.used.add("_softmax")
            if f"log_{family}" in needed:
                computed.append(f"    log_{family} = {dialect.log_softmax.format(argument)}")
                printer.used.add("_log_softmax")
            needed.add(argument)
        else:
            inner = _Printer(definition, [*item.rows, item.index], None,
                             {item.index: item.extent, **dict(zip(item.rows, item.row_extents))},
                             dialect)
            code = inner.print(item.body, inner.layout)[0]
            computed.append(f"    {family} = {code}")
            needed |= inner.used
            printer.used |= inner.used
            printer.sizes |= inner.sizes
    lines += reversed(computed)
    if scalar is not None and _name(scalar) in printer.used:
        lines.append(f"    {_name(scalar)} = {body}")
    parameters = [_name(p) for p in problem.inputs]
    sizes = []
    shapes = dict(definition.families)
    for extent in ("N", "D", "m"):
        if extent not in printer.sizes:
            continue
        found = next(((f, shape) for f, shape in sorted(
            shapes.items(), key=lambda fs: _name(fs[0]) not in needed | printer.used)
            if extent in shape and _name(f) in parameters), None)
        if found is None:
            raise CodeError(f"no parameter has the size {extent}")
        family, shape = found
        position = shape.index(extent) - len(shape)
        sizes.append(f"    {extent} = {_name(family)}.shape[{position}]   "
                     f"# the number of {_SIZES[extent]}")
    jacobian = problem.output_index is not None and problem.name.has(problem.output_index)
    # A catalogue layer's Jacobian is N × N·D, W row by row (as `check --python` expects);
    # a definition's keeps its three axes.
    flat = jacobian and len(problem.wrt_indices) == 2 and d.target.builder is None
    body_lines = sizes + lines
    if flat:
        body_lines.append(f"    out = {result}")
        body_lines.append("    return out.reshape(*out.shape[:-2], -1)")
    else:
        body_lines.append(f"    return {result}")
    function = name or function_name(d)
    printer.used |= needed
    docstring = _docstring(d, parameters, printer, flat)
    blocks = [[f"def {function}({', '.join(parameters)}):", docstring, *body_lines]]
    if getattr(d, "hvp", None) is not None:   # a Hessian: its product with v, in O(N)
        blocks.append(numpy_product(d, sizes + lines, parameters, function, dialect))
    helpers = [_HELPERS[h] for h in ("_softmax", "_log_softmax", "_sigmoid")
               if h in printer.used and dialect is NUMPY]
    text = [header.rstrip("\n"), "", dialect.imports, "", ""] if header else \
        [dialect.imports, "", ""]
    for block in [[helper] for helper in helpers] + blocks:
        text += [*block, "", ""]
    source = "\n".join(text[:-2]) + "\n"
    if dialect is NUMPY and ("np" in parameters or "np" in needed):   # a family called np
        source = re.sub(r"\bnp\.(?!sum\(|shape\[)", "numpy.", source).replace(
            "import numpy as np", "import numpy")
    return source


def numpy_product(d, preamble: list[str], parameters: list[str], function: str,
                  dialect=NUMPY) -> list[str]:
    """The function ``{function}_vector_product`` of a Hessian ``d``: ``(H v)_i`` as the rules
    wrote it (O(N): no N × N matrix), after the lines of the Hessian's preamble it needs."""
    from .unicode import text
    p = d.hvp
    printer = _printer(d, dialect)
    row = d.problem.output_index
    code = printer.print(p.value, [row])[0]
    vector = _name(p.vector)
    needed = printer.used | printer.sizes
    kept = []
    for line in reversed(preamble):   # what the product reads, and what that reads
        target, value = (part.strip() for part in line.split("=", 1))
        if target in needed:
            kept.insert(0, line)
            needed |= set(re.findall(r"[A-Za-z_]\w*", value.split("#")[0]))
    return [f"def {function}_vector_product({', '.join([*parameters, vector])}):",
            f'    """(H {vector})_{row} = {text(p.value)}',
            "", f"    H times {vector}, H the matrix {function} returns, in O(N) per point",
            "    (no N × N matrix is formed).", "",
            "    Args:", f"        {vector}: {dialect.array} (..., N), the vector multiplied; the "
            f"others as for {function}", "", "    Returns:", f"        {dialect.array} (..., N)",
            '    """',
            *kept, f"    return {code}"]


def _docstring(d, parameters, printer, flat: bool) -> str:
    from .unicode import text
    problem = d.problem
    shapes = dict(printer.definition.families)
    described = []
    for p, original in zip(parameters, problem.inputs):
        shape = shapes.get(original)
        if original == "c":
            what = "int, the class label counted from 0 (as NumPy indexes)"
        elif shape is None:
            what = "float, a scalar constant"
        else:
            what = f"{printer.dialect.array} (..., " + ", ".join(shape) + ")"
        unused = "" if p in printer.used or original == "c" else " — not used by the result"
        described.append(f"        {p}: {what}{unused}")
    rows = [text(d.lhs) + " = " + text(d.result)]
    for a in d.assumptions:
        rows.append(f"assuming {a.text.split(' (')[0]}")
    layout = [str(a) for a in printer.layout]
    shape = ", ".join(problem.range_of(a) for a in printer.layout)
    kind = printer.dialect.array
    returns = (f"{kind} (..., N, N·D): rows {layout[0]}, columns the entries of "
               f"{problem.wrt} row by row" if flat else f"{kind} (..., {shape})"
               + (f": rows {layout[0]}, columns {layout[1]}" if len(layout) == 2 else ""))
    return "\n".join(['    """' + rows[0], *(f"    {r}" for r in rows[1:]), "",
                      "    Args:", *described, "", "    Returns:", f"        {returns}",
                      '    """'])
