"""Reading a formula someone typed: a tokenizer and a precedence parser, no ``eval`` ever.

The notation is the one people write in notes and code: ``S_i*(delta(i,j) - S_j)``,
``S_i (δ_ij − S_j)`` (implicit products, Unicode minus), ``S[i]*((i==j) - S[j])``,
``diag(S) - outer(S, S)``, ``np.diag(S) - np.outer(S, S)``, ``Σ_k y_k``,
``Sum(y_k, (k, 1, N))``, ``Σ_{k=2}^N y_k``, ``log S_i``, ``exp z_j`` (a function without
parentheses takes the one operand that follows, with its powers: ``log S_i²`` is log(S_i²),
as the LaTeX reader reads ``\\log S_i^2``).  The parser builds a small syntax tree of frozen
dataclasses; :mod:`derive.read.claims` gives it a meaning for a target.  Nothing here calls ``eval``,
``exec``, ``sympify`` or ``parse_expr``: names are data, never looked up in a namespace.

Input is bounded: at most :data:`MAX_LENGTH` characters and :data:`MAX_DEPTH` levels of
nesting; a number has at most 30 digits.  Any other character than ASCII letters, digits,
the operators, superscript powers (``²``, ``⁻¹``) and the documented mathematical characters
(``− · × δ Σ ŷ ᵀ ε σ √`` and Greek constants such as ``λ γ``) is an error.  A definition
(:func:`parse_definition`, for ``--of``) adds a left side ``L =``, entries of calls
(``softmax(z)_k``) and the middle dot of a dot product (``q·k_i``).

>>> parse("S_i (δ_ij − S_j)")  # doctest: +NORMALIZE_WHITESPACE
Mul(left=Name(name='S', sub=('i',), pos=0),
    right=Sub(left=Name(name='delta', sub=('i', 'j'), pos=5),
              right=Name(name='S', sub=('j',), pos=12), pos=10), pos=4, implicit=True,
    dot=False)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from ..errors import InputError

__all__ = ["ParseError", "parse", "parse_definition", "bounded", "MAX_LENGTH", "MAX_DEPTH",
           "FUNCTIONS", "PREFIX_FUNCTIONS", "DEFINITION_FUNCTIONS", "CHARACTERS", "GREEK",
           "Num", "Name", "Call", "Add", "Sub", "Mul", "Div", "MatMul", "Pow", "Neg",
           "Transpose", "Eq", "Cond", "Hadamard", "Kron", "Tuple", "Entry"]

MAX_LENGTH = 2000
MAX_DEPTH = 60

# Names that are called, not multiplied: ``exp(z_i)`` is a call, ``S_i(1 − S_j)`` a product.
# The functions of the ML vocabulary that a definition (``--of``) may use besides these;
# a claim against a catalogue target is written in the target's own outputs instead.
DEFINITION_FUNCTIONS = frozenset({"tanh", "softplus", "logsumexp", "log_softmax"})
FUNCTIONS = frozenset({"exp", "log", "ln", "sigmoid", "softmax", "delta", "KroneckerDelta",
                       "Sum", "sum", "diag", "outer", "sqrt", "dot", "matmul", "kron",
                       "onehot", "one_hot"}) | DEFINITION_FUNCTIONS
# Functions that may also be applied without parentheses, in both readers: ``log S_i``,
# ``exp z_j``, ``σ z_j``, ``diag S``, ``√d`` (LaTeX: ``\log S_i``, ``\operatorname{diag} S``).
PREFIX_FUNCTIONS = frozenset({"exp", "log", "ln", "sigmoid", "diag", "softmax", "sqrt", "tanh"})
# Names with an underscore that are one function, not a name and a subscript.
_UNDERSCORED = re.compile(r"(log_softmax|one_hot)(?![A-Za-z0-9])")

# Greek letters that name scalar constants in a definition (λ/2 Σ_k z_k², √d, γ).
GREEK = {"α": "alpha", "β": "beta", "γ": "gamma", "η": "eta", "θ": "theta", "κ": "kappa",
         "λ": "lambda", "μ": "mu", "ν": "nu", "ρ": "rho", "τ": "tau", "ω": "omega"}

# The documented mathematical characters, and what they stand for.
# ⊙ and ⊘ are elementwise, ⊗ the Kronecker product, 𝟙 the all-ones vector (𝟙[j = c] and
# 𝟙_{j=c} an indicator), ≠ the negated indicator (i ≠ j).
_UNICODE = {"−": "-", "–": "-", "·": "·", "⋅": "·", "×": "*", "∗": "*", "÷": "/",
            "δ": "delta", "Σ": "sum", "∑": "sum", "ŷ": "yhat", "Ŷ": "Yhat", "ᵀ": "ᵀ",
            "ε": "eps", "σ": "sigmoid", "√": "sqrt", "⊙": "⊙", "⊘": "⊘", "⊗": "⊗",
            "≠": "!=", "𝟙": "ones", **GREEK}


class ParseError(InputError):
    """A formula that cannot be read; the message gives the column and what was expected."""


@dataclass(frozen=True)
class Num:
    value: str
    pos: int = 0


@dataclass(frozen=True)
class Name:
    """A name with an optional subscript: ``S_i`` is ``Name("S", ("i",))``."""
    name: str
    sub: tuple[str, ...] = ()
    pos: int = 0


@dataclass(frozen=True)
class Call:
    func: str
    args: tuple
    pos: int = 0
    sub: tuple[str, ...] = ()  # sum_k(…): the bound index


@dataclass(frozen=True)
class Tuple:
    items: tuple
    pos: int = 0


@dataclass(frozen=True)
class Add:
    left: object
    right: object
    pos: int = 0


@dataclass(frozen=True)
class Sub:
    left: object
    right: object
    pos: int = 0


@dataclass(frozen=True)
class Mul:
    """``a * b``; ``implicit`` for juxtaposition (``A B`` of two matrices is the matrix
    product, ``A * B`` NumPy's elementwise one)."""
    left: object
    right: object
    pos: int = 0
    implicit: bool = False
    dot: bool = False   # written with a middle dot: q·k_i (a dot product in a definition)


@dataclass(frozen=True)
class Div:
    left: object
    right: object
    pos: int = 0


@dataclass(frozen=True)
class MatMul:
    left: object
    right: object
    pos: int = 0


@dataclass(frozen=True)
class Pow:
    base: object
    exponent: object
    pos: int = 0


@dataclass(frozen=True)
class Neg:
    operand: object
    pos: int = 0


@dataclass(frozen=True)
class Transpose:
    operand: object
    pos: int = 0
    prime: bool = False   # written S' (MATLAB), not Sᵀ: of a scalar it may mean a derivative


@dataclass(frozen=True)
class Entry:
    """``softmax(z)_k``, ``softmax(z)[k]``, ``(W x + b)_k``: one entry of a vector."""
    operand: object
    sub: tuple[str, ...]
    pos: int = 0


@dataclass(frozen=True)
class Eq:
    """``(i == j)``, ``[j = c]``, ``𝟙_{j=c}``: an indicator, the Kronecker delta in
    code-style notation; ``negated`` for ``i != j``, ``[i ≠ j]``."""
    left: object
    right: object
    pos: int = 0
    negated: bool = False


@dataclass(frozen=True)
class Cond:
    """``A if i == j else B`` (LaTeX: ``\\begin{cases} A & i = j \\\\ B & \\text{otherwise}
    \\end{cases}``): ``test`` is an indicator (:class:`Eq`)."""
    then: object
    test: object
    other: object
    pos: int = 0


@dataclass(frozen=True)
class Hadamard:
    """``a ⊙ b``: the elementwise product, of two values of one shape."""
    left: object
    right: object
    pos: int = 0


@dataclass(frozen=True)
class Kron:
    """``A ⊗ B``, ``kron(A, B)``: the Kronecker product."""
    left: object
    right: object
    pos: int = 0


@dataclass(frozen=True)
class _Token:
    kind: str   # "num", "name", "op", "end"
    text: str
    pos: int
    sub: tuple[str, ...] = ()
    # Σ_{k=2}^{N}: where the lower and upper limits are written, (start, end) or None.
    limits: tuple | None = None


_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]*")
# Superscript powers: x², y⁻¹ (what derive's text output writes).
_SUPERSCRIPTS = {**dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")), "⁻": "-"}
# Every character outside ASCII that the notation reads.
CHARACTERS = frozenset(_UNICODE) | frozenset(_SUPERSCRIPTS)
_SUB = re.compile(r"_(\{[A-Za-z0-9, ]+\}|[A-Za-z0-9]+)")
# Decimal numbers, with an optional exponent: 2.5e-1 (an "e" followed by digits).
_NUMBER = re.compile(r"([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")
_OPERATORS = ("**", "==", "!=", "=", "+", "-", "*", "·", "/", "^", "@", "(", ")", "[", "]", ",",
              ".", "ᵀ", "'", "⊙", "⊘", "⊗")
# An indicator written as a subscript: 1_{j=c}, 𝟙_{i≠j} (read as the bracket [j = c]).
_INDICATOR = re.compile(r"(?:1|𝟙)_\{\s*([^{}=≠!]+?)\s*(==|=|≠|!=)\s*([^{}=≠!]+?)\s*\}")
# The operators of a product: * and @ as in NumPy, ⊙ ⊘ elementwise, ⊗ Kronecker.
_PRODUCTS = {"*": Mul, "/": Div, "@": MatMul, "⊙": Hadamard, "⊘": Div, "⊗": Kron, "·": Mul}
# Words of the conditional A if i == j else B: never a factor of an implicit product.
_KEYWORDS = frozenset({"if", "else"})
# The limits of a sum, as derive prints them: Σ_{k=2}^N, Σ_{k=1}^{N−1}, Σ_k^N.
_LIMITS = re.compile(r"_(?:\{\s*([A-Za-z])\s*(?:=([^{}]*))?\}|([A-Za-z]))"
                     r"(\^(?:\{([^{}]*)\}|([A-Za-z]|[0-9]+)))?")
# 1e−2 with a Unicode minus (as derive prints minus signs): 0.01 or 1·e − 2.
_DASHED_EXPONENT = re.compile(r"([eE])([−–])([0-9]+)")


def _tokens(text: str, pos: int = 0, stop: int | None = None) -> list[_Token]:
    """The tokens of ``text[pos:stop]``, with their columns in the whole of ``text``."""
    out, stop = [], len(text) if stop is None else stop
    while pos < stop:
        ch = text[pos]
        if ch.isspace():
            pos += 1
            continue
        indicator = _INDICATOR.match(text, pos, stop) if ch in "1𝟙" else None
        if indicator:   # 1_{j=c}: the bracket [j = c]
            out.append(_Token("op", "[", pos))
            out.extend(_tokens(text, indicator.start(1), indicator.end(1))[:-1])
            out.append(_Token("op", "!=" if indicator.group(2) in ("≠", "!=") else "==",
                              indicator.start(2)))
            out.extend(_tokens(text, indicator.start(3), indicator.end(3))[:-1])
            out.append(_Token("op", "]", indicator.end(3)))
            pos = indicator.end()
            continue
        if ch == "𝟙" and text[pos + 1:stop].lstrip().startswith("["):
            pos += 1   # 𝟙[j = c]: the 𝟙 of an indicator, whose bracket follows
            continue
        if ch in _UNICODE and _UNICODE[ch] != ch:
            word = _UNICODE[ch]
            if word == "sum" and (limits := _limits(text, pos + 1, stop)):
                out.append(_Token("name", "sum", pos, limits[0], limits[1]))
                pos = limits[2]
            elif word.isalpha():   # δ_ij, Σ_k, ŷ_j: a name, maybe with a subscript
                sub, end = _subscript(text, pos + 1, stop)
                out.append(_Token("name", word, pos, sub))
                pos = end
            else:
                out.append(_Token("op", word, pos))
                pos += 1
            continue
        if ch in _SUPERSCRIPTS:   # S_i² (as derive prints it): a power, S_i^2
            end = pos + (text[pos] == "⁻")
            while end < stop and text[end] in _SUPERSCRIPTS and text[end] != "⁻":
                end += 1
            digits = "".join(_SUPERSCRIPTS[c] for c in text[pos:end] if c != "⁻")
            if not digits or end - pos > 3:
                raise ParseError(f"unreadable superscript at column {pos + 1}; write a "
                                 "power as ^2 or ² (at most two digits)")
            out.append(_Token("op", "^", pos))
            if text[pos] == "⁻":
                out.append(_Token("op", "-", pos))
            out.append(_Token("num", digits, pos))
            pos = end
            continue
        number = _NUMBER.match(text, pos, stop)
        if number:
            dashed = None if number.group(3) else _DASHED_EXPONENT.match(text, number.end(), stop)
            if dashed:
                raise ParseError(_dashed_exponent(number.group(), dashed, pos))
            if len(number.group()) > 30 or (number.group(3)
                                             and abs(int(number.group(3)[1:])) > 30):
                raise ParseError(f"the number at column {pos + 1} is too long or too large "
                                 "(30 digits, exponents up to e±30)")
            out.append(_Token("num", number.group(), pos))
            pos = number.end()
            continue
        underscored = _UNDERSCORED.match(text, pos, stop)
        if underscored:
            out.append(_Token("name", underscored.group(), pos))
            pos = underscored.end()
            continue
        if ch == "_" and out and out[-1].kind == "op" and out[-1].text in (")", "]"):
            sub, end = _subscript(text, pos, stop)   # softmax(z)_k: an entry of the call
            if sub:
                out.append(_Token("op", "_", pos, sub))
                pos = end
                continue
        name = _NAME.match(text, pos, stop) if ch.isascii() else None
        if name and name.group() == "sum" and (limits := _limits(text, name.end(), stop)):
            out.append(_Token("name", "sum", pos, limits[0], limits[1]))
            pos = limits[2]
            continue
        if name:
            sub, end = _subscript(text, name.end(), stop)
            out.append(_Token("name", name.group(), pos, sub))
            pos = end
            continue
        operator = next((op for op in _OPERATORS if text.startswith(op, pos, stop)), None)
        if operator:
            out.append(_Token("op", operator, pos))
            pos += len(operator)
            continue
        raise ParseError(f"unexpected character {ch!r} at column {pos + 1}; formulas use ASCII "
                         "letters and digits, + − * / ^ @ ( ) [ ] and δ Σ ŷ ᵀ ε σ √ · × and "
                         "Greek constants such as λ γ (see `derive notation`)")
    out.append(_Token("end", "", stop))
    return out


def _limits(text: str, pos: int, stop: int) -> tuple | None:
    """After Σ: ``_{k=2}^{N}`` → (("k",), ((low start, end), (high start, end)), end);
    None when no limit is written (``Σ_k``, read as a subscript: 1..N)."""
    match = _LIMITS.match(text, pos, stop)
    if not match or (match.group(2) is None and match.group(4) is None):
        return None
    low = match.span(2) if match.group(2) is not None else None
    high = (match.span(5) if match.group(5) is not None else match.span(6)) \
        if match.group(4) else None
    return (match.group(1) or match.group(3),), (low, high), match.end()


def _dashed_exponent(number: str, dashed: re.Match, pos: int) -> str:
    """``1e−2``: the number (with ``-``) or 1·e − 2 (with ``−``, as derive prints minus)."""
    e, dash, digits = dashed.groups()
    written = f"{number}{e}{dash}{digits}"
    value = format(Decimal(f"{number}e-{digits}"), "f") if int(digits) <= 12 else \
        f"{number}e-{digits}"
    return (f"'{written}' at column {pos + 1} is ambiguous: the number {value}, or "
            f"{number}·{e} − {digits}; write {number}{e}-{digits} (with the ASCII minus) or "
            f"{value} for the number, or {number}·{e} − {digits} for the product")


def _subscript(text: str, pos: int, stop: int | None = None) -> tuple[tuple[str, ...], int]:
    """``_ij`` → ("i", "j"); ``_{12}`` → ("12",); ``_k`` → ("k",); none → ()."""
    match = _SUB.match(text, pos, len(text) if stop is None else stop)
    if not match:
        return (), pos
    body = match.group(1)
    if body.startswith("{"):
        inner = body[1:-1].replace(" ", "")
        parts = tuple(p for p in inner.split(",") if p) if "," in inner else _split_sub(inner)
    else:
        parts = _split_sub(body)
    return parts, match.end()


def _split_sub(body: str) -> tuple[str, ...]:
    """``ij`` → (i, j) (one letter per index), ``12`` → ("12",), ``hat`` kept whole."""
    if body.isdigit() or body == "hat":
        return (body,)
    if body.isalpha():
        return tuple(body)
    return (body,)


class _Parser:
    """Precedence climbing: + − < * / @ (and juxtaposition) < unary − < ^ < postfix."""

    def __init__(self, text: str, tokens: list[_Token] | None = None):
        self.text = text
        self.tokens = _tokens(text) if tokens is None else tokens
        self.at = 0
        self.depth = 0
        self.brackets = 0

    @property
    def token(self) -> _Token:
        return self.tokens[self.at]

    def take(self) -> _Token:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def expect(self, text: str) -> _Token:
        if self.token.text != text or self.token.kind != "op":
            self.fail(f"expected {text!r}")
        return self.take()

    def fail(self, what: str):
        token = self.token
        found = "the end" if token.kind == "end" else repr(token.text)
        raise ParseError(f"cannot read {self.text!r}: {what} at column {token.pos + 1}, "
                         f"found {found}")

    def parse(self):
        tree = self.conditional()
        if self.token.kind != "end":
            self.fail("expected an operator or the end")
        return tree

    def expression(self, power: int = 0):
        self.depth += 1
        if self.depth > 4 * MAX_DEPTH:   # operators chain as deep as brackets nest
            raise ParseError(f"the formula is nested more than {MAX_DEPTH} levels deep")
        left = self.prefix()
        while True:
            token = self.token
            if token.kind == "op" and token.text in ("+", "-") and power < 10:
                self.take()
                right = self.expression(10)
                left = (Add if token.text == "+" else Sub)(left, right, token.pos)
            elif token.kind == "op" and token.text in _PRODUCTS and power < 20:
                self.take()
                right = self.expression(20)
                if token.text == "·":
                    left = Mul(left, right, token.pos, dot=True)
                else:
                    left = _PRODUCTS[token.text](left, right, token.pos)
            elif self._starts_operand(token) and power < 20:   # juxtaposition: S_i S_j
                right = self.expression(20)
                left = Mul(left, right, token.pos, implicit=True)
            elif token.kind == "op" and token.text in ("^", "**") and power < 30:
                self.take()
                right = self.expression(29)   # right-associative
                left = Pow(left, right, token.pos)
            elif token.kind == "op" and token.text in ("==", "!=") and power < 5:
                self.take()
                left = Eq(left, self.expression(5), token.pos, token.text == "!=")
            else:
                break
        self.depth -= 1
        return left

    @staticmethod
    def _starts_operand(token: _Token) -> bool:
        if token.kind == "name":
            return token.text not in _KEYWORDS
        return token.kind == "num" or (token.kind == "op" and token.text in ("(", "["))

    def conditional(self):
        """``A if i == j else B`` (Python's order; ``else`` may chain another ``if``)."""
        then = self.expression()
        if not (self.token.kind == "name" and self.token.text == "if"):
            return then
        start = self.take()
        test = self.expression()
        if not isinstance(test, Eq):
            self.fail("expected a comparison of indices after 'if', such as i == j, then "
                      "'else'")
        if not (self.token.kind == "name" and self.token.text == "else"):
            self.fail("expected 'else' (A if i == j else B)")
        self.take()
        return Cond(then, test, self.conditional(), start.pos)

    def iverson(self, token: _Token):
        """``[j = c]``, ``[i ≠ j]``: 1 where the comparison holds, else 0."""
        self.nest(1)
        left = self.expression(5)
        if not (self.token.kind == "op" and self.token.text in ("=", "==", "!=")):
            self.fail("expected = or ≠ in the bracket [j = c] (an indicator; group with "
                      "( ) instead)")
        negated = self.take().text == "!="
        right = self.expression(5)
        self.expect("]")
        self.nest(-1)
        return self.postfix(Eq(left, right, token.pos, negated))

    def prefix(self):
        token = self.take()
        if token.kind == "num":
            return self.postfix(Num(token.text, token.pos))
        if token.kind == "op" and token.text in ("-", "+"):
            operand = self.expression(25)
            return Neg(operand, token.pos) if token.text == "-" else operand
        if token.kind == "op" and token.text == "(":
            self.nest(1)
            items = [self.conditional()]
            while self.token.text == "," and self.token.kind == "op":
                self.take()
                items.append(self.expression())
            self.expect(")")
            self.nest(-1)
            inner = items[0] if len(items) == 1 else Tuple(tuple(items), token.pos)
            return self.postfix(inner)
        if token.kind == "op" and token.text == "[":
            return self.iverson(token)
        if self.is_sigma(token):
            return self.sum(token)
        if token.kind == "name" and token.text in _KEYWORDS:
            self.at -= 1
            self.fail("'if' and 'else' go after a value: A if i == j else B")
        if token.kind == "name":
            return self.postfix(self.name(token))
        self.at -= 1
        self.fail("expected a number, a name or '('")

    def name(self, token: _Token):
        name = token.text
        if name == "np" and self.token.text == ".":   # np.diag, np.outer, np.exp, …
            self.take()
            attribute = self.take()
            if attribute.kind != "name" or attribute.text not in FUNCTIONS:
                self.at -= 1
                self.fail(f"expected one of np.{', np.'.join(sorted(FUNCTIONS))}")
            name, token = attribute.text, _Token("name", attribute.text, token.pos,
                                                 attribute.sub)
        # A subscripted name is never called (δ_ij (…) is a product), except sum_k(…).
        if name in FUNCTIONS and (not token.sub or name == "sum") and self.token.text == "(" \
                and self.token.kind == "op":
            self.take()
            self.nest(1)
            args = []
            if self.token.text != ")":
                args.append(self.expression())
                while self.token.text == "," and self.token.kind == "op":
                    self.take()
                    args.append(self.expression())
            self.expect(")")
            self.nest(-1)
            if token.limits is not None:   # sum_{k=2}^{N}(y_k)
                if len(args) != 1:
                    raise ParseError(f"a sum with limits takes one argument (column "
                                     f"{token.pos + 1}): sum_{{k=2}}^{{N}}(y_k)")
                return self.summed(token, args[0])
            return Call(name, tuple(args), token.pos, token.sub)
        if name in PREFIX_FUNCTIONS and not token.sub and self.token.kind in ("name", "num"):
            # log S_i, as derive prints it and notes write it: the one operand that follows
            # (log S_i y_i is (log S_i) y_i), with its powers: log S_i² is log(S_i²), as in
            # print and as the LaTeX reader reads \log S_i^2.  With parentheses the call is
            # the base instead: log(S_i)² is (log S_i)².
            self.nest(1)
            argument = self.argument()
            self.nest(-1)
            return Call(name, (argument,), token.pos)
        return Name(name, token.sub, token.pos)

    def argument(self):
        """The argument of a function applied without parentheses: a name, a number, a
        call or another such function, with the powers applied to it; or a whole Σ_k."""
        token = self.take()
        if self.is_sigma(token):
            return self.sum(token)   # log Σ_k e^(z_k): the sum takes the product after it
        node = self.postfix(Num(token.text, token.pos) if token.kind == "num"
                            else self.name(token))
        while self.token.kind == "op" and self.token.text in ("^", "**"):
            power = self.take()
            node = Pow(node, self.expression(29), power.pos)   # right-associative, as below
        return node

    def is_sigma(self, token: _Token) -> bool:
        """Σ_k as a prefix: the sign Σ always (Σ_k (1 − y_k) S_k sums the whole product, as
        \\sum_k does in LaTeX and as print shows it), sum_k unless a bracket follows (then
        sum_k(y_k) is a call)."""
        return token.kind == "name" and token.text == "sum" and bool(token.sub) and (
            self.text[token.pos] in "Σ∑" or self.token.text != "(")

    def sum(self, token: _Token):
        """Σ_k as a prefix: it sums the product that follows, up to the next + or −."""
        self.nest(1)
        body = self.expression(19)
        self.nest(-1)
        return self.summed(token, body)

    def summed(self, token: _Token, body):
        """Σ_k BODY, or with written limits Σ_{k=2}^{N} BODY as Sum(BODY, (k, 2, N))."""
        if token.limits is None:
            return Call("sum", (body,), token.pos, token.sub)
        low, high = (self.limit(span, token) if span is not None else default
                     for span, default in zip(token.limits, (Num("1", token.pos),
                                                             Name("N", (), token.pos))))
        bound = Name(token.sub[0], (), token.pos)
        return Call("Sum", (body, Tuple((bound, low, high), token.pos)), token.pos)

    def limit(self, span: tuple[int, int], token: _Token):
        """One limit of Σ_{k=…}^{…}, read as a formula of its own (columns in the whole)."""
        tokens = _tokens(self.text, *span)
        if tokens[0].kind == "end":
            raise ParseError(f"the sum at column {token.pos + 1} has an empty limit")
        self.nest(1)
        tree = _Parser(self.text, tokens).parse()
        self.nest(-1)
        return tree

    def nest(self, step: int) -> None:
        self.brackets += step
        if self.brackets > MAX_DEPTH:
            raise ParseError(f"the formula is nested more than {MAX_DEPTH} levels deep")

    def postfix(self, node):
        count = 0
        while True:
            count += 1
            if count > MAX_DEPTH:
                raise ParseError(f"more than {MAX_DEPTH} postfix operations (ᵀ, .T, [..]) in a row")
            token = self.token
            if token.kind == "op" and token.text in ("ᵀ", "'"):   # Sᵀ, MATLAB's S'
                self.take()
                node = Transpose(node, token.pos, token.text == "'")
            elif (token.kind == "op" and token.text == "."
                  and self.tokens[self.at + 1].text == "T"):
                self.take()
                self.take()
                node = Transpose(node, token.pos)
            elif token.kind == "op" and token.text == "_" and not isinstance(node, Name):
                self.take()   # softmax(z)_k, (W x + b)_k: an entry of a vector
                node = Entry(node, token.sub, token.pos)
            elif token.kind == "op" and token.text == "[" and not self.compares():
                self.take()
                indices = [self.index()]
                while self.token.text == ",":
                    self.take()
                    indices.append(self.index())
                self.expect("]")
                # S[i] is the name S_i; softmax(z)[k], (W x + b)[k] an entry of a vector.
                node = Name(node.name, node.sub + tuple(indices), node.pos) \
                    if isinstance(node, Name) else Entry(node, tuple(indices), token.pos)
            else:
                return node

    def compares(self) -> bool:
        """Whether the bracket at the current token holds a comparison: ``S_j [j = c]`` is a
        product with an indicator, ``S[j]`` an entry."""
        for token in self.tokens[self.at + 1:]:
            if token.kind == "end" or (token.kind == "op" and token.text in ("]", "[", "(")):
                return False
            if token.kind == "op" and token.text in ("=", "==", "!="):
                return True
        return False

    def index(self) -> str:
        token = self.take()
        if token.kind not in ("name", "num") or token.sub:
            self.at -= 1
            self.fail("expected an index (a letter or a number)")
        return token.text


def parse(text: str):
    """The syntax tree of ``text``.

    Raises:
        ParseError: with the column and what was expected, for anything unreadable.
    """
    bounded(text)
    if not text.strip():
        raise ParseError("the formula is empty")
    return _Parser(text).parse()


def bounded(text, what: str = "formula") -> None:
    """The first check of every reader: text, of at most :data:`MAX_LENGTH` characters.

    Raises:
        ParseError: anything else, saying what it is.
    """
    if not isinstance(text, str):
        raise ParseError(f"a {what} must be text, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ParseError(f"the {what} has {len(text)} characters; at most {MAX_LENGTH} "
                         "are read")


def parse_definition(text: str) -> tuple[Name, object]:
    """The left side (a name, with the output indices as its subscript) and the syntax
    tree of the right side of a definition ``NAME = FORMULA``.

    Raises:
        ParseError: no ``=``, a left side that is not a name, or an unreadable formula.

    >>> parse_definition("a_i = tanh(z_i)")
    (Name(name='a', sub=('i',), pos=0), Call(func='tanh', args=(Name(name='z', sub=('i',), pos=11),), pos=6, sub=()))
    """
    bounded(text, "definition")
    tokens = _tokens(text)
    equals, depth = [], 0   # '=' outside brackets ([j = c] is an indicator)
    for at, token in enumerate(tokens):
        if token.kind == "op":
            depth += {"(": 1, "[": 1, ")": -1, "]": -1}.get(token.text, 0)
            if token.text == "=" and depth == 0:
                equals.append(at)
    if not equals:
        raise ParseError(f"cannot read the definition {text!r}: write it as NAME = FORMULA, "
                         "e.g. L = -Σ_k y_k log(softmax(z)_k)")
    if len(equals) > 1:
        raise ParseError(f"cannot read the definition {text!r}: one '=' only (column "
                         f"{tokens[equals[1]].pos + 1} has a second)")
    at = equals[0]
    left = tokens[:at]
    if len(left) != 1 or left[0].kind != "name" or left[0].text in FUNCTIONS | {"sum"}:
        raise ParseError(f"cannot read the definition {text!r}: the left side names the "
                         "quantity, with its output indices if it has any: L =, S_i =, a_i =")
    if tokens[at + 1].kind == "end":
        raise ParseError(f"cannot read the definition {text!r}: nothing after '='")
    lhs = Name(left[0].text, left[0].sub, left[0].pos)
    return lhs, _Parser(text, tokens[at + 1:]).parse()
