"""The `hmipviz` command: the GUI by default, and headless `run`, `scenarios`, `check`,
`lessons`; `lesson` opens the window on a lesson.

Every error ends as one `error: ...` line on stderr and exit status 2, never a
traceback. A reader of standard output that goes away (`| head -1`) ends the run
quietly with status 141, as SIGPIPE would; SIGTERM and SIGHUP end it by that signal
(143, 129) and SIGINT with 130, each after removing its temporary files.
"""

from __future__ import annotations

import argparse
import dataclasses
import errno
import os
import sys
from pathlib import Path
from typing import NoReturn

from . import __version__
from .logsetup import LEVELS, level_from_args, log_to_stderr

EXIT_USAGE = 2
EXIT_SIGPIPE = 128 + 13  # what a shell reports for a program killed by SIGPIPE


class CliError(Exception):
    """A problem the user can fix; printed as one line."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # argparse would print usage + exit 2
        raise CliError(message)


def _parse_move(text: str):
    from .scenario import MoveSpec
    at, sep, to = text.partition(":")
    if not sep:
        raise CliError(f"--move {text!r}: expected TIME:AR, e.g. 5:AR2, or TIME:AR:MN")
    to, _, mn = to.partition(":")
    try:
        at_s = float(at)
    except ValueError:
        raise CliError(f"--move {text!r}: {at!r} is not a time in seconds") from None
    if at_s < 0:
        raise CliError(f"--move {text!r}: time must not be negative")
    return MoveSpec(at_s, None if to.lower() == "none" else to, 0, mn=mn or None)


def _build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="hmipviz", description="Visualise and teach Hierarchical Mobile IPv6 "
                "(RFC 5380). With no command, opens the window on the figure1 scenario.")
    p.add_argument("--version", action="version", version=f"hmipviz {__version__}")
    p.add_argument("--present", action="store_true", help="open in presentation mode")
    p.add_argument("--install-desktop", action="store_true",
                   help="add hmipviz to the desktop's applications menu (launcher, icon and "
                        "AppStream metainfo under $XDG_DATA_HOME or ~/.local/share)")
    p.add_argument("--uninstall-desktop", action="store_true",
                   help="remove what --install-desktop wrote")
    p.add_argument("-v", "--verbose", action="count", default=0,
                   help="print more of the log on stderr (-v info, -vv debug)")
    p.add_argument("--log-level", choices=LEVELS, type=str.lower, metavar="LEVEL",
                   help=f"the least severe log record printed on stderr ({', '.join(LEVELS)}; "
                        "default warning)")
    sub = p.add_subparsers(dest="command")

    run = sub.add_parser("run", help="run a scenario headless and print a summary")
    run.add_argument("scenario", help="a scenario file or a built-in name")
    run.add_argument("--until", type=float, metavar="SECONDS",
                     help="simulate up to this time (default: the scenario's duration_s)")
    run.add_argument("--move", action="append", default=[], metavar="T:AR[:MN]",
                     help="add a move of the MN (with several MNs: of MN) to AR at time T "
                          "(repeatable; AR 'none' detaches)")
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
    check = sub.add_parser("check", help="validate scenarios and lessons: files (.toml, "
                           ".md) or built-in names")
    check.add_argument("files", nargs="+", metavar="FILE")
    check.add_argument("--no-mutations", action="store_true",
                       help="lessons: play only the solutions, not the variants a student "
                            "would plausibly make (a step back, a sibling AR, a detour, "
                            "300 s idle)")

    sub.add_parser("lessons", help="list the built-in lessons")
    lesson = sub.add_parser("lesson", help="open the window on a lesson")
    lesson.add_argument("name", help="a lesson file (.md), a built-in name or its number")
    lesson.add_argument("--present", action="store_true", default=argparse.SUPPRESS,
                        help="open in presentation mode")
    lesson.add_argument("--seed", type=int, default=None, metavar="S",
                        help="the student seed of a lesson that varies its network")

    from .experiment.cli import add_parsers as add_experiment_parsers
    add_experiment_parsers(sub)  # `experiment` and `experiments`
    from .export_cli import add_parsers as add_export_parsers
    add_export_parsers(sub)  # `export-animation` and `export-ladder`
    from .webexport.cli import add_parsers as add_web_parsers
    add_web_parsers(sub)  # `schema` and `export-html`
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


OUTPUT_OPTIONS = ("--pcap", "--trace", "--caches")


class _WriteFailed(CliError):
    """Writing an output failed part-way (a full disk, a vanished FIFO reader)."""


def _guarded(listener, path: str):
    """``listener`` with its write errors turned into one line naming the output. The
    failure is sticky: every later event raises it again, so a caller that catches
    exceptions around a node's work cannot make the run go on without its output."""
    failed: list[BaseException] = []

    def call(event) -> None:
        if failed:
            raise failed[0]
        try:
            listener(event)
        except BrokenPipeError as exc:  # the reader went away: end quietly
            failed.append(exc)
            raise
        except OSError as exc:
            error = _WriteFailed(f"cannot write {path}: {exc.strerror or exc}")
            failed.append(error)
            raise error from None
    return call


def _open_outputs(outputs, wanted: list[tuple[str, str]]) -> dict:
    from .fileio import DuplicateOutput, OutputError
    streams = {}
    for flag, path in wanted:
        try:
            streams[flag] = outputs.add(path, flag)
        except DuplicateOutput as exc:
            raise CliError(str(exc)) from None
        except OutputError as exc:
            raise CliError(f"{flag} {path!r}: {exc}" if not path else
                           f"cannot write {path}: {exc}") from None
        except OSError as exc:
            raise CliError(f"cannot write {path}: {exc.strerror or exc}") from None
    return streams


def cmd_run(args: argparse.Namespace) -> int:
    from .fileio import OutputSet, stop_signals_unwind
    from .outputs import CaptureSink, TraceSink, caches_text, capture_comment
    from .path_mtu import FlowMtuFold, format_flow_mtu
    from .report import RunFigures, format_figures
    from .report_mns import FleetFigures, format_fleet, signalling_targets
    from .sim import Simulation
    from .sim_mns import EventMobiles

    scenario = _load(args.scenario)
    moves = [_parse_move(m) for m in args.move]
    for m in moves:
        if (problem := scenario.move_problem(m)) is not None:
            raise CliError(problem)
    until = args.until if args.until is not None else scenario.duration_s
    if until <= 0:
        raise CliError("--until must be a positive number of seconds")
    wanted = [(flag, getattr(args, flag[2:])) for flag in OUTPUT_OPTIONS
              if getattr(args, flag[2:]) is not None]
    # with an output on standard output, the summary goes to standard error
    report = sys.stderr if any(path == "-" for _, path in wanted) else sys.stdout
    all_moves = tuple(sorted(scenario.moves + tuple(moves), key=lambda m: m.at_s))
    scenario = dataclasses.replace(scenario, moves=all_moves,
                                   duration_s=max(scenario.duration_s, until))
    # the trace is streamed, not kept: memory does not grow with simulated time
    sim = Simulation(scenario, seed=args.seed, mode=args.mode, security=args.security,
                     keep_trace=False)
    several = len(sim.mn_names) > 1
    figures = FleetFigures(sim.mobiles, signalling_targets(scenario.nodes)) if several \
        else RunFigures(sim.mn_name)
    sim.add_listener(figures)
    mtu = FlowMtuFold(sim) if scenario.flows and not args.quiet else None
    if mtu is not None:
        sim.add_listener(mtu)
    with stop_signals_unwind(), OutputSet() as outputs:
        streams = _open_outputs(outputs, wanted)
        if "--pcap" in streams:
            sim.add_listener(_guarded(CaptureSink(streams["--pcap"], capture_comment(sim)),
                                      args.pcap))
        if "--trace" in streams:
            mobiles = EventMobiles(sim.mobiles) if several else None
            sim.add_listener(_guarded(TraceSink(streams["--trace"], mobiles), args.trace))
        sim.run(until)
        try:
            if "--caches" in streams:
                streams["--caches"].write(caches_text(sim).encode("utf-8"))
            outputs.commit()
        except BrokenPipeError:
            raise
        except OSError as exc:
            where = exc.filename or "an output"
            raise _WriteFailed(f"cannot write {where}: {exc.strerror or exc}") from None
    if not args.quiet:
        if isinstance(figures, FleetFigures):  # several MNs
            text = format_fleet(figures, scenario.name, sim.mode, until)
        else:
            text = format_figures(figures, scenario.name, sim.mode, until)
        print(text, file=report)
        rows = mtu.rows() if mtu is not None else []
        if rows:
            print(format_flow_mtu(rows, sim.config.link_mtu), file=report)
        for _, path in wanted:
            print(f"wrote {path}", file=report)
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


def _is_lesson(source: str) -> bool:
    """Whether `check` reads ``source`` as a lesson: a .md file, or a built-in lesson's
    name or number that is neither a file nor a built-in scenario."""
    if source.endswith(".md"):
        return True
    if Path(source).exists() or source.endswith(".toml") or "/" in source:
        return False
    from .scenario import builtin_scenarios
    if source.removeprefix("builtin:") in builtin_scenarios():
        return False
    try:
        from .lesson.format import builtin_lesson_path
    except ImportError:
        return False
    return builtin_lesson_path(source) is not None


def _warn_deprecated_fields(source: str) -> None:
    """Old dissector field names still work in a lesson file; say which to rename."""
    from .lesson.fields import deprecated_fields
    path = Path(source)
    if not path.is_file():
        from .lesson.format import builtin_lesson_path
        path = builtin_lesson_path(source) or path
    if not path.is_file():
        return
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read(8 * 1024 * 1024)  # load_lesson has refused anything larger
    for line in deprecated_fields(text, source):
        print(line, file=sys.stderr)  # a warning, not a problem


def _check_one(source: str, mutations: bool = True) -> list[str]:
    """Problems of one scenario or lesson (a file or a built-in name); [] when valid."""
    from .scenario import ScenarioError, load_scenario
    try:
        if _is_lesson(source):
            from .lesson import LessonError, load_lesson, verify_lesson
            try:
                lesson = load_lesson(source)
            except LessonError as exc:
                return exc.messages
            _warn_deprecated_fields(source)
            found = verify_lesson(lesson)
            if found or not mutations:
                return found
            from .lesson import mutate
            return mutate.problems(lesson, mutate.verify_mutations(lesson))
        load_scenario(source)
    except ScenarioError as exc:
        return exc.messages
    except ImportError:
        return [f"{source}: lesson files are not supported by this version"]
    return []


def cmd_check(args: argparse.Namespace) -> int:
    mutations = not getattr(args, "no_mutations", False)
    problems = [line for source in args.files for line in _check_one(source, mutations)]
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
    if getattr(args, "seed", None) is not None:
        from .lesson.variation import check_seed, with_seed
        try:
            lesson = with_seed(lesson, check_seed(args.seed))
        except ValueError as exc:
            raise CliError(f"--seed: {exc}") from None
    return launch(lesson.scenario, present=args.present, lesson=lesson)


def cmd_gui(args: argparse.Namespace, present: bool = False) -> int:
    """The window on a scenario, or on a lesson file (.md). A file that cannot be read
    still opens the window, on figure1 with the loader's message in the error dialog
    (a desktop launcher has no terminal); the terminal gets the same lines, and the exit
    status is 2."""
    from .gui.launch import launch
    from .scenario import ScenarioError, load_scenario
    source = getattr(args, "scenario", None) or "figure1"
    is_lesson = source.lower().endswith(".md")
    # the lesson package only for a lesson: its imports cost start-up time (issue 13)
    problems: tuple[type[Exception], ...] = (ScenarioError,)
    try:
        if is_lesson:
            from .lesson import LessonError, load_lesson
            problems = (ScenarioError, LessonError)
            lesson = load_lesson(source)
            return launch(lesson.scenario, present=present, lesson=lesson)
        return launch(load_scenario(source), present=present)
    except problems as exc:
        for line in str(exc).splitlines() or [""]:
            print(f"error: {line}", file=sys.stderr)
        sys.stderr.flush()
    opener = {"open_lesson" if is_lesson else "open_scenario": source}
    status = launch(load_scenario("figure1"), present=present, **opener)
    return status or EXIT_USAGE


COMMANDS: tuple[str, ...] = ("run", "scenarios", "check", "lessons", "lesson", "gui",
                             "experiment", "experiments", "export-animation",
                             "export-ladder")
COMMANDS += ("schema", "export-html")


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


_WRITE_ERRORS = {errno.ENOSPC, errno.EIO, errno.EBADF, errno.EFBIG, errno.EDQUOT}


def _quiet_stdout() -> None:
    """Point file descriptor 1 at /dev/null so the interpreter's last flush of what is
    still buffered cannot fail again (and print a traceback) on the way out."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, AttributeError, ValueError):
        pass


def _dispatch(args: argparse.Namespace) -> int:
    if args.install_desktop or args.uninstall_desktop:
        from .desktop import cmd_desktop
        return cmd_desktop(remove=args.uninstall_desktop)
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
    if args.command in ("export-animation", "export-ladder"):
        from . import export_cli
        return export_cli.dispatch(args, CliError)
    if args.command in ("schema", "export-html"):
        from .webexport.cli import COMMANDS as WEB_COMMANDS
        return WEB_COMMANDS[args.command](args, CliError)
    if args.command in ("experiment", "experiments"):
        from .experiment import cli as experiment_cli
        if args.command == "experiments":
            return experiment_cli.cmd_experiments(args)
        return experiment_cli.cmd_experiment(args, CliError)
    return cmd_gui(args, present=args.present)


def main(argv: list[str] | None = None) -> int:
    from .fileio import Interrupted, die_of
    parser = _build_parser()
    argv = _file_means_gui(list(sys.argv[1:] if argv is None else argv))
    try:
        args = parser.parse_args(argv)
        log_to_stderr(level_from_args(args.verbose, args.log_level))
        status = _dispatch(args)
        if sys.stdout is not None:
            sys.stdout.flush()  # here, where a failure can still be reported
        return status
    except CliError as exc:
        for line in str(exc).splitlines() or [""]:
            print(f"error: {line}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        # the reader went away (`hmipviz run ... | head -1`): stop quietly, as a
        # program killed by SIGPIPE would, with its status
        _quiet_stdout()
        return EXIT_SIGPIPE
    except OSError as exc:  # standard output full or gone (`> /dev/full`)
        if exc.filename is None and exc.errno in _WRITE_ERRORS:
            print(f"error: cannot write standard output: {exc.strerror}", file=sys.stderr)
            _quiet_stdout()
        else:
            print(f"error: {exc.filename + ': ' if exc.filename else ''}"
                  f"{exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except Interrupted as exc:  # SIGTERM, SIGHUP: temporary files are gone by now
        die_of(exc.signum)
        return 128 + exc.signum
