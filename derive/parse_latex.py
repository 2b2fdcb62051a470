"""Reading a formula written in LaTeX: a translation into derive's text notation, no ``eval``.

``read_latex(r"S_i(\\delta_{ij} - S_j)")`` gives the text ``S_i*(δ_ij - S_j)``, which
:mod:`derive.parse` and :mod:`derive.claims` then read as any typed formula.  A small
tokenizer walks the LaTeX string and a recursive-descent translator writes the text; only
the whitelisted commands below are understood and any other control sequence (``\\input``,
``\\def``, ``\\write``, ``\\csname``, …) is a :class:`~derive.parse.ParseError` naming it and
its column.  Nothing here calls ``eval``, ``exec``, ``sympify``, ``parse_expr`` or SymPy's
``parse_latex``.  Input is bounded like typed formulas: :data:`~derive.parse.MAX_LENGTH`
characters and :data:`~derive.parse.MAX_DEPTH` levels of nesting, and each token is read
once.  An optional left side names the derivative: ``\\frac{\\partial L}{\\partial z_j} = …``
or ``\\nabla_z L = …``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .parse import MAX_DEPTH, MAX_LENGTH, ParseError

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
_KNOWN = _IGNORED | _SIZES | _FRACS | _FONTS | set(_CALLS) | _OTHERS | {"\\cdot", "\\times"}
# Letter runs that name a function (diag(S)); any other run is a product of letters, as in TeX.
_WORDS = {"exp": "exp", "log": "log", "ln": "log", "diag": "diag", "softmax": "softmax",
          "sigmoid": "sigmoid", "outer": "outer"}
_UNICODE = {"−": "-", "·": "*", "×": "*", "ᵀ": "ᵀ", "[": "(", "]": ")"}
_TOKEN = re.compile(r"\\([A-Za-z]+|.)|([A-Za-z]+)|([0-9]+(?:\.[0-9]+)?)|(\s+|~)|(.)",
                    re.DOTALL)
_BRACKET = re.compile(r"\s*[][()]")
_STOPS = {"+", "-", "=", ",", ")", "}"}
# What may follow ^ to mean a transpose: T, \top, \intercal, \mathsf{T}, each maybe braced.
_T = [("T",), ("\\top",), ("\\intercal",)] + [(f, "{", "T", "}") for f in sorted(_FONTS)]
_TRANSPOSES = sorted(_T + [("{", *t, "}") for t in _T], key=len, reverse=True)


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


@dataclass(frozen=True)
class _Piece:
    text: str
    name: str | None = None    # a plain name that may still take a subscript
    sub: tuple[str, ...] = ()
    atomic: bool = True        # False when a superscript needs parentheses around it


def looks_like_latex(source: str) -> bool:
    """True for a backslash command, ``$…$``, or braces after ``^``/``_`` (``e^{z_i}``)."""
    return bool(re.search(r"\\|[_^]\s*\{|^\s*\$", source))


def read_latex(source: str) -> LatexClaim:
    """Translate a LaTeX formula, with an optional derivative on the left of ``=``.

    >>> claim = read_latex(r"\\frac{\\partial L}{\\partial z_j} = \\hat{y}_j - y_j")
    >>> claim.text, claim.lhs
    ('yhat_j - y_j', ('L', 'z_j'))

    Raises:
        ParseError: an unknown command, a missing argument, unbalanced braces, … with the
            column (1-based) in ``source``.
    """
    if not isinstance(source, str):
        raise ParseError(f"a formula must be text, got {type(source).__name__}")
    if len(source) > MAX_LENGTH:
        raise ParseError(f"the formula has {len(source)} characters; at most {MAX_LENGTH} "
                         "are read")
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
        lhs = _Translator(tokens[:at], tokens[at].pos).left_side()
        tokens = tokens[at + 1:]
    if not tokens:
        raise ParseError(f"the formula is empty (column {end + 1})")
    text = _Translator(tokens, end).whole()
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
            if text in ("\\cdot", "\\times"):
                out.append(_Tok("op", "*", pos))
            elif text not in _IGNORED and text not in _SIZES:
                out.append(_Tok("cmd", text, pos))
        elif match.group(2):   # TeX letters are separate symbols, except function words
            if text in _WORDS:
                out.append(_Tok("word", text, pos))
            else:
                out.extend(_Tok("letter", ch, pos + n) for n, ch in enumerate(text))
        elif match.group(3):
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
            elif text not in "+-*/=(),^_" and text not in _UNICODE:
                raise ParseError(f"unexpected character {text!r} at column {pos + 1}")
            out.append(_Tok("op", _UNICODE.get(text, text), pos))
    if opened:
        raise ParseError(f"the '{{' at column {opened[-1] + 1} is never closed")
    return out


def _top_level_equals(tokens: list[_Tok]) -> list[int]:
    """Where '=' stands outside braces and brackets (not the k=1 of a sum's limit)."""
    out, depth = [], 0
    for n, t in enumerate(tokens):
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

    def __init__(self, tokens: list[_Tok], end: int):
        self.tokens = tokens + [_Tok("end", "", end)]
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

    def left_side(self) -> tuple[str, str]:
        """``\\frac{\\partial L}{\\partial z_j}``, ``\\partial L / \\partial z_j``, ``\\nabla_z L``:
        (of, with respect to)."""
        if self.is_("\\nabla"):
            self.take()
            self.expect("_")
            wrt = self.argument("\\nabla")
            of = self.expression()
        elif self.tok.text in _FRACS:
            self.take()
            of = self.partial_group()
            wrt = self.partial_group()
        elif self.is_("\\partial"):
            self.take()
            of = self.factor().text
            self.expect("/")
            self.expect("\\partial")
            wrt = self.factor().text
        else:
            self.fail("expected a derivative such as \\frac{\\partial L}{\\partial z_j} "
                      "before '='")
        if self.tok.kind != "end":
            self.fail("expected '=' after the derivative")
        return re.sub(r"^log\((\w+)\)$", r"log \1", of), wrt

    def partial_group(self) -> str:
        self.expect("{")
        self.expect("\\partial")
        text = self.expression()
        self.expect("}")
        return text

    def expression(self) -> str:
        parts = ["-" if self.is_("-") else ""]   # lists, joined once: linear in the input
        if self.is_("+") or self.is_("-"):
            self.take()
        parts.append(self.product())
        while self.is_("+") or self.is_("-"):
            parts.append(f" {self.take().text} {self.product()}")
        return "".join(parts)

    def product(self) -> str:
        parts, op = [], None
        while not (self.tok.kind == "end" or (self.tok.kind == "op" and self.tok.text in _STOPS)):
            if self.is_("*") or self.is_("/"):
                if op or not parts:
                    self.fail("expected a factor")
                op = self.take().text
                continue
            if parts:   # juxtaposition is written as *, so that no name is read as a call
                parts.append(op or "*")
            parts.append(self.sum() if self.is_("\\sum") else self.factor().text)
            op = None
        if op or not parts:
            self.fail("expected a factor")
        return "".join(parts)

    @_nested
    def sum(self) -> str:
        """``\\sum_{k=1}^{N} BODY`` → ``sum_k(BODY)``, BODY the rest of the product."""
        start = self.take()
        lower = upper = None
        while self.is_("_") or self.is_("^"):
            script = self.take().text
            if (lower if script == "_" else upper) is not None:
                self.fail(f"a second {script} on \\sum")
            limit = tuple(t.text for t in self.raw_argument())
            lower, upper = (limit, upper) if script == "_" else (lower, limit)
        if (not lower or len(lower[0]) != 1 or not lower[0].isalpha()
                or lower[1:] not in ((), ("=", "1")) or upper not in (None, ("N",))):
            raise ParseError(f"only sums over one index from 1 to N are supported, as "
                             f"\\sum_{{k=1}}^{{N}} or \\sum_k (column {start.pos + 1})")
        return f"sum_{lower[0]}({self.product()})"

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
        piece = self.primary()
        sub, sup = None, None
        while self.is_("_") or self.is_("^") or self.is_("ᵀ"):
            mark = self.take()
            if (sub if mark.text == "_" else sup) is not None:
                self.at -= 1
                self.fail(f"a second {mark.text}")
            if mark.text == "_":
                if piece.name is None or piece.sub:
                    self.at -= 1
                    self.fail("a subscript belongs on a name")
                sub = self.indices()
            elif mark.text == "ᵀ" or self.transpose():
                sup = "ᵀ"
            else:
                sup = f"^({self.argument('^')})"
        if sub:
            piece = _Piece(_render(piece.name, sub), piece.name, sub)
        if sup:
            text = piece.text if piece.atomic else f"({piece.text})"
            piece = _Piece(text + sup)
        return piece

    def transpose(self) -> bool:
        texts = tuple(t.text for t in self.tokens[self.at:self.at + 6])
        for pattern in _TRANSPOSES:
            if texts[:len(pattern)] == pattern:
                self.at += len(pattern)
                return True
        return False

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
        if t.kind in ("letter", "num"):
            self.take()
            return _Piece(t.text, t.text if t.kind == "letter" else None)
        if t.kind == "word":
            self.take()
            return self.call(_WORDS[t.text])
        if self.is_("(") or self.is_("{"):
            close = ")" if self.take().text == "(" else "}"
            text = self.expression()
            self.expect(close)
            return _Piece(f"({text})")
        if t.kind != "cmd":
            self.fail("expected a factor")
        self.take()
        if t.text in _FRACS:
            top, bottom = self.argument(t.text), self.argument(t.text)
            # Bracketed whole: after "/" or before "^" a fraction is one value.
            return _Piece(f"(({top})/({bottom}))")
        if t.text in _CALLS:
            return self.call(_CALLS[t.text])
        if t.text == "\\delta":
            return self.call("delta") if self.is_("(") else _Piece("δ", "δ")
        if t.text in ("\\epsilon", "\\varepsilon"):   # the label smoothing ε
            return _Piece("eps", "eps")
        if t.text in ("\\hat", "\\widehat"):
            inner = self.font_argument(t)
            if inner.name is None or len(inner.name) != 1 or not inner.name.isascii():
                self.fail(f"{t.text} takes a letter, as in \\hat{{y}}_j")
            return _Piece(_render(inner.name + "hat", inner.sub), inner.name + "hat", inner.sub)
        if t.text in _FONTS:
            inner = self.font_argument(t)
            if inner.text == "1":
                raise ParseError(f"the all-ones vector {t.text}{{1}} at column {t.pos + 1} "
                                 "is not supported yet")
            return inner
        raise ParseError(f"{t.text} at column {t.pos + 1} cannot stand here (\\partial and "
                         "\\nabla go on the left of '=', \\top after ^, \\sum starts a term)")

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
            return self.call(_WORDS[word])
        piece = self.factor()
        self.expect("}")
        return piece

    def call(self, function: str) -> _Piece:
        """``\\exp(z_i)``, ``\\exp z_i``, ``\\log \\sum_k …``, ``outer(S, S)``."""
        if self.is_("("):
            self.take()
            args = [self.expression()]
            while self.is_(","):
                self.take()
                args.append(self.expression())
            self.expect(")")
            return _Piece(f"{function}({', '.join(args)})")
        argument = self.sum() if self.is_("\\sum") else self.factor().text
        return _Piece(f"{function}({argument})")


def _render(name: str, sub: tuple[str, ...]) -> str:
    """``S`` with ("i", "j") → ``S_ij``; with ("i", "12") → ``S_{i,12}``; with () → ``S``."""
    if not sub:
        return name
    if len(sub) == 1 or all(len(s) == 1 and s.isalpha() for s in sub):
        return f"{name}_{''.join(sub)}"
    return f"{name}_{{{','.join(sub)}}}"
