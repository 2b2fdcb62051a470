"""Reading a formula written in LaTeX: a translation into derive's text notation, no ``eval``.

``read_latex(r"S_i(\\delta_{ij} - S_j)")`` gives the text ``S_i*(δ_ij - S_j)``, which
:mod:`derive.read.parse` and :mod:`derive.read.claims` then read as any typed formula.  A small
tokenizer walks the LaTeX string and a recursive-descent translator writes the text; only
the whitelisted commands below are understood and any other control sequence (``\\input``,
``\\def``, ``\\write``, ``\\csname``, …) is a :class:`~derive.read.parse.ParseError` naming it and
its column.  Nothing here calls ``eval``, ``exec``, ``sympify``, ``parse_expr`` or SymPy's
``parse_latex``.  Input is bounded like typed formulas: :data:`~derive.read.parse.MAX_LENGTH`
characters and :data:`~derive.read.parse.MAX_DEPTH` levels of nesting, and each token is read
once.  An optional left side names the derivative: ``\\frac{\\partial L}{\\partial z_j} = …``
or ``\\nabla_z L = …``.

The grammar is the text notation's (a power binds to its base before ``\\log`` applies: ``\\log
S_j^2`` is log(S_j²)); a form that TeX and the text notation would read differently
(``1e-2``, ``S_ij``, ``x^23``, ``x^-1``, ``e^z_j``, ``S_i^T``) is refused, with both readings
named and what to write for each.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from .parse import (CHARACTERS, FUNCTIONS, GREEK, MAX_DEPTH, MAX_LENGTH, PREFIX_FUNCTIONS,
                    ParseError, bounded)

__all__ = ["LatexClaim", "looks_like_latex", "read_latex"]

# Commands that only space or size things; \left and friends must be followed by a bracket.
_IGNORED = {"\\,", "\\;", "\\:", "\\!", "\\ ", "\\quad", "\\qquad", "\\displaystyle", "\\limits"}
_SIZES = {"\\left", "\\right", "\\big", "\\Big", "\\bigg", "\\Bigg", "\\bigl", "\\bigr",
          "\\Bigl", "\\Bigr", "\\biggl", "\\biggr", "\\Biggl", "\\Biggr"}
_FRACS = {"\\frac", "\\dfrac", "\\tfrac"}
# Font and text wrappers: \mathbf{S} is the name S, \operatorname{diag} the function diag.
_FONTS = {"\\mathbf", "\\boldsymbol", "\\bm", "\\mathrm", "\\mathit", "\\mathsf", "\\mathbb",
          "\\mathcal", "\\text", "\\textrm", "\\operatorname", "\\vec"}
_CALLS = {"\\exp": "exp", "\\log": "log", "\\ln": "log", "\\sigma": "sigmoid"}
_OTHERS = {"\\hat", "\\widehat", "\\delta", "\\sum", "\\partial", "\\nabla", "\\top",
           "\\intercal", "\\epsilon", "\\varepsilon"}
# Binary operators and relations, as the text notation writes them: \odot and \oslash are
# elementwise, \otimes the Kronecker product; \neq makes an indicator [i ≠ j]; & and \\
# separate the cells and rows of \begin{cases}; \{ \} are the braces of 𝟙\{j = c\}.
_OPERATORS = {"\\cdot": "·", "\\times": "*", "\\odot": "⊙", "\\oslash": "⊘", "\\otimes": "⊗",
              "\\neq": "!=", "\\ne": "!=", "\\\\": "\\\\", "\\{": "(", "\\}": ")"}
# Greek constants (λ, γ of a definition): \lambda is the text's λ.
_GREEK = {f"\\{name}": letter for letter, name in GREEK.items()}
_KNOWN = _IGNORED | _SIZES | _FRACS | _FONTS | set(_CALLS) | _OTHERS | set(_OPERATORS) | {
    "\\sqrt", "\\begin", "\\end"} | set(_GREEK)
# Labels that may stand on the left of '=' instead of a derivative: J = …, H = …, g_j = ….
_LABELS = frozenset("JHGg")
# The words of a condition in \begin{cases}: "if i = j", "otherwise".
_IF_WORDS = {"if", "for", "when", "where"}
_OTHERWISE = {"otherwise", "else", "elsewhere"}
# Letter runs that name a function (diag(S)); any other run is a product of letters, as in TeX.
# They are the text notation's functions, so that sum(y) or sqrt(x) is a call in both readers.
_WORDS = {**{name: name for name in FUNCTIONS}, "ln": "log", "KroneckerDelta": "delta"}
# Letter runs that are one name in the text notation: eps is ε, not e·p·s.
_NAMES = {"eps": "eps", "epsilon": "eps", "yhat": "yhat"}
_UNICODE = {"−": "-", "·": "·", "×": "*", "ᵀ": "ᵀ", "[": "(", "]": ")"}
# Characters only the text notation reads (δ, Σ, σ, ², …, which LaTeX writes as commands):
# a formula with one of them and no backslash is text, braces or not (Σ_{k=2}^N y_k, as
# derive prints a sum with limits).
_TEXT_ONLY = CHARACTERS - set(_UNICODE)
_TOKEN = re.compile(r"\\([A-Za-z]+|.)|([A-Za-z]+)|([0-9]+(?:\.[0-9]+)?)|(\s+|~)|(.)",
                    re.DOTALL)
_BRACKET = re.compile(r"\s*[][()]")
_STOPS = {"+", "-", "=", "!=", ",", ")", "}", "&", "\\\\"}
# What may follow ^ to mean a transpose: T, \top, \intercal, \mathsf{T}, each maybe braced.
_T = [("T",), ("\\top",), ("\\intercal",)] + [(f, "{", "T", "}") for f in sorted(_FONTS)]
_TRANSPOSES = sorted(_T + [("{", *t, "}") for t in _T], key=len, reverse=True)
# ^T and ^{T} are also the power T in the text notation (the temperature): on an entry,
# on e or on a number they are refused, not silently read as a transpose (e_c^T, of the
# one-hot vector, is its transpose).
_LETTER_T = {("T",), ("{", "T", "}")}
# A number glued to e and digits is a number in the text notation (1e-2 = 0.01, as in
# Python) and a product in TeX (1·e − 2): refused, with both readings named.
_SCIENTIFIC = re.compile(r"([eE])([-+−–]?)([0-9]+)")
# What the text notation reads as a script where TeX takes one character: S_ij, S_12,
# \delta_ij (TeX: S_i j), x^23, x^2.5 (TeX: x^2 3), x^-1 (TeX: x^- 1), e^z_j (TeX: e_j^z).
_SCRIPT_NAME = r"[A-Za-z](?:_(?:[A-Za-z0-9]+|\{[^{}]*\}))?"   # z, z_j, z_{jk}
_GLUED = {"_": re.compile(r"[a-z]{2,}|[0-9]{2,}"),
          "^": re.compile(r"\s*(?:"
                          rf"[-+−–]\s*(?:[0-9]+(?:\.[0-9]*)?|{_SCRIPT_NAME})"   # x^-1, e^-z_j
                          r"|[0-9]+\.[0-9]*|[0-9]{2,}"                         # x^2.5, x^23
                          r"|[A-Za-z]_(?:[A-Za-z0-9]+|\{[^{}]*\}))")}          # e^z_j


@dataclass(frozen=True)
class LatexClaim:
    """A LaTeX formula, translated.

    Attributes:
        text: the right-hand side in derive's text notation, e.g. ``"S_i*(δ_ij - S_j)"``.
        lhs: the derivative on the left of ``=`` as (of, with respect to), e.g.
            ``("L", "z_j")`` or ``("log S_i", "z_j")``; ``None`` without a left side.
        source: the LaTeX as given.
    """

    text: str
    lhs: tuple[str, str] | None
    source: str


@dataclass(frozen=True)
class _Tok:
    kind: str   # "cmd", "letter", "word", "num", "op", "end"
    text: str
    pos: int
    glued: str = ""   # after an unbraced ^ or _: the longer script the text notation reads


@dataclass(frozen=True)
class _Piece:
    text: str
    name: str | None = None    # a plain name that may still take a subscript
    sub: tuple[str, ...] = ()
    atomic: bool = True        # False when a superscript needs parentheses around it


def looks_like_latex(source: str) -> bool:
    """True for a backslash command, ``$…$``, or braces after ``^``/``_`` (``e^{z_i}``) in
    a formula without the text notation's own characters (``Σ_{k=2}^N y_k`` is text)."""
    if re.search(r"\\|^\s*\$", source):
        return True
    return bool(re.search(r"[_^]\s*\{", source)) and not _TEXT_ONLY.intersection(source) \
        and not {"∂", "∇"}.intersection(source)   # ∂L/∂W_{i,j} = …: a text left side


def read_latex(source: str) -> LatexClaim:
    """Translate a LaTeX formula, with an optional derivative on the left of ``=``.

    >>> claim = read_latex(r"\\frac{\\partial L}{\\partial z_j} = \\hat{y}_j - y_j")
    >>> claim.text, claim.lhs
    ('yhat_j - y_j', ('L', 'z_j'))

    Raises:
        ParseError: an unknown command, a missing argument, unbalanced braces, … with the
            column (1-based) in ``source``.
    """
    bounded(source)
    body, offset = _strip_delimiters(source)
    tokens = _tokens(body, offset)
    end = offset + len(body)
    equals = _top_level_equals(tokens)
    if len(equals) > 1:
        raise ParseError(f"a second '=' at column {tokens[equals[1]].pos + 1}; give one "
                         "formula, optionally with its derivative on the left")
    lhs = None
    if equals:
        at = equals[0]
        lhs = _Translator(tokens[:at], tokens[at].pos, source).left_side()
        tokens = tokens[at + 1:]
    if not tokens:
        raise ParseError(f"the formula is empty (column {end + 1})")
    text = _Translator(tokens, end, source).whole()
    if len(text) > MAX_LENGTH:
        raise ParseError(f"the translated formula has {len(text)} characters; at most "
                         f"{MAX_LENGTH} are read")
    return LatexClaim(text, lhs, source)


def _strip_delimiters(source: str) -> tuple[str, int]:
    body = source.strip()
    offset = len(source) - len(source.lstrip())
    for left, right in (("$$", "$$"), ("\\[", "\\]"), ("\\(", "\\)"), ("$", "$")):
        if body.startswith(left) and body.endswith(right) and len(body) >= len(left + right):
            return body[len(left):len(body) - len(right)], offset + len(left)
    return body, offset


def _tokens(body: str, offset: int) -> list[_Tok]:
    """Whitelisted commands, single letters (or a function word), numbers, operators."""
    out, opened = [], []   # opened: the columns of the braces not closed yet
    for match in _TOKEN.finditer(body):
        pos, text = offset + match.start(), match.group()
        if match.group(1) is not None:
            if text not in _KNOWN:
                raise ParseError(f"unsupported LaTeX command {text} at column {pos + 1}")
            if text in _SIZES and not _BRACKET.match(body, match.end()):
                raise ParseError(f"{text} at column {pos + 1} must be followed by ( ) [ or ]")
            if text in _OPERATORS:
                out.append(_Tok("op", _OPERATORS[text], pos))
            elif text not in _IGNORED and text not in _SIZES:
                out.append(_Tok("cmd", text, pos))
        elif match.group(2):   # TeX letters are separate symbols, except function words
            if text in _WORDS or text in _NAMES:
                out.append(_Tok("word", text, pos))
            else:
                out.extend(_Tok("letter", ch, pos + n) for n, ch in enumerate(text))
        elif match.group(3):
            scientific = _SCIENTIFIC.match(body, match.end())
            if scientific:
                raise ParseError(_scientific(text, scientific, pos))
            out.append(_Tok("num", text, pos))
        elif match.group(5) is not None:
            if text in "{}":
                if text == "{":
                    opened.append(pos)
                    if len(opened) > MAX_DEPTH:
                        raise ParseError(f"braces nested more than {MAX_DEPTH} deep at "
                                         f"column {pos + 1}")
                elif not opened:
                    raise ParseError(f"unmatched '}}' at column {pos + 1}")
                else:
                    opened.pop()
            elif text not in "+-*/=(),^_&" and text not in _UNICODE:
                raise ParseError(f"unexpected character {text!r} at column {pos + 1}")
            glued = _GLUED[text].match(body, match.end()) if text in _GLUED else None
            out.append(_Tok("op", _UNICODE.get(text, text), pos, glued.group() if glued else ""))
    if opened:
        raise ParseError(f"the '{{' at column {opened[-1] + 1} is never closed")
    return out


def _scientific(number: str, glued: re.Match, pos: int) -> str:
    """The message for ``1e-2``: both readings, and what to write for each."""
    e, sign, digits = glued.groups()
    plain = "-" if sign in "−–" and sign else sign
    written = f"{number}{e}{sign}{digits}"
    value = Decimal(f"{number}e{plain}{digits}")
    decimal = format(value, "f") if abs(int(digits)) <= 12 else None
    power = f"10^{{{plain.lstrip('+')}{int(digits)}}}"
    power = power if Decimal(number) == 1 else f"{number} \\cdot {power}"
    product = f"{number}·{e} {'−' if plain == '-' else '+'} {digits}" if sign else \
        f"{number}·{e}·{digits}"
    product_latex = (f"{number} \\cdot {e} {plain} {digits}" if sign
                     else f"{number} \\cdot {e} \\cdot {digits}")
    return (f"'{written}' at column {pos + 1} is ambiguous: the number "
            f"{decimal or written.replace(sign, plain)}, or {product}; write {power}"
            f"{f' (or {decimal})' if decimal else ''} for the number, or {product_latex} for "
            "the product")


def _top_level_equals(tokens: list[_Tok]) -> list[int]:
    """Where '=' stands outside braces, brackets and environments (not the k=1 of a sum's
    limit, nor the i = j of a case)."""
    out, depth = [], 0
    for n, t in enumerate(tokens):
        if t.kind == "cmd" and t.text in ("\\begin", "\\end"):   # the rows of cases
            depth += 1 if t.text == "\\begin" else -1
        if t.kind == "op":
            depth += {"{": 1, "(": 1, "}": -1, ")": -1}.get(t.text, 0)
            if t.text == "=" and depth == 0:
                out.append(n)
    return out


def _nested(method):
    """Count the nesting of a recursive step, so deep input is an error, not a crash."""
    def counted(self, *args):
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ParseError(f"the formula is nested more than {MAX_DEPTH} levels deep "
                             f"(column {self.tok.pos + 1})")
        try:
            return method(self, *args)
        finally:
            self.depth -= 1
    return counted


class _Translator:
    """Recursive descent: expression = ±product …; product = factor (*|/|juxtaposed) …;
    factor = primary with _sub and ^sup; \\sum_k takes the rest of its product."""

    def __init__(self, tokens: list[_Tok], end: int, source: str):
        self.tokens = tokens + [_Tok("end", "", end)]
        self.source = source   # for messages that quote what was written
        self.at = 0
        self.depth = 0

    @property
    def tok(self) -> _Tok:
        return self.tokens[self.at]

    def take(self) -> _Tok:
        self.at += 1
        return self.tokens[self.at - 1]

    def is_(self, text: str) -> bool:
        return self.tok.text == text and self.tok.kind in ("op", "cmd")

    def expect(self, text: str) -> _Tok:
        if not self.is_(text):
            self.fail(f"expected {text}")
        return self.take()

    def fail(self, what: str):
        found = "the end" if self.tok.kind == "end" else repr(self.tok.text)
        raise ParseError(f"cannot read the LaTeX: {what} at column {self.tok.pos + 1}, "
                         f"found {found}")

    def whole(self) -> str:
        text = self.expression()
        return text if self.tok.kind == "end" else self.fail("expected an operator or the end")

    def left_side(self) -> tuple[str, str] | None:
        """``\\frac{\\partial L}{\\partial z_j}``, ``\\partial L / \\partial z_j``, ``\\nabla_z L``:
        (of, with respect to); a label ``J``, ``J_{kl}``: None, or ("", "_kl")."""
        if self.is_("\\nabla"):
            self.take()
            self.expect("_")
            wrt = self.argument("\\nabla")
            of = self.expression()
        elif self.tok.text in _FRACS:
            self.take()
            self.expect("{")
            self.expect("\\partial")
            order = self.order()
            of = self.expression()
            self.expect("}")
            self.expect("{")
            wrt = self.partial_variable(order)
            if order == 2 and " " not in wrt:   # \partial z_i \partial z_j
                wrt += " " + self.partial_variable(1)
            self.expect("}")
        elif self.is_("\\partial"):
            self.take()
            of = self.factor().text
            self.expect("/")
            self.expect("\\partial")
            wrt = self.factor().text
        elif self.tok.kind == "letter" and self.tok.text in _LABELS:   # J = …, J_{ij} = …
            self.take()
            sub = self.indices() if self.is_("_") and self.take() else ()
            if self.tok.kind != "end":
                self.fail("expected '=' after the label")
            return ("", "_" + "".join(sub)) if sub else None
        else:
            self.fail("expected a derivative such as \\frac{\\partial L}{\\partial z_j} "
                      "or a label such as J before '='")
        if self.tok.kind != "end":
            self.fail("expected '=' after the derivative")
        return re.sub(r"^log\((\w+)\)$", r"log \1", of), wrt

    def order(self) -> int:
        """``^2`` (or ``^{2}``) after ``\\partial`` in a numerator: a second derivative."""
        if not self.is_("^"):
            return 1
        self.take()
        braced = self.is_("{") and self.take()
        if self.tok.text != "2":
            self.fail("a derivative of order 1 or 2 is read")
        self.take()
        if braced:
            self.expect("}")
        return 2

    def partial_variable(self, order: int) -> str:
        """``\\partial z_j`` of a denominator; ``\\partial z^2`` for a second derivative
        with respect to one variable twice (returned as ``z z``)."""
        self.expect("\\partial")
        variable = self.factor().text
        if order == 2 and "^" in variable:
            base, _, power = variable.partition("^")
            if power.strip("{}() ") != "2":
                self.fail("expected \\partial z^2 in a second derivative's denominator")
            return f"{base.strip()} {base.strip()}"
        return variable

    def expression(self) -> str:
        parts = ["-" if self.is_("-") else ""]   # lists, joined once: linear in the input
        if self.is_("+") or self.is_("-"):
            self.take()
        parts.append(self.product())
        while self.is_("+") or self.is_("-"):
            parts.append(f" {self.take().text} {self.product()}")
        return "".join(parts)

    def product(self) -> str:
        parts, op, last = [], None, None   # last: the previous factor and where it starts
        while True:
            # a \cdot -b, a / -b: after an operator a sign belongs to the factor, as in text
            signed = op is not None and (self.is_("-") or self.is_("+"))
            if not signed and (self.tok.kind == "end" or self.is_("\\end")
                               or (self.tok.kind == "op" and self.tok.text in _STOPS)):
                break
            if any(self.is_(x) for x in ("*", "·", "/", "⊙", "⊘", "⊗")):
                if op or not parts:
                    self.fail("expected a factor")
                op = self.take().text
                continue
            if last and last[0].name is not None and not last[0].sub and op is None \
                    and self.is_("("):
                self.indexing(*last)
            if parts:   # juxtaposition and \cdot multiply two matrices as matrices (A B,
                # A · B), as in the text notation; \times is its ×, NumPy's * (elementwise)
                parts.append(" " if op is None else op)
            sign = self.take().text if signed else "+"
            start = self.tok.pos
            piece = _Piece(self.sum()) if self.is_("\\sum") else self.factor()
            parts.append(f"(-{piece.text})" if sign == "-" else piece.text)
            op, last = None, (piece, start)
        if op or not parts:
            self.fail("expected a factor")
        return "".join(parts)

    @_nested
    def sum(self) -> str:
        """``\\sum_{k=1}^{N} BODY`` → ``sum_k(BODY)``, BODY the rest of the product; other
        limits, ``\\sum_{k=2}^{N-1} BODY`` → ``Sum(BODY, (k, 2, N - 1))`` (the claim
        reader checks that they lie within 1..N)."""
        start = self.take()
        lower = upper = None
        while self.is_("_") or self.is_("^"):
            mark = self.take()
            if mark.glued:
                self.ambiguous_script(start.pos, mark)
            if (lower if mark.text == "_" else upper) is not None:
                self.fail(f"a second {mark.text} on \\sum")
            limit = self.raw_argument()
            lower, upper = (limit, upper) if mark.text == "_" else (lower, limit)
        if (not lower or lower[0].kind != "letter"
                or (len(lower) > 1 and (lower[1].text != "=" or len(lower) < 3))):
            raise ParseError(f"a sum runs over one index letter, as \\sum_{{k=1}}^{{N}}, "
                             f"\\sum_{{k=2}}^{{N}} or \\sum_k (column {start.pos + 1})")
        low = self.limit(lower[2:]) if len(lower) > 1 else "1"
        high = self.limit(upper) if upper else "N"
        body = self.product()
        if (low, high) == ("1", "N"):
            return f"sum_{lower[0].text}({body})"
        return f"Sum({body}, ({lower[0].text}, {low}, {high}))"

    def limit(self, tokens: list[_Tok]) -> str:
        """A sum's limit (``2``, ``N-1``) as text, read like any formula."""
        return _Translator(tokens, tokens[-1].pos + len(tokens[-1].text), self.source).whole()

    def raw_argument(self) -> list[_Tok]:
        if not self.is_("{"):
            if self.tok.kind == "end":
                self.fail("expected a subscript or a limit")
            return [self.take()]
        self.take()
        tokens = []
        while not self.is_("}"):
            if self.tok.kind == "end" or self.is_("{"):
                self.fail("expected a simple limit such as k=1")
            tokens.append(self.take())
        self.take()
        return tokens

    def factor(self) -> _Piece:
        start = self.tok.pos
        piece = self.primary()
        sub, sup = None, None
        while self.is_("_") or self.is_("^") or self.is_("ᵀ"):
            mark = self.take()
            if (sub if mark.text == "_" else sup) is not None:
                self.at -= 1
                self.fail(f"a second {mark.text}")
            if mark.glued:
                self.ambiguous_script(start, mark)
            if mark.text == "_":
                if piece.name is None or piece.sub:
                    self.at -= 1
                    self.fail("a subscript belongs on a name")
                sub = self.indices()
            elif mark.text == "ᵀ":
                sup = "ᵀ"
            elif (pattern := self.transpose()):
                # an entry (S_i), e or a number: a power T or a transpose (not e_c, a vector)
                entry = bool(sub or piece.sub) != (piece.name == "e")
                if pattern in _LETTER_T and (entry or piece.text[:1].isdigit()):
                    self.power_or_transpose(start, mark)
                sup = "ᵀ"
            else:
                sup = f"^({self.argument('^')})"
        if sub:
            piece = _Piece(_render(piece.name, sub), piece.name, sub)
        if sup:
            text = piece.text if piece.atomic else f"({piece.text})"
            piece = _Piece(text + sup)
        return piece

    def transpose(self) -> tuple[str, ...] | None:
        """The transpose that follows ^ (T, \\top, {\\intercal}, …), consumed; or None."""
        texts = tuple(t.text for t in self.tokens[self.at:self.at + 6])
        for pattern in _TRANSPOSES:
            if texts[:len(pattern)] == pattern:
                self.at += len(pattern)
                return pattern
        return None

    def ambiguous_script(self, start: int, mark: _Tok):
        """``S_ij``, ``x^23``, ``x^-1``, ``e^z_j``: the text notation reads the whole run as
        the script, TeX only its first character; refused, with both readings named."""
        base = self.source[start:mark.pos].strip()
        glued = mark.glued.strip()
        written = f"{self.source[start:mark.pos + 1]}{mark.glued}"
        if mark.text == "_":
            whole, tex = f"{base}_{{{glued}}}", f"{base}_{{{glued[0]}}} {glued[1:]}"
        elif glued[0] in "-+−–":
            sign = "-" if glued[0] in "-−–" else "+"
            rest = glued[1:].strip()
            raise ParseError(f"'{written}' at column {start + 1} is ambiguous: {base}^{{{sign}"
                             f"{rest}}}, or {base}^{{{sign}}} {rest} as TeX sets it (one "
                             f"character per superscript); write {base}^{{{sign}{rest}}}")
        elif "_" in glued:
            letter, subscript = glued.split("_", 1)
            subscript = subscript if subscript.startswith("{") else f"{{{subscript}}}"
            whole, tex = f"{base}^{{{glued}}}", f"{base}_{subscript}^{{{letter}}}"
            raise ParseError(f"'{written}' at column {start + 1} is ambiguous: {whole}, or {tex} "
                             f"as TeX sets it (both scripts on {base}); write {whole} or {tex}")
        else:
            whole, tex = f"{base}^{{{glued}}}", f"{base}^{{{glued[0]}}} {glued[1:]}"
        script = "subscript" if mark.text == "_" else "superscript"
        raise ParseError(f"'{written}' at column {start + 1} is ambiguous: {whole}, or {tex} as "
                         f"TeX sets it (one character per {script}); write {whole} or {tex}")

    def indexing(self, piece: _Piece, start: int):
        """``S[i]`` is the entry S_i in the text notation and S times a bracket in TeX:
        refused when the bracket is a bare [ after a name without subscript
        (``S \\left[ … \\right]`` and ``S_i [ … ]`` are products)."""
        bracket = self.tok.pos
        if self.source[bracket] != "[" or self.source[:bracket].rstrip().endswith(tuple(_SIZES)):
            return
        name = self.source[start:bracket].strip()
        raise ParseError(f"'{self.source[start:bracket + 1]}' at column {start + 1} is "
                         f"ambiguous: an entry of {name} (the text notation's {name}[i]), or "
                         f"{name} times a bracket; write {name}_{{i}} for an entry, or "
                         f"{name} \\left[ … \\right] for the product")

    def power_or_transpose(self, start: int, mark: _Tok):
        """``S_i^T``: the power T (the temperature) in the text notation, a transpose in
        LaTeX; of an entry, of e or of a number both are possible, so neither is guessed."""
        base = self.source[start:mark.pos].strip()
        end = self.tokens[self.at - 1].pos + 1
        raise ParseError(f"'{self.source[start:end]}' at column {start + 1} is ambiguous: "
                         f"{base} to the power T, or {base} transposed; write {base}^{{(T)}} "
                         f"for the power or {base}^\\top for the transpose")

    def indices(self) -> tuple[str, ...]:
        """``_i``, ``_{ij}``, ``_{i j}``, ``_{i,j}``, ``_{12}``: letters and numbers only."""
        out = []
        for t in self.raw_argument():
            if (t.kind not in ("letter", "num", "word") and t.text != ",") or "." in t.text:
                raise ParseError(f"a subscript holds letters and numbers, found {t.text!r} "
                                 f"at column {t.pos + 1}")
            out.extend([t.text] if t.kind == "num" else t.text.strip(","))   # ij: i and j
        return tuple(out) or self.fail("expected a subscript")

    def argument(self, of: str) -> str:
        """One TeX argument: a braced group, or a single token (a single digit of a number)."""
        if self.is_("{"):
            self.take()
            text = self.expression()
            self.expect("}")
            return text
        if self.tok.kind not in ("letter", "num", "word", "cmd"):
            self.fail(f"expected an argument of {of}")
        if self.tok.kind == "num" and len(self.tok.text) > 1:   # x^23 is x^{2}3 in TeX
            t = self.tok
            self.tokens[self.at] = _Tok("num", t.text[1:], t.pos + 1)
            return t.text[0]
        return self.primary().text

    @_nested
    def primary(self) -> _Piece:
        t = self.tok
        if t.kind == "num" and t.text == "1" and self.is_next("_", "{", skip=1):
            self.take()   # 1_{j=c}: an indicator
            return _Piece(self.indicator())
        if t.kind in ("letter", "num"):
            self.take()
            return _Piece(t.text, t.text if t.kind == "letter" else None)
        if t.kind == "word":
            self.take()
            return self.word(t.text)
        if self.is_("(") or self.is_("{"):
            close = ")" if self.take().text == "(" else "}"
            text = self.expression()
            if close == ")" and (self.is_("=") or self.is_("!=")):   # [j = c]: Iverson
                text = self.compared(text)
                self.expect(close)
                return _Piece(text)
            self.expect(close)
            return _Piece(f"({text})")
        if t.kind != "cmd":
            self.fail("expected a factor")
        self.take()
        if t.text in _FRACS:
            top, bottom = self.argument(t.text), self.argument(t.text)
            # Bracketed whole: after "/" or before "^" a fraction is one value.
            return _Piece(f"(({top})/({bottom}))")
        if t.text == "\\sigma" and (self.tok.kind == "end" or (
                self.tok.kind == "op" and self.tok.text not in ("(", "{"))):
            return _Piece("σ", "σ")   # \sigma_j, \sigma ⊘ …: a family σ (a deviation), by name
        if t.text in _GREEK:
            return _Piece(_GREEK[t.text], _GREEK[t.text])
        if t.text in _CALLS:
            return self.call(_CALLS[t.text])
        if t.text == "\\sqrt":   # \sqrt{x}, as derive's LaTeX writes x^(1/2): sqrt(x)
            if self.is_("(") and self.source[self.tok.pos] == "[":   # \sqrt[4]{x}: x^(1/4)
                self.take()
                degree = self.expression()
                self.expect(")")
                return _Piece(f"(({self.argument(t.text)})^(1/({degree})))")
            return _Piece(f"sqrt({self.argument(t.text)})")
        if t.text == "\\delta":
            return self.call("delta")
        if t.text in ("\\epsilon", "\\varepsilon"):   # the label smoothing ε
            return _Piece("eps", "eps")
        if t.text in ("\\hat", "\\widehat"):
            inner = self.font_argument(t)
            if inner.name is None or len(inner.name) != 1 or not inner.name.isascii():
                self.fail(f"{t.text} takes a letter, as in \\hat{{y}}_j")
            return _Piece(_render(inner.name + "hat", inner.sub), inner.name + "hat", inner.sub)
        if t.text in _FONTS:
            inner = self.font_argument(t)
            if inner.text == "1":   # \mathbf{1}: the all-ones vector; 𝟙[j = c] an indicator
                return _Piece(self.indicator() if self.is_("(") or self.is_next("_", "{")
                              else "𝟙")
            return inner
        if t.text == "\\begin":
            return _Piece(self.cases(t))
        raise ParseError(f"{t.text} at column {t.pos + 1} cannot stand here (\\partial and "
                         "\\nabla go on the left of '=', \\top after ^, \\sum starts a term)")

    def is_next(self, *texts: str, skip: int = 0) -> bool:
        """Whether the tokens ``skip`` after the current one are the operators ``texts``."""
        ahead = self.tokens[self.at + skip:self.at + skip + len(texts)]
        return len(ahead) == len(texts) and all(t.kind == "op" and t.text == x
                                                for t, x in zip(ahead, texts))

    def compared(self, left: str) -> str:
        """After the left side of ``j = c`` or ``i \\neq j``: the indicator ``[j == c]``."""
        op = "!=" if self.take().text == "!=" else "=="
        return f"[{left} {op} {self.expression()}]"

    def indicator(self) -> str:
        """The condition of 𝟙[j = c], 𝟙_{j=c}, 𝟙\\{j = c\\} or 1_{j=c}, as ``[j == c]``."""
        if self.is_("_"):
            self.take()
        close = "}" if self.expect("{" if self.is_("{") else "(").text == "{" else ")"
        left = self.expression()
        if not (self.is_("=") or self.is_("!=")):
            self.fail("expected = or \\neq in the indicator's condition, as in "
                      "\\mathbb{1}[j = c]")
        text = self.compared(left)
        self.expect(close)
        return text

    def cases(self, begin: _Tok) -> str:
        """``\\begin{cases} A & i = j \\\\ B & \\text{otherwise} \\end{cases}`` → ``(A if i == j
        else B)``: two rows, a condition and its complement (``i \\neq j``, or otherwise)."""
        environment = "".join(t.text for t in self.raw_argument())
        if environment != "cases":
            raise ParseError(f"\\begin{{{environment}}} at column {begin.pos + 1}: derive reads "
                             "the cases environment only (a piecewise formula); write a matrix "
                             "in matrix notation, such as diag(S) - S S^\\top")
        rows = []
        while True:
            value = self.expression()
            self.expect("&")
            rows.append((value, self.condition()))
            if self.is_("\\\\"):
                self.take()
                if not self.is_("\\end"):
                    continue
            self.expect("\\end")
            if "".join(t.text for t in self.raw_argument()) != "cases":
                self.fail("expected \\end{cases}")
            break
        (then, test), (other, last) = rows[0], rows[-1]
        complement = test and last and (last[0] != test[0]) and set(last[1:]) == set(test[1:])
        if len(rows) != 2 or test is None or (last is not None and not complement):
            raise ParseError(f"the cases at column {begin.pos + 1}: derive reads two rows, a "
                             "condition and its complement, as in \\begin{cases} A & i = j "
                             "\\\\ B & \\text{otherwise} \\end{cases} (or i \\neq j)")
        op = "!=" if test[0] else "=="
        return f"({then} if {test[1]} {op} {test[2]} else {other})"

    def condition(self) -> tuple | None:
        """A row's condition: (negated, left, right) for ``i = j``, ``\\text{if } i \\neq j``;
        None for ``\\text{otherwise}``."""
        word = self.text_word()
        if word in _OTHERWISE:
            return None
        if word is not None and word not in _IF_WORDS:
            self.fail(f"expected a condition such as i = j or \\text{{otherwise}}, not "
                      f"\\text{{{word}}}")
        if self.is_(","):
            self.take()
        left = self.expression()
        if not (self.is_("=") or self.is_("!=")):
            self.fail("expected = or \\neq in the condition of a case (i = j)")
        negated = self.take().text == "!="
        return negated, left, self.expression()

    def text_word(self) -> str | None:
        """``\\text{if }``, ``\\text{otherwise}``: the word, consumed; None if none is here."""
        if not (self.tok.kind == "cmd" and self.tok.text in ("\\text", "\\textrm", "\\mathrm")
                and self.is_next_brace()):
            return None
        self.take()
        return "".join(t.text for t in self.raw_argument()).strip().lower()

    def is_next_brace(self) -> bool:
        ahead = self.tokens[self.at + 1:self.at + 2]
        return bool(ahead) and ahead[0].kind == "op" and ahead[0].text == "{"

    def font_argument(self, command: _Tok) -> _Piece:
        """The argument of \\mathbf, \\operatorname, \\hat, …: one factor, or a function word."""
        if not self.is_("{"):
            if self.tok.kind not in ("letter", "num", "word", "cmd"):
                self.fail(f"expected an argument of {command.text}")
            return self.primary()
        self.take()
        if self.tok.kind == "word" and self.tokens[self.at + 1].text == "}":
            word = self.take().text    # \operatorname{diag}(S): the call follows the braces
            self.take()
            return self.word(word)
        piece = self.factor()
        self.expect("}")
        return piece

    def word(self, word: str) -> _Piece:
        """A function word (a call follows) or a name of the text notation (``eps``)."""
        if word in _NAMES:
            return _Piece(_NAMES[word], _NAMES[word])
        return self.call(_WORDS[word])

    def call(self, function: str) -> _Piece:
        """``\\exp(z_i)``, ``\\exp z_i``, ``\\log \\sum_k …``, ``outer(S, S)``."""
        if function == "delta" and not self.is_("("):   # \delta_{ij}, delta_{ij}: a name
            return _Piece("δ", "δ")
        if self.is_("("):
            self.take()
            args = [self.expression()]
            while self.is_(","):
                self.take()
                args.append(self.expression())
            self.expect(")")
            return _Piece(f"{function}({', '.join(args)})")
        if function not in PREFIX_FUNCTIONS:   # outer(S, S): two arguments need brackets
            self.fail(f"expected '(' after {function} (it takes its arguments in parentheses)")
        argument = self.sum() if self.is_("\\sum") else self.factor().text
        return _Piece(f"{function}({argument})")


def _render(name: str, sub: tuple[str, ...]) -> str:
    """``S`` with ("i", "j") → ``S_ij``; with ("i", "12") → ``S_{i,12}``; with () → ``S``."""
    if not sub:
        return name
    if len(sub) == 1 or all(len(s) == 1 and s.isalpha() for s in sub):
        return f"{name}_{''.join(sub)}"
    return f"{name}_{{{','.join(sub)}}}"
