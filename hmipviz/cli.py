"""The `hmipviz` command: the GUI by default, and headless `run`, `scenarios`, `check`,
`lessons`; `lesson` opens the window on a lesson.

Every error ends as one `error: ...` line on stderr and exit status 2, never a
traceback.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

from . import __version__

EXIT_USAGE = 2


class CliError(Exception):
    """A problem the user can fix; printed as one line."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse would print usage + exit 2
        raise CliError(message)


def _parse_move(text: str):
    from .scenario import MoveSpec
    at, sep, to = text.partition(":")
    if not sep:
        raise CliError(f"--move {text!r}: expected TIME:AR, e.g. 5:AR2")
    try:
        at_s = float(at)
    except ValueError:
        raise CliError(f"--move {text!r}: {at!r} is not a time in seconds") from None
    if at_s < 0:
        raise CliError(f"--move {text!r}: time must not be negative")
    return MoveSpec(at_s, None if to.lower() == "none" else to, 0)


def _build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="hmipviz", description="Visualise and teach Hierarchical Mobile IPv6 "
                "(RFC 5380). With no command, opens the window on the figure1 scenario.")
    p.add_argument("--version", action="version", version=f"hmipviz {__version__}")
    p.add_argument("--present", action="store_true", help="open in presentation mode")
    sub = p.add_subparsers(dest="command")

    run = sub.add_parser("run", help="run a scenario headless and print a summary")
    run.add_argument("scenario", help="a scenario file or a built-in name")
    run.add_argument("--until", type=float, metavar="SECONDS",
                     help="simulate up to this time (default: the scenario's duration_s)")
    run.add_argument("--move", action="append", default=[], metavar="T:AR",
                     help="add a move of the MN to AR at time T (repeatable; AR 'none' "
                          "detaches)")
    run.add_argument("--mode", choices=["hmipv6", "mipv6"])
    run.add_argument("--seed", type=int)
    run.add_argument("--security", choices=["none", "esp"],
                     help="protect MN-MAP and MN-HA signalling with ESP (RFC 5380 s.12.1), "
                          "overriding the scenario")
    run.add_argument("--pcap", metavar="FILE", help="write every packet hop as pcapng")
    run.add_argument("--trace", metavar="FILE", help="write the event trace as JSON Lines")
    run.add_argument("--caches", metavar="FILE", help="write the final binding caches as JSON")
    run.add_argument("--quiet", action="store_true", help="print no summary")

    sub.add_parser("scenarios", help="list the built-in scenarios")
    check = sub.add_parser("check", help="validate scenario files and lesson files (.md)")
    check.add_argument("files", nargs="+", metavar="FILE")

    sub.add_parser("lessons", help="list the built-in lessons")
    lesson = sub.add_parser("lesson", help="open the window on a lesson")
    lesson.add_argument("name", help="a lesson file (.md), a built-in name or its number")
    lesson.add_argument("--present", action="store_true", default=argparse.SUPPRESS,
                        help="open in presentation mode")

    gui = sub.add_parser("gui", help="open the window on a scenario or a lesson file (.md); "
                         "`hmipviz FILE` does the same")
    gui.add_argument("scenario", nargs="?", default="figure1")
    return p


def _load(source: str):
    from .scenario import ScenarioError, load_scenario
    try:
        return load_scenario(source)
    except ScenarioError as exc:
        raise CliError(str(exc)) from None


def cmd_run(args: argparse.Namespace) -> int:
    from .outputs import write_caches, write_capture, write_trace
    from .report import format_summary
    from .sim import Simulation

    scenario = _load(args.scenario)
    moves = [_parse_move(m) for m in args.move]
    ars = {n.name for n in scenario.nodes if n.role == "ar"}
    for m in moves:
        if m.to is not None and m.to not in ars:
            raise CliError(f"--move {m.at_s:g}:{m.to}: {m.to!r} is not an AR of scenario "
                           f"{scenario.name} (ARs: {', '.join(sorted(ars))})")
    until = args.until if args.until is not None else scenario.duration_s
    if until <= 0:
        raise CliError("--until must be a positive number of seconds")
    all_moves = tuple(sorted(scenario.moves + tuple(moves), key=lambda m: m.at_s))
    scenario = dataclasses.replace(scenario, moves=all_moves,
                                   duration_s=max(scenario.duration_s, until))
    sim = Simulation(scenario, seed=args.seed, mode=args.mode, security=args.security)
    sim.run(until)
    outputs = [(args.pcap, write_capture), (args.trace, write_trace), (args.caches, write_caches)]
    for path, writer in outputs:
        if path:
            try:
                writer(sim, path)
            except OSError as exc:
                raise CliError(f"cannot write {path}: {exc.strerror or exc}") from None
    if not args.quiet:
        print(format_summary(sim.trace, sim.mn_name, scenario.name, sim.mode, until))
        if scenario.flows:
            from .path_mtu import flow_mtu, format_flow_mtu
            rows = flow_mtu(sim)
            if rows:
                print(format_flow_mtu(rows, sim.config.link_mtu))
        for path, _ in outputs:
            if path:
                print(f"wrote {path}")
    if sim.internal_errors:
        print(f"warning: {sim.internal_errors} internal errors, see the trace", file=sys.stderr)
    return 0


def cmd_scenarios(args: argparse.Namespace) -> int:
    from .scenario import builtin_scenarios
    items = builtin_scenarios()
    width = max(len(n) for n in items) if items else 0
    for name, description in items.items():
        first = description.strip().splitlines()[0] if description.strip() else ""
        print(f"{name:<{width}}  {first}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from .scenario import ScenarioError, load_scenario
    problems: list[str] = []
    for path in args.files:
        if not Path(path).exists():
            problems.append(f"{path}: no such file")
            continue
        try:
            if path.endswith(".md"):
                from .lesson import LessonError, load_lesson, verify_lesson
                try:
                    problems.extend(verify_lesson(load_lesson(path)))
                except LessonError as exc:
                    problems.extend(exc.messages)
            else:
                load_scenario(path)
        except ScenarioError as exc:
            problems.extend(exc.messages)
        except ImportError:
            problems.append(f"{path}: lesson files are not supported by this version")
    for line in problems:
        print(line, file=sys.stderr)
    if problems:
        return EXIT_USAGE
    for path in args.files:
        print(f"{path}: ok")
    return 0


def cmd_lessons(args: argparse.Namespace) -> int:
    from .lesson import builtin_lessons
    items = builtin_lessons()
    width = max((len(name) for name, _, _ in items), default=0)
    for name, title, summary in items:
        print(f"{name:<{width}}  {title}: {summary}")
    return 0


def cmd_lesson(args: argparse.Namespace) -> int:
    import inspect

    from .lesson import LessonError, load_lesson
    try:
        lesson = load_lesson(args.name)
    except LessonError as exc:
        raise CliError(str(exc)) from None
    try:
        from .gui.launch import launch
    except ImportError as exc:
        raise CliError(f"the window is not available ({exc}); `hmipviz check` validates "
                       "lesson files headless") from None
    if "lesson" not in inspect.signature(launch).parameters:
        raise CliError(f"lesson {lesson.name} is valid, but this version's window cannot "
                       "play lessons yet")
    return launch(lesson.scenario, present=args.present, lesson=lesson)


def cmd_gui(args: argparse.Namespace, present: bool = False) -> int:
    """The window on a scenario, or on a lesson file (.md). A file that cannot be read
    still opens the window, on figure1 with the loader's message in the error dialog
    (a desktop launcher has no terminal); the terminal gets the same lines, and the exit
    status is 2."""
    from .gui.launch import launch
    from .lesson import LessonError, load_lesson
    from .scenario import ScenarioError, load_scenario
    source = getattr(args, "scenario", None) or "figure1"
    is_lesson = source.lower().endswith(".md")
    try:
        if is_lesson:
            lesson = load_lesson(source)
            return launch(lesson.scenario, present=present, lesson=lesson)
        return launch(load_scenario(source), present=present)
    except (ScenarioError, LessonError) as exc:
        for line in str(exc).splitlines() or [""]:
            print(f"error: {line}", file=sys.stderr)
        sys.stderr.flush()
    opener = {"open_lesson" if is_lesson else "open_scenario": source}
    status = launch(load_scenario("figure1"), present=present, **opener)
    return status or EXIT_USAGE


COMMANDS = ("run", "scenarios", "check", "lessons", "lesson", "gui")


def _file_means_gui(argv: list[str]) -> list[str]:
    """``hmipviz FILE.toml`` / ``hmipviz FILE.md``: the first word that is not an option
    and not a command, but a file (or names one by its suffix), means ``gui FILE``."""
    for i, word in enumerate(argv):
        if word.startswith("-"):
            if word in ("-h", "--help", "--version"):
                return argv
            continue
        if word in COMMANDS:
            return argv
        if word.lower().endswith((".toml", ".md")) or Path(word).is_file():
            return argv[:i] + ["gui"] + argv[i:]
        return argv
    return argv


def main(argv: list[str] | None = None) -> int:
    parser = _build_parser()
    argv = _file_means_gui(list(sys.argv[1:] if argv is None else argv))
    try:
        args = parser.parse_args(argv)
        if args.command == "run":
            return cmd_run(args)
        if args.command == "scenarios":
            return cmd_scenarios(args)
        if args.command == "check":
            return cmd_check(args)
        if args.command == "lessons":
            return cmd_lessons(args)
        if args.command == "lesson":
            return cmd_lesson(args)
        return cmd_gui(args, present=args.present)
    except CliError as exc:
        for line in str(exc).splitlines() or [""]:
            print(f"error: {line}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
