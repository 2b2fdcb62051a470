"""The ``derive`` command line: each command a few lines that call the library.

Exit status: 0 success (a claim that holds), 1 a derivation or check that failed (a claim
that fails), 2 bad usage or input (one line on stderr, never a traceback), 3 undetermined (a
claim neither proved nor refuted, or work too large to decide within the limits), 70 a bug
in derive (one line too; DERIVE_DEBUG=1 shows the traceback).  The library is imported
inside the commands, so that ``derive --help`` does not pay for SymPy.

The work of ``list``, ``show``, ``export`` and ``check`` runs in a forked worker within
``--timeout`` seconds and 4 GiB (:func:`derive.bounded.run_bounded`); past either it is
stopped, with one line and exit status 3.  While it runs, its progress
(:mod:`derive.progress`) is drawn on stderr when stderr is a terminal, unless ``--quiet``.
"""

from __future__ import annotations

import re
import sys
from contextlib import contextmanager

import click

FORMATS = ("text", "json")
SHOW_FORMATS = ("text", "latex", "markdown", "json", "numpy", "torch")


class _Failure(click.ClickException):
    """A one-line error on stderr with the given exit status."""

    def __init__(self, message: str, status: int, kind: str = "error"):
        super().__init__(message)
        self.exit_code = status
        self.kind = kind

    def show(self, file=None) -> None:
        click.echo(f"derive: {self.kind}: {_one_line(self.format_message())}", err=True)


def _one_line(message: str) -> str:
    """The message with line breaks, terminal escapes and other control characters written
    as escapes (\\n, \\x1b): an option value or a user's exception message must not
    turn one error into several lines, or into commands to the terminal."""
    import unicodedata
    return "".join(repr(ch)[1:-1] if unicodedata.category(ch)[0] == "C" else ch
                   for ch in message)


def _library_call(function, *args, **kwargs):
    """Call into the library, turning its errors into one-line CLI errors."""
    from derive.errors import DeriveError, InternalError, RewriteError, TooLarge
    try:
        return function(*args, **kwargs)
    except RewriteError as error:
        raise _Failure(f"the derivation did not reach textbook form: {error}", 1) from None
    except TooLarge as error:   # no verdict either way, and not the input's fault
        raise _Failure(str(error), 3, "undetermined") from None
    except InternalError as error:
        raise _Failure(f"{error} (a bug: please report it)", 70, "internal error") from None
    except DeriveError as error:
        raise _Failure(str(error), 2) from None


class _AsciiInt(click.ParamType):
    """An integer in plain ASCII digits within [low, high]: click's INT calls int(), which
    takes '١٢' (Arabic-Indic digits) and '1_000' — not what a user means by a seed."""
    name = "integer"

    def __init__(self, low: int, high: int):
        self.low, self.high = low, high

    def convert(self, value, param, ctx):
        if isinstance(value, int):
            return value
        text = str(value).strip()
        if not re.fullmatch(r"[0-9]{1,10}", text) or not self.low <= int(text) <= self.high:
            self.fail(f"{value!r} is not an integer from {self.low} to {self.high} "
                      "(plain digits 0-9)", param, ctx)
        return int(text)


_ASCII_SEED = _AsciiInt(0, 2**32 - 1)


def _seconds(value: str) -> float:
    """``--timeout``: a plain decimal number of seconds, from 1 to the library's most."""
    from derive.bounded import MAX_SECONDS
    text = value.strip()
    if not re.fullmatch(r"[0-9]{1,3}(\.[0-9]{1,3})?", text) \
            or not 1 <= float(text) <= MAX_SECONDS:
        raise _Failure(f"--timeout {value!r} is not a number of seconds from 1 to "
                       f"{MAX_SECONDS:g}", 2)
    return float(text)


class _Option(click.Option):
    """An option whose help may be a function, called when the help is shown: the limits
    it states are the library's constants, imported then (``derive --help`` does not pay
    for SymPy, and no number is written twice)."""

    def __init__(self, *args, help=None, **kwargs):
        super().__init__(*args, help=None if callable(help) else help, **kwargs)
        if callable(help):
            self._help = help

    @property
    def help(self) -> str | None:
        return self._help() if callable(self._help) else self._help

    @help.setter
    def help(self, value) -> None:
        self._help = value


def _option(*names, help, **attributes):
    """``click.option`` with a help that may be a function (:class:`_Option`)."""
    return click.option(*names, cls=_Option, help=help, **attributes)


def _limits() -> dict:
    """The library's limits on sizes, named as the help texts use them."""
    from derive.bounded import MAX_SECONDS, MEMORY
    from derive.sizes import MAX_BATCH, MAX_CLASSES, MAX_DERIVATIVE_ENTRIES, MAX_INPUTS
    return {"classes": MAX_CLASSES, "inputs": MAX_INPUTS, "batch": MAX_BATCH,
            "entries": MAX_DERIVATIVE_ENTRIES, "seconds": f"{MAX_SECONDS:g}",
            "memory": f"{MEMORY / 2**30:g} GiB"}


# The default --timeout of each command, in seconds: it stops runaway work, not the
# largest derivation accepted.  The slowest show at the size limits takes about 30 s here
# (linear-softmax-cross-entropy-grad at N = 512, D = 32; a derivation at N = 64 one to
# three seconds), so 120 s leaves room for a machine several times slower.  Listing the
# targets takes about a second.
TIMEOUTS = {"list": 20, "show": 120, "export": 120, "check": 20}


def _timeout_option(command: str, what: str, then: str = "exit status 3"):
    return _option("--timeout", "seconds", metavar="SECONDS", default=str(TIMEOUTS[command]),
                   show_default=True,
                   help=lambda: "wall-clock limit of {what}, 1..{seconds} s: past it (or "
                                "past {memory} of memory) the work is stopped, {then}".format(
                                    what=what, then=then, **_limits()))


_quiet_option = click.option("--quiet", "-q", is_flag=True,
                             help="no progress on stderr (it is drawn only when stderr is a "
                                  "terminal)")


def _full_help() -> str:
    from derive.render.notation import EDGE, SHOWN
    return (f"every entry of a large matrix (past {SHOWN} rows or columns, or wider than the "
            f"page, only the first and last {EDGE} are shown); JSON has every entry always")


_full_option = _option("--full", is_flag=True, help=_full_help)


def _bounded(task: str, seconds: str, function, *args, tries=("a smaller N",), **kwargs):
    """``function(*args, **kwargs)`` in a bounded worker (:func:`derive.bounded.run_bounded`)
    within ``--timeout``; past a limit, one line: ``too large to {task}: …``, exit 3."""
    from derive.bounded import run_bounded
    return _library_call(run_bounded, function, *args, seconds=_seconds(seconds), task=task,
                         tries=tries, **kwargs)


def _is_terminal(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


@contextmanager
def _progress(quiet: bool):
    """Progress of the work inside, on stderr when it is a terminal and not ``--quiet``."""
    from derive import progress
    from derive.render.progress import ProgressLine
    reporter = None if quiet or not _is_terminal(sys.stderr) else ProgressLine(sys.stderr)
    with progress.reporting(reporter):
        yield


def _classes(value: str | None) -> int | str | None:
    """``--classes``: plain ASCII digits (click's int() would take '١٢' and '1_000'), or a
    letter / the word ``symbolic`` for a symbolic N, which the library validates."""
    if value is None:
        return None
    value = value.strip()
    if re.fullmatch(r"[0-9]{1,6}", value):
        return int(value)
    if re.fullmatch(r"[A-Za-z]{1,8}", value):
        return value
    raise _Failure(f"--classes {value!r} is not a number of classes; give e.g. 3, "
                   "or N for a symbolic number of classes", 2)


def _complete_targets(ctx, param, incomplete: str) -> list[str]:
    """The target names that start with what was typed, for shell completion
    (``eval "$(_DERIVE_COMPLETE=bash_source derive)"``, see the README)."""
    from derive.catalog import TARGETS
    return [name for name in TARGETS if name.startswith(incomplete)]


class _OneLineErrors(click.Group):
    """Usage errors on one line too (click prints a usage block and a blank line):
    what was wrong, and which --help to read."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True,
             **extra):
        try:
            return super().main(args, prog_name, complete_var, standalone_mode=False,
                                **extra)
        except click.UsageError as error:
            # The command's path as the user types it (`derive check`), whatever the
            # program was started as (python cli.py, a shim).
            path = " ".join(["derive", *error.ctx.command_path.split()[1:]]) if error.ctx \
                else "derive"
            where = f" (see `{path} --help`)"
            click.echo(f"derive: error: {_one_line(error.format_message())}{where}", err=True)
            sys.exit(2)
        except click.ClickException as error:
            error.show()
            sys.exit(error.exit_code)
        except click.Abort:
            click.echo("derive: aborted", err=True)
            sys.exit(1)
        except Exception as error:   # a bug in derive: one line too, the traceback on request
            import os
            if os.environ.get("DERIVE_DEBUG"):
                raise
            click.echo(f"derive: internal error: {type(error).__name__}: "
                       f"{_one_line(str(error))[:300]} (a bug: please report it; "
                       "DERIVE_DEBUG=1 shows the traceback)", err=True)
            sys.exit(70)


@click.group(cls=_OneLineErrors, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="derive")
def main() -> None:
    """Mechanical, checked derivations of softmax and cross-entropy calculus.

    \b
    Examples:
      derive list
      derive show softmax-jacobian
      derive show softmax-jacobian --classes N
      derive show softmax-cross-entropy-grad --classes 4 --at "z=[1,2,0,-1]; y=[0,1,0,0]"
      derive show softmax-jacobian --format latex --standalone -o jacobian.tex
      derive export all.tex --pdf
    """


@main.command("list", short_help="List the targets with their textbook results for every N.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@_timeout_option("list", "deriving the results")
@_quiet_option
def list_targets(fmt: str, seconds: str, quiet: bool) -> None:
    """List the targets, each with its textbook result for every number of classes N.

    One line per target: its name, the result in index notation and in matrix
    notation, and the assumption it needs, each proved for every N by the rules
    (without the steps: `derive show TARGET` derives them).
    """
    from derive.bounded import map_bounded
    from derive.catalog import TARGETS
    from derive.render.json import catalog_json
    from derive.render.text import catalog_text
    # SymPy's Add imports sympy.tensor.tensor at its first use (a twentieth of a second);
    # this process reads the results back with it anyway: imported once here, before
    # the workers fork, rather than once in each.
    import sympy.tensor.tensor  # noqa: F401

    with _progress(quiet):
        derivations = _library_call(map_bounded, _result, list(TARGETS),
                                    seconds=_seconds(seconds), task="list the targets")
    click.echo(catalog_json(derivations) if fmt == "json" else catalog_text(derivations))


def _result(name: str):
    """A target's result for a symbolic N (without steps or checks: about a twentieth of
    a second), or at N = 3 for a target that has no symbolic form."""
    from derive.catalog import get_target
    from derive.derivation import derivation
    target = get_target(name)
    return derivation(name, "N" if target.symbolic else max(3, target.min_classes),
                      check=False, steps=False)


def _number_of_classes(classes: str | None, point) -> int | str:
    n = _classes(classes)
    if n is None:
        vectors = [v for v in (point or {}).values() if hasattr(v, "size")]
        n = vectors[0].size if vectors else 3
    return n


def _layer_options(function):
    """The options of the layer and batch targets, shared by show, export and check (the
    same sizes for each: a concrete N is an instance of the proof, checked exactly)."""
    def sizes(option: str) -> str:
        limits = _limits()
        return (f"1..{limits[option]}, with at most {limits['entries']} entries in the "
                "derivative")

    def decorate(function):
        for option in reversed((
            # No short forms: `derive check "-delta(i,j) ..."` must stay a claim.
            _option("--inputs", type=str, metavar="D",
                    help=lambda: f"input size D of a layer target, {sizes('inputs')}, or D "
                                 "for a symbolic one (with --classes N)  "
                                 "[default: 3; D with --classes N]"),
            _option("--batch", type=str, metavar="M",
                    help=lambda: f"batch size m of a batch target, {sizes('batch')}  "
                                 "[default: 2]"),
            click.option("--wrt", metavar="VAR", multiple=True, callback=_wrt,
                         help="the variable differentiated against: for a layer target W "
                              "(default), x or b; for the others their own (z or S); "
                              "with --of, twice for a second derivative (--wrt z --wrt z)"),
            click.option("--convention", type=click.Choice(["Wx", "WTx"]),
                         help="a layer's convention: Wx (z = W x + b, W of shape N × D; the "
                              "default) or WTx (z = Wᵀ x + b, W of shape D × N)"),
            click.option("--reduction", type=click.Choice(["mean", "sum"]),
                         help="the reduction of a batch loss over its examples  "
                              "[default: mean]"),
        )):
            function = option(function)
        return function
    return decorate(function)


def _definition_options(function):
    """``--of DEFINITION`` and ``--assume EQUATION`` (repeatable), shared by show, check
    and export: a function the user defines instead of a catalogue target."""
    function = click.option(
        "--assume", "assume", metavar="EQUATION", multiple=True,
        help="with --of: a hypothesis the result may use, e.g. \"Σ_k y_k = 1\" "
             "(stated in the output; repeatable)")(function)
    return click.option(
        "--of", "of", metavar="DEFINITION",
        help="derive a function you define instead of a target, e.g. "
             "\"L = -Σ_k w_k y_k log(softmax(z)_k)\" with --wrt z (see `derive notation`)"
    )(function)


def _definition_request(of, assume, target, options: dict, what: str) -> None:
    """Refuse what does not go with --of (or --assume without it), before any work."""
    if of is None:
        if assume:
            raise _Failure("--assume goes with --of DEFINITION (a target states its own "
                           "assumptions)", 2)
        if isinstance(options.get("wrt"), tuple):
            raise _Failure(_TWICE, 2)
        return
    if target is not None:
        raise _Failure(f"give {what} or --of DEFINITION, not both", 2)
    extra = [f"--{key}" for key in ("convention", "reduction")
             if options.get(key) is not None]
    if extra:
        raise _Failure(f"{', '.join(extra)}: options of the catalogue targets, not of --of", 2)


def _classes_option(what: str):
    """``--classes``: the limit stated is the library's, the same for every command."""
    return _option("--classes", "-n", metavar="N",
                   help=lambda: "number of classes, 2..{top} (1..{top} for independent sigmoid "
                                "outputs), or a letter (N) {what}".format(
                                    top=_limits()["classes"], what=what))


def _size(value: str | None, option: str) -> int | str | None:
    """--inputs / --batch: plain ASCII digits, as for --classes; ``D`` for a symbolic
    input size (with a symbolic number of classes)."""
    if value is None:
        return None
    if option == "inputs" and value.strip() == "D":
        return "D"
    if not re.fullmatch(r"[0-9]{1,6}", value.strip()):
        raise _Failure(f"--{option} {value!r} is not a number; give e.g. 3"
                       + (" (or D, with --classes N)" if option == "inputs" else ""), 2)
    return int(value.strip())


def _wrt(context, parameter, given: tuple[str, ...]):
    """--wrt as given: ``None``, one name, or two (a second derivative, with --of)."""
    if len(given) > 2:
        raise click.BadParameter("give it once (a first derivative) or twice (a second); "
                                 f"got it {len(given)} times")
    return None if not given else given[0] if len(given) == 1 else tuple(given)


_TWICE = ("--wrt twice (a second derivative) goes with --of DEFINITION; the catalogue's is "
          "the target softmax-cross-entropy-hessian")


def _options(inputs, batch, wrt, convention, reduction) -> dict:
    return {"inputs": _size(inputs, "inputs"), "batch": _size(batch, "batch"), "wrt": wrt,
            "convention": convention, "reduction": reduction}


@main.command(short_help="Derive a target or your own --of definition, step by step.")
@click.argument("target", required=False, shell_complete=_complete_targets)
@_classes_option("or 'symbolic' to prove the result for every N  "
                         "[default: 3, or the length of z in --at]")
@click.option("--at", "at", metavar="POINT",
              help="evaluate at a point, e.g. \"z=[1, 2, 3]; y=[0, 1, 0]\" (c is 1-based)")
@click.option("--format", "fmt", type=click.Choice(SHOW_FORMATS), default="text",
              show_default=True)
@click.option("--result-only", is_flag=True, help="leave out the steps")
@_full_option
@click.option("--standalone", is_flag=True, help="a whole LaTeX document (with --format latex)")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="write to FILE")
@click.option("--force", is_flag=True, help="overwrite an existing output file")
@click.option("--cross-validate", is_flag=True,
              help="with a symbolic N: also compare the result with the concrete "
                   "derivatives for N = 2..8, entry by entry")
@click.option("--seed", type=_ASCII_SEED, default="0", show_default=True,
              help="seed of the random points of the numeric check")
@_timeout_option("show", "the derivation and its checks")
@_quiet_option
@_layer_options
@_definition_options
def show(target: str | None, classes: str | None, at: str | None, fmt: str,
         result_only: bool, full: bool, standalone: bool, output: str | None, force: bool,
         cross_validate: bool, seed: int, seconds: str, quiet: bool, inputs, batch, wrt,
         convention, reduction, of: str | None, assume: tuple[str, ...]) -> None:
    """Derive TARGET step by step, rewrite it to textbook form and check it.

    With --classes N (any letter, or 'symbolic') the result is proved for every
    number of classes at once.  A large matrix is shown by its corners (--full: all
    of it).  Instead of a TARGET, --of derives a function you define:

    \b
      derive show --of "L = -Σ_k w_k y_k log(softmax(z)_k)" --wrt z --classes N
      derive show --of "a_i = exp(q·k_i/√d)/Σ_m exp(q·k_m/√d)" --wrt q -n N
      derive show --of "L = logsumexp(z)" --wrt z --wrt z -n N   # the Hessian

    --format numpy prints the result as a vectorised, stable NumPy function, run
    against the derivation at N = 3 and 5 before it is printed (--format torch: the
    same in PyTorch, where it is installed; docs/code.md).
    """
    from derive.catalog import get_target
    from derive.export import check_format
    from derive.point import parse_point, sizes_from_point

    options = _options(inputs, batch, wrt, convention, reduction)
    _definition_request(of, assume, target, options, "a TARGET")
    if of is None and target is None:
        raise _Failure("give a TARGET (see `derive list`) or --of DEFINITION", 2)
    if fmt in ("numpy", "torch"):
        _code(fmt, target, of, options, assume, classes, at, standalone, output, force, seed,
              seconds, quiet)
        return
    if of is not None:
        point = _library_call(parse_point, at) if at is not None else None
        implied = {}
        if point is not None:
            from derive.definitions import sizes_of_point
            implied = _library_call(sizes_of_point, of, point)
        n = _classes(classes) or implied.get("classes") or 3
        inputs_given = options["inputs"] if options["inputs"] is not None \
            else implied.get("inputs")
        batch_given = options["batch"] if options["batch"] is not None \
            else implied.get("batch")
        if point is not None and isinstance(n, str):
            raise _Failure("--at needs a concrete number of classes (or one read off the "
                           "point)", 2)
        if cross_validate and not isinstance(n, str):
            raise _Failure("--cross-validate needs a symbolic number of classes, "
                           "e.g. --classes N", 2)
        _library_call(check_format, fmt, standalone=standalone, evaluation=point is not None)
        if output:
            _refuse_existing([output], force)
        with _progress(quiet):
            d, value = _bounded("derive the definition", seconds, _derive_definition, of, wrt,
                                n, tuple(assume), inputs_given, seed, not result_only, point,
                                batch_given, cross_validate, tries=() if isinstance(n, str)
                                else ("a smaller N",))
        _emit(d, value, fmt, not result_only, standalone, full, output, force)
        if not d.checks_passed or (value is not None and not value.agrees):
            sys.exit(1)
        return

    point = _library_call(parse_point, at) if at is not None else None
    # Sizes not given are read off the point: N from b, y or z; D from x; m from Z.
    implied = sizes_from_point(_library_call(get_target, target), point) if point else {}
    for key in ("inputs", "batch"):
        options[key] = options[key] if options[key] is not None else implied.get(key)
    n = _classes(classes)
    if n is None:
        n = implied.get("classes") or _number_of_classes(None, point)
    # Everything that can be refused before the work is.
    if cross_validate and not isinstance(n, str):
        raise _Failure("--cross-validate needs a symbolic number of classes, "
                       "e.g. --classes N", 2)
    _library_call(check_format, fmt, standalone=standalone, evaluation=point is not None)
    if output:
        _refuse_existing([output], force)
    with _progress(quiet):
        d, value = _bounded(f"derive {target}", seconds, _derive_and_evaluate, target, n,
                            options, seed, not result_only, cross_validate, point,
                            tries=() if isinstance(n, str) else ("a smaller N",))
    _emit(d, value, fmt, not result_only, standalone, full, output, force)
    if (not d.checks_passed or (value is not None and not value.agrees)
            or (d.validation is not None and not d.validation.passed)):
        sys.exit(1)


def _code(language: str, target, of, options: dict, assume, classes, at, standalone: bool,
          output, force: bool, seed: int, seconds: str, quiet: bool) -> None:
    """``derive show --format numpy`` (or ``torch``): the module, checked before it is
    printed or written (derive.generated); the code is the same for every N, and is run
    at N = 3 and 5 (and at --classes N when given)."""
    from derive.generated import CHECK_CLASSES, generated_code
    from derive.export import write
    if at is not None or standalone:
        raise _Failure(f"--format {language} writes code; --at and --standalone do not "
                       "apply", 2)
    n = _classes(classes)
    if isinstance(n, str):
        raise _Failure(f"--format {language} code is the same for every N; give --classes a "
                       "number to check it at that N too, or leave it out", 2)
    sizes = tuple(sorted({*CHECK_CLASSES, *((n,) if n is not None else ())}))
    if output:
        _refuse_existing([output], force)
    given = {k: v for k, v in options.items() if v is not None and k != "wrt"}
    with _progress(quiet):
        generated = _bounded("generate and check the code", seconds, generated_code, target,
                             of=of, wrt=options.get("wrt"), assume=tuple(assume), seed=seed,
                             classes=sizes, language=language, **given)
    if output:
        _library_call(write, output, generated.source, force)
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(generated.source, nl=False)


def _emit(d, value, fmt: str, steps: bool, standalone: bool, full: bool, output,
          force: bool) -> None:
    """``derive show``'s output: printed, or written to ``output`` and the file named on
    stderr (as ``derive export`` names what it wrote)."""
    from derive.export import render, write
    content = _library_call(render, d, fmt, steps=steps, standalone=standalone,
                            evaluation=value, full=full)
    if output:
        _library_call(write, output, content, force)
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(content)


def _derive_and_evaluate(target: str, n, options: dict, seed: int, steps: bool,
                         validate: bool, point):
    """``derive show``'s work, in its worker: the derivation (cross-validated when asked),
    and its value at the point when one is given."""
    from dataclasses import replace

    from derive import progress
    from derive.derivation import derivation
    from derive.point import evaluate

    at = "for every N" if isinstance(n, str) else f"at N = {n}"
    with progress.stage(f"deriving {target} {at}"):
        d = derivation(target, n, seed=seed, steps=steps, **options)
        if validate:
            from derive.check.crosscheck import cross_validate
            d = replace(d, validation=cross_validate(d, seed=seed))
        return d, evaluate(d, point) if point is not None else None


def _derive_definition(of: str, wrt, n, assume: tuple, inputs, seed: int, steps: bool,
                       point=None, batch=None, validate: bool = False):
    """``derive show --of``'s work, in its worker: the derivation (cross-validated when
    asked), and its value at the point when one is given."""
    from dataclasses import replace

    from derive import progress
    from derive.derivation import derivation
    from derive.definitions import evaluate_definition
    with progress.stage("deriving the definition"):
        d = derivation(of=of, wrt=wrt, classes=n, assume=assume, inputs=inputs, batch=batch,
                       seed=seed, steps=steps)
    if validate:
        from derive.check.crosscheck import cross_validate
        d = replace(d, validation=cross_validate(d, seed=seed))
    return d, evaluate_definition(d, point) if point is not None else None


def _refuse_existing(paths, force: bool) -> None:
    """Existing output files are refused before minutes of work, not after."""
    from pathlib import Path
    for path in map(Path, paths):
        if path.exists() and not force:
            raise _Failure(f"{str(path)!r} exists; pass --force to overwrite it", 2)


@main.command(short_help="Write a LaTeX, Markdown or JSON document of derivations.")
@click.argument("file", type=click.Path(dir_okay=False))
@click.argument("targets", nargs=-1, shell_complete=_complete_targets)
@_classes_option("or 'symbolic'  [default: 3]")
@click.option("--result-only", is_flag=True, help="leave out the steps")
@_full_option
@click.option("--pdf", is_flag=True, help="also compile the .tex file with pdflatex")
@click.option("--force", is_flag=True, help="overwrite existing files")
@_timeout_option("export", "the derivation of each target and its checks")
@_quiet_option
@_layer_options
@click.option("--of", "definitions", metavar="DEFINITION", multiple=True,
              help="also a function you define, e.g. \"L = -Σ_k w_k y_k log(softmax(z)_k)\" "
                   "(repeatable; --wrt and --assume apply to each)")
@click.option("--assume", "assume", metavar="EQUATION", multiple=True,
              help="with --of: a hypothesis the results may use, e.g. \"Σ_k y_k = 1\"")
def export(file: str, targets: tuple[str, ...], classes: str | None, result_only: bool,
           full: bool, pdf: bool, force: bool, seconds: str, quiet: bool, inputs, batch, wrt,
           convention, reduction, definitions: tuple[str, ...],
           assume: tuple[str, ...]) -> None:
    """Write a document with the derivations of TARGETS (all when none, unless --of
    is given) to FILE.

    The format follows the extension: .tex (a standalone article), .md, .json, .txt.
    A large matrix is shown by its corners (--full: all of it; the JSON has all of it
    always).  --timeout applies to each target.
    """
    from pathlib import Path

    from derive import progress
    from derive.catalog import TARGETS, get_target
    from derive.derivation import check_request
    from derive.export import compile_pdf, format_for, render_document, write

    fmt = _library_call(format_for, file)
    if pdf and fmt != "latex":
        raise _Failure("--pdf needs a .tex file", 2)
    n = _number_of_classes(classes, None)
    names = targets or (() if definitions else tuple(TARGETS))
    given = _options(inputs, batch, wrt, convention, reduction)
    if isinstance(wrt, tuple) and names:
        raise _Failure(_TWICE, 2)
    if assume and not definitions:
        raise _Failure("--assume goes with --of DEFINITION", 2)
    _refuse_existing((Path(file), Path(file).with_suffix(".pdf")) if pdf else (file,), force)
    _seconds(seconds)
    requests = []
    for name in names:
        # Named targets take the options given; with all targets each takes those it has.
        options = given if targets else {
            key: value for key, value in given.items()
            if key in _library_call(get_target, name).options}
        _library_call(check_request, name, n, **options)   # every size refused up front
        requests.append((name, options))
    derivations = []
    with _progress(quiet), progress.stage("deriving", total=len(requests) + len(definitions)):
        for name, options in requests:
            # A worker per target: --timeout is each one's, and what was done is kept.
            derivations.append(_bounded(
                f"derive {name}", seconds, _derive_one, name, n, not result_only, options,
                tries=() if isinstance(n, str) else ("a smaller N",)))
            progress.advance()
        for definition in definitions:
            derivations.append(_bounded(
                "derive the definition", seconds, _derive_definition, definition, wrt, n,
                tuple(assume), given["inputs"], 0, not result_only, None, given["batch"],
                tries=() if isinstance(n, str) else ("a smaller N",))[0])
            progress.advance()
    written = _library_call(write, file, render_document(derivations, fmt, not result_only,
                                                         full), force)
    click.echo(f"wrote {written}")
    if pdf:
        click.echo(f"wrote {_library_call(compile_pdf, written, force)}")
    if not all(d.checks_passed for d in derivations):
        sys.exit(1)


def _derive_one(name: str, n, steps: bool, options: dict):
    """One target of ``derive export``, in its worker."""
    from derive import progress
    from derive.derivation import derivation
    with progress.stage(name):
        return derivation(name, n, steps=steps, **options)


@main.command(short_help="Prove an identity step by step (without one, list them).")
@click.argument("identity", required=False)
@click.option("--format", "fmt", type=click.Choice(SHOW_FORMATS), default="text",
              show_default=True)
@click.option("--seed", type=_ASCII_SEED, default="0", show_default=True,
              help="seed of the random points of the numeric check")
def prove(identity: str | None, fmt: str, seed: int) -> None:
    """Prove IDENTITY step by step (without one, list the identities).

    An identity links targets: two-class-softmax shows that softmax over two classes
    is the sigmoid of the logit difference, with the same cross-entropy gradient.
    """
    from derive.identities import IDENTITIES, get_identity
    from derive.render.identity import render_identity

    if identity is None:
        for name, build in IDENTITIES.items():
            click.echo(f"{name}  {_library_call(build, seed).summary}")
        return
    click.echo(render_identity(_library_call(get_identity, identity, seed), fmt))


def _complete_topics(ctx, param, incomplete: str) -> list[str]:
    from derive.render.guide import topics
    return [name for name in topics() if name.startswith(incomplete.lower())]


@main.command(short_help="Print the notation of claims and definitions (or one topic).")
@click.argument("topic", required=False, shell_complete=_complete_topics)
def notation(topic: str | None) -> None:
    """Print the notation guide: how claims and --of definitions are written (names,
    examples, LaTeX, how each notation is read, what is decided and how, SymPy and NumPy).
    TOPIC prints one section, named by a word of its heading.

    \b
    Examples:
      derive notation
      derive notation latex
      derive notation examples | less
    """
    from derive.render.guide import notation_guide
    click.echo(_library_call(notation_guide, topic), nl=False)


class _ClaimCommand(click.Command):
    """``derive check``: an argument is an option only when it is exactly one of the
    command's option names (``-n``, ``--classes``), or ``--option=value``; anything else is
    the claim, so that a claim may start with a minus sign.  click on its own would read
    ``-\\hat{y}_j + y_j`` as bundled short flags (``-h`` shows the help and exits 0) and
    ``-(p_n - y_n)`` as ``-n`` with a value."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        takes_value = {}
        for param in self.get_params(ctx):
            if isinstance(param, click.Option):
                for name in (*param.opts, *param.secondary_opts):
                    takes_value[name] = not param.is_flag and not param.count
        options, claims = [], []
        rest = iter(args)
        for arg in rest:
            if arg == "--":   # the rest is the claim, whatever it looks like
                claims.extend(rest)
                break
            name, equals, _ = arg.partition("=")
            if arg in takes_value or (equals and name.startswith("--") and name in takes_value):
                options.append(arg)
                if takes_value.get(arg):   # its value is the next argument, as click reads it
                    value = next(rest, None)
                    if value is not None:
                        options.append(value)
            else:
                claims.append(arg)
        if len(claims) > 1:
            import difflib
            for arg in claims:
                if re.fullmatch(r"--[a-z][a-z-]*(=.*)?", arg):   # a misspelt option
                    name = arg.partition("=")[0]
                    close = difflib.get_close_matches(name, list(takes_value), n=1)
                    raise click.UsageError(f"no such option {name}" + (
                        f"; did you mean {close[0]}?" if close else ""), ctx)
            quoted = ", ".join(repr(c) for c in claims[:3])
            raise click.UsageError(f"more than one claim: {quoted}; quote the claim as one "
                                   "argument, and give options exactly as -n 5 or "
                                   "--classes=5", ctx)
        return super().parse_args(ctx, options + (["--", *claims] if claims else []))


@main.command(cls=_ClaimCommand,
              short_help="Check a hand-written formula against a target or --of.")
@click.argument("claim", required=False)
@click.option("--against", "target", metavar="TARGET", shell_complete=_complete_targets,
              help="the derivative to compare with (see `derive list`); may be left out "
                   "for LaTeX with a left side such as \\frac{\\partial L}{\\partial z_j} =")
@click.option("--latex/--no-latex", default=None,
              help="read CLAIM as LaTeX  [default: when it looks like LaTeX]")
@_option("--python", "python_function", metavar="FILE.py:FUNC",
         help=lambda: "check a NumPy function instead of a formula: its parameters are "
                      "bound by name (z, y, S, W, x, b, Z, Y, T, eps, q; the class c is an "
                      "int from 0, as NumPy indexes; see `derive notation python`); FILE.py "
                      "is imported and its function called only in a separate worker process, within "
                      f"--timeout and {_limits()['memory']} of memory (its code runs there, "
                      "as you)")
@_classes_option("to decide for every N  [default: 3]")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@click.option("--seed", type=_ASCII_SEED, default="0", show_default=True,
              help="seed of the random points, 0..4294967295")
@_timeout_option("check", "the check", "and the claim is too large to decide")
@_quiet_option
@_layer_options
@_definition_options
def check(claim: str | None, target: str | None, latex: bool | None,
          python_function: str | None, classes: str | None, fmt: str,
          seed: int, seconds: str, quiet: bool, inputs, batch, wrt, convention,
          reduction, of: str | None, assume: tuple[str, ...]) -> None:
    """Check a hand-written formula CLAIM against a derived TARGET.

    \b
    Exit status: 0 holds, 1 fails, 2 the input could not be understood or the claim
    is undefined, 3 undetermined (also: too large to decide within --timeout), 70 a bug
    in derive.  Any argument that is not exactly an option is the claim, so a claim may
    start with a minus sign; after -- everything is the claim.
    Examples:
      derive check "S_i*(delta(i,j) - S_j)" --against softmax-jacobian
      derive check "S - y" --against softmax-cross-entropy-grad --classes N
      derive check "diag(S) - outer(S, S)" --against softmax-jacobian --format json
      derive check '\\frac{\\partial L}{\\partial z_j} = \\hat{y}_j - y_j'
      derive check --python mygrad.py:grad --against softmax-cross-entropy-grad -n 10
      derive check "W.T @ (S - y)" --against linear-softmax-cross-entropy-grad --wrt x
      derive check --against softmax-cross-entropy-grad -- "-(y - S)"
      derive check "S_j Σ_k w_k y_k - w_j y_j" --of "L = -Σ_k w_k y_k log(softmax(z)_k)" --wrt z
    """
    from derive.render.json import verdict_json
    from derive.render.text import verdict_text
    from derive.verdicts.verify import verify

    _definition_request(of, assume, target, _options(inputs, batch, wrt, convention,
                                                     reduction), "--against TARGET")
    if of is not None:
        if (claim is None) == (python_function is None):
            raise _Failure("with --of, give a CLAIM (text or LaTeX) or --python FILE.py:FUNC",
                           2)
        n = _number_of_classes(classes, None)
        if python_function is not None:
            from derive.bounded import undumpable
            undumpable()   # the user's code, in its worker, cannot reach this process
            claim = _python_function(python_function)
        extra = {key: value for key, value in (("wrt", wrt), ("inputs", _size(inputs, "inputs")))
                 if value is not None}
        with _progress(quiet):
            v = _library_call(verify, claim, classes=n, seed=seed, time_limit=_seconds(seconds),
                              of=of, assume=tuple(assume), latex=latex, **extra)
        click.echo(verdict_json(v) if fmt == "json" else verdict_text(v))
        sys.exit({"holds": 0, "fails": 1, "undetermined": 3}[v.verdict])

    if (claim is None) == (python_function is None):
        raise _Failure("give either a CLAIM or --python FILE.py:FUNC", 2)
    if python_function is not None and target is None and of is None:
        raise _Failure("--python needs --against TARGET (or --of DEFINITION)", 2)
    options = _options(inputs, batch, wrt, convention, reduction)
    if wrt is not None and target is not None:
        from derive.catalog import get_target
        found = _library_call(get_target, target)
        if "wrt" not in found.options:   # --wrt may name the variable of any target
            variable = str(found.problem(3).wrt)
            if wrt != variable:
                raise _Failure(f"{target} is a derivative with respect to {variable}; "
                               f"--wrt {wrt} is not one of its variables", 2)
            options["wrt"] = None
    n = _number_of_classes(classes, None)
    if python_function is not None:
        from derive.bounded import undumpable
        undumpable()   # the user's code, in its worker, cannot reach this process via /proc
        claim = _python_function(python_function)
    options = {key: value for key, value in options.items() if value is not None}
    with _progress(quiet):
        v = _library_call(verify, claim, against=target, classes=n, seed=seed, latex=latex,
                          time_limit=_seconds(seconds), **options)
    click.echo(verdict_json(v) if fmt == "json" else verdict_text(v))
    sys.exit({"holds": 0, "fails": 1, "undetermined": 3}[v.verdict])


def _python_function(spec: str):
    """FILE.py:FUNC as a reference: the file is imported only in the worker that calls
    the function (derive.verdicts.isolated), never in this process, whose verdict it could change."""
    from derive.errors import InputError
    from derive.verdicts.isolated import PythonFunction

    path, _, name = spec.rpartition(":")
    if not path or not name.isidentifier():
        raise _Failure(f"--python {spec!r}: give FILE.py:FUNC", 2)
    try:
        return PythonFunction(path, name)
    except InputError as error:
        raise _Failure(f"--python {spec!r}: {error}", 2) from None


if __name__ == "__main__":  # pragma: no cover
    main()
