"""`hmipviz export-animation` and `hmipviz export-ladder`: the window's animation and
ladder exports, headless.

hmipviz/cli.py registers both with :func:`add_parsers` and hands them to
:func:`dispatch`; problems end as the CLI's one-line errors. The scenario runs with its
own moves plus any ``--move`` (as ``hmipviz run``); ``export-animation`` renders on Qt's
offscreen platform whatever display there is, so the same command gives the same bytes
on a desktop and in CI.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import re
import sys

COMMANDS = ("export-animation", "export-ladder")


def add_parsers(sub: argparse._SubParsersAction) -> None:
    anim = sub.add_parser(
        "export-animation", help="record the canvas between two times as an animated "
        "GIF, WebP, PNG (APNG) or MP4, rendered offscreen")
    anim.add_argument("scenario", help="a scenario file or a built-in name")
    anim.add_argument("--from", dest="from_s", type=float, required=True, metavar="SECONDS",
                      help="simulated time of the first frame")
    anim.add_argument("--to", dest="to_s", type=float, required=True, metavar="SECONDS",
                      help="simulated time of the last frame")
    anim.add_argument("--out", required=True, metavar="FILE",
                      help="the file; its suffix chooses the format (.gif, .webp, .png, .mp4)")
    anim.add_argument("--fps", type=float, default=15.0, help="frames per second (default 15)")
    anim.add_argument("--size", default="960x540", metavar="WxH",
                      help="frame size in pixels (default 960x540)")
    anim.add_argument("--speed", type=float, default=1.0,
                      help="playback speed as the window's control: at 1 one hop takes "
                           "0.6 s (default 1; 0.1 to 10)")
    anim.add_argument("--with-caption", action="store_true",
                      help="the caption bar under the canvas")
    anim.add_argument("--with-ladder", action="store_true",
                      help="the ladder diagram under the canvas (following the present)")
    _add_run_options(anim)

    ladder = sub.add_parser(
        "export-ladder", help="write the ladder diagram as Mermaid or PlantUML text")
    ladder.add_argument("scenario", help="a scenario file or a built-in name")
    ladder.add_argument("--out", required=True, metavar="FILE",
                        help="the file (- for standard output); .mmd / .mermaid is "
                             "Mermaid, .puml / .plantuml PlantUML")
    ladder.add_argument("--format", choices=["mermaid", "plantuml"],
                        help="the text format (default: from the suffix of --out)")
    ladder.add_argument("--until", type=float, metavar="SECONDS",
                        help="simulate up to this time (default: the scenario's duration_s)")
    ladder.add_argument("--no-data", action="store_true", help="leave out data packets")
    ladder.add_argument("--no-ra", action="store_true", help="leave out RS and RA")
    ladder.add_argument("--no-forwarding", action="store_true",
                        help="only where each packet was sent or re-encapsulated")
    ladder.add_argument("--mn", metavar="NAME", help="with several MNs: only this one's rows")
    _add_run_options(ladder)


def _add_run_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--move", action="append", default=[], metavar="T:AR[:MN]",
                   help="add a move of the MN (with several MNs: of MN) to AR at time T "
                        "(repeatable; AR 'none' detaches), as `hmipviz run`")
    p.add_argument("--mode", choices=["hmipv6", "mipv6"])


def dispatch(args: argparse.Namespace, error: type[Exception]) -> int:
    """``error`` is the CLI's one-line error class (hmipviz.cli.CliError)."""
    if args.command == "export-animation":
        return cmd_export_animation(args, error)
    return cmd_export_ladder(args, error)


def scenario_with_moves(source: str, move_texts: list[str], until_s: float | None,
                        error: type[Exception]):
    """The scenario with ``--move`` added to its own moves and run at least to
    ``until_s``; moves to an unknown AR or MN are refused as `hmipviz run` refuses them."""
    from hmipviz.cli import _load, _parse_move
    scenario = _load(source)
    moves = [_parse_move(m) for m in move_texts]
    for m in moves:
        if (problem := scenario.move_problem(m)) is not None:
            raise error(problem)
    all_moves = tuple(sorted(scenario.moves + tuple(moves), key=lambda m: m.at_s))
    duration = max(scenario.duration_s, until_s or 0.0)
    return dataclasses.replace(scenario, moves=all_moves, duration_s=duration)


def _size(text: str, error: type[Exception]) -> tuple[int, int]:
    found = re.fullmatch(r"\s*(\d+)\s*[xX\u00d7]\s*(\d+)\s*", text)
    if not found:
        raise error(f"--size {text!r}: expected WIDTHxHEIGHT in pixels, e.g. 960x540")
    return int(found.group(1)), int(found.group(2))


def cmd_export_animation(args: argparse.Namespace, error: type[Exception]) -> int:
    from hmipviz import animation_encode as encoding
    from hmipviz.animation_plan import PlanError, check_request
    width, height = _size(args.size, error)
    try:
        check_request(args.from_s, args.to_s, args.fps, args.speed)
        fmt = encoding.format_for(args.out)
        encoding.check_size(fmt, width, height)
    except (PlanError, encoding.EncodeError) as exc:
        raise error(str(exc)) from None
    why = encoding.unavailable(fmt)
    if why:
        raise error(f"{args.out}: {why}")
    # a second past --to: the engine must see what is still in flight at --to
    scenario = scenario_with_moves(args.scenario, args.move, args.to_s + 1.0, error)
    try:
        from hmipviz.gui.animation_export import (
            AnimationRequest,
            export_animation,
            offscreen_application,
        )
    except ImportError as exc:
        raise error(f"export-animation needs PySide6 ({exc})") from None
    from hmipviz.fileio import stop_signals_unwind
    from hmipviz.gui.controller import QtController
    _app = offscreen_application()
    controller = QtController(scenario, mode=args.mode)
    request = AnimationRequest(args.out, args.from_s, args.to_s, args.fps, width, height,
                               args.speed, args.with_caption, args.with_ladder, fmt)
    try:
        with stop_signals_unwind():
            frames = export_animation(controller, request)
    except (PlanError, encoding.EncodeError) as exc:
        raise error(str(exc)) from None
    print(f"wrote {args.out}: {frames} frames, {width}x{height}, "
          f"{os.path.getsize(args.out) / 1024:.0f} KiB", file=sys.stderr)
    return 0


def cmd_export_ladder(args: argparse.Namespace, error: type[Exception]) -> int:
    from hmipviz import ladder_text
    from hmipviz.fileio import OutputSet, stop_signals_unwind
    from hmipviz.sim import Simulation
    fmt = args.format or ladder_text.format_for(args.out)
    if fmt is None:
        raise error(f"--out {args.out}: say --format mermaid or --format plantuml (or use "
                    "a .mmd or .puml file name)")
    if args.until is not None and args.until <= 0:
        raise error("--until must be a positive number of seconds")
    scenario = scenario_with_moves(args.scenario, args.move, args.until, error)
    until = args.until if args.until is not None else scenario.duration_s
    sim = Simulation(scenario, mode=args.mode)
    mn_of = None
    if args.mn:
        if args.mn not in sim.mn_names:
            raise error(f"--mn {args.mn}: not an MN of scenario {scenario.name} "
                        f"(MNs: {', '.join(sim.mn_names)})")
        from hmipviz.timeline import Timeline
        timeline = Timeline(sim.trace, sim.mn_name, (), mobiles=getattr(sim, "mobiles", None))
        mn_of = timeline.mn_of
    sim.run(until)
    if args.mn:
        timeline.index_new()
    model = ladder_text.model_for(scenario, sim.trace, show_data=not args.no_data,
                                  show_ra=not args.no_ra,
                                  show_forwarding=not args.no_forwarding,
                                  mn=args.mn or "", mn_of=mn_of)
    mode = {"hmipv6": "HMIPv6", "mipv6": "Mobile IPv6"}.get(sim.mode, sim.mode)
    title = f"hmipviz: {scenario.name} ({mode}), 0 to {until:g} s"
    text = ladder_text.render(model, fmt, title)
    with stop_signals_unwind(), OutputSet() as outputs:
        from hmipviz.cli import _open_outputs
        stream = _open_outputs(outputs, [("--out", args.out)])["--out"]
        stream.write(text.encode("utf-8"))
        outputs.commit()
    if args.out != "-":
        print(f"wrote {args.out}: {len(ladder_text.rows_of(model))} rows", file=sys.stderr)
    return 0


__all__ = ["COMMANDS", "add_parsers", "dispatch", "scenario_with_moves"]
