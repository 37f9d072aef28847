"""The ``siting`` command: one module per sub-command (``run``, ``optimize``, ``check``, ``batch``, ``serve``).

``siting run scenarios/demo.toml`` runs a scenario and writes the map and tables;
``siting optimize ...`` solves a covering problem on your own reachability table.
Input errors print a message that names the problem and the fix and exit with code 2.

Each sub-command module defines ``add_parser(subparsers)``; add a new one to
:data:`_SUBCOMMANDS`. May import: anything in siting (the CLI is the top floor), but it holds no
analysis of its own: it parses arguments, calls the library and prints.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from siting._version import __version__
from siting.errors import SitingError

__all__ = ["main"]

logger = logging.getLogger("siting")


#: Level names of the console's log lines in Chinese.
_LEVELS_ZH = {"DEBUG": "调试", "INFO": "信息", "WARNING": "警告", "ERROR": "错误", "CRITICAL": "严重"}


class _Formatter(logging.Formatter):
    """Log lines in the console's language (:mod:`siting.standards.logtext`): the library logs
    English templates, the console shows them in the run's language."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(message)s", "%H:%M:%S")

    def formatMessage(self, record: logging.LogRecord) -> str:
        from siting.standards.logtext import console_lang

        if console_lang() == "zh" and record.levelname in _LEVELS_ZH:
            zh = _LEVELS_ZH[record.levelname]  # two columns per character: the same 8 as "%-7s "
            return f"{record.asctime} {zh}{' ' * max(1, 8 - 2 * len(zh))}{record.message}"
        return super().formatMessage(record)

    def format(self, record: logging.LogRecord) -> str:
        from siting.standards.logtext import render

        record = logging.makeLogRecord(record.__dict__)  # other handlers keep the original
        if isinstance(record.msg, str):
            try:
                record.msg, record.args = render(record.msg, record.args or ()), None
            except (TypeError, ValueError):
                pass  # logging reports a bad template itself
        return super().format(record)


def _setup_logging(verbosity: int) -> None:
    level = logging.WARNING if verbosity < 0 else logging.INFO if verbosity == 0 else logging.DEBUG
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Formatter())
    root = logging.getLogger("siting")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False


#: Modules of :mod:`siting.cli` that add a sub-command, in the order ``siting --help`` lists them.
_SUBCOMMANDS = ("run", "optimize", "check", "batch", "serve")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``siting`` command."""
    p = argparse.ArgumentParser(prog="siting", description="Plan community services around the 15-minute life circle.")
    p.add_argument("--version", action="version", version=f"siting {__version__}")
    _global_flags(p, default=True)
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    # each sub-command module defines add_parser(subparsers), which sets defaults(func=...)
    for name in _SUBCOMMANDS:
        importlib.import_module(f"siting.cli.{name}").add_parser(sub)
    for sp in sub.choices.values():  # -v/-q also after the sub-command: `siting run -q x.toml`
        _global_flags(sp, default=False)
    return p


def _global_flags(p: argparse.ArgumentParser, *, default: bool) -> None:
    """-v and -q; on a sub-command without defaults, so that they never undo the ones given before it."""
    keep = argparse.SUPPRESS
    p.add_argument("-v", "--verbose", action="count", default=0 if default else keep, help="more log output")
    p.add_argument("-q", "--quiet", action="store_true", default=False if default else keep,
                   help="warnings and errors only")


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``siting`` command; returns the exit code (2 for input errors)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    _setup_logging(-1 if args.quiet else args.verbose)
    from siting.standards.logtext import set_console_lang

    set_console_lang("en")  # until a sub-command reads the run's language
    try:
        return int(args.func(args))
    except SitingError as exc:
        from siting.standards.logtext import console_lang

        head = "siting：错误：" if console_lang() == "zh" else "siting: error: "
        print(f"{head}{exc}", file=sys.stderr)  # in the run's language (siting.errors.Msg)
        return 2
    except KeyboardInterrupt:
        from siting.standards.logtext import console_lang

        print("siting：已中断" if console_lang() == "zh" else "siting: interrupted", file=sys.stderr)
        return 130
    finally:
        set_console_lang("en")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
