"""`hmipviz schema` and `hmipviz export-html`: their parsers and commands, registered by
hmipviz/cli.py with one line each, so the shared CLI module stays small."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

CliErrorType = Callable[[str], Exception]


def add_parsers(sub) -> None:
    """Add the ``schema`` and ``export-html`` sub-commands to the CLI's subparsers."""
    schema = sub.add_parser("schema", help="print or write the JSON Schema of scenario "
                            "files (for editors that check TOML against JSON Schema)")
    schema.add_argument("--out", metavar="FILE",
                        help="write the schema to FILE (atomically) instead of printing it")
    page = sub.add_parser("export-html", help="write one self-contained web page of a run "
                          "(topology, playback, events, packet bytes): no server needed")
    page.add_argument("scenario", help="a scenario file or a built-in name")
    page.add_argument("--out", metavar="FILE", required=True, help="the .html file to write")
    page.add_argument("--move", action="append", default=[], metavar="T:AR[:MN]",
                      help="add a move of the MN to AR at time T (repeatable), as `run`")
    page.add_argument("--until", type=float, metavar="SECONDS",
                      help="simulate up to this time (default: the scenario's duration_s)")


def cmd_schema(args: argparse.Namespace, error: CliErrorType) -> int:
    from hmipviz.fileio import atomic_write
    from hmipviz.scenario.schema import schema_text
    text = schema_text()
    if args.out is None:
        sys.stdout.write(text)
        return 0
    try:
        atomic_write(args.out, text.encode("utf-8"))
    except OSError as exc:
        raise error(f"cannot write {args.out}: {exc.strerror or exc}") from None
    print(f"wrote {args.out}")
    return 0


def cmd_export_html(args: argparse.Namespace, error: CliErrorType) -> int:
    from hmipviz.cli import _load, _parse_move
    from hmipviz.webexport.page import export_html, run_for_page
    scenario = _load(args.scenario)
    moves = [_parse_move(m) for m in args.move]
    try:
        sim = run_for_page(scenario, moves, args.until)
    except ValueError as exc:
        raise error(str(exc)) from None
    try:
        size = export_html(sim, args.out)
    except OSError as exc:
        raise error(f"cannot write {args.out}: {exc.strerror or exc}") from None
    print(f"wrote {args.out} ({size / 1024:.0f} KiB, {len(sim.trace)} events)")
    return 0


COMMANDS = {"schema": cmd_schema, "export-html": cmd_export_html}
