"""`hmipviz experiment FILE_OR_NAME [--jobs N] [--out DIR] [--dask ADDRESS]` and
`hmipviz experiments`.

hmipviz/cli.py registers these two commands with :func:`add_parsers` and dispatches to
:func:`cmd_experiment` / :func:`cmd_experiments`; problems are raised as the CLI's
one-line errors.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def add_parsers(sub: argparse._SubParsersAction) -> None:
    exp = sub.add_parser("experiment", help="run an experiment: every grid point x seed, "
                         "then CSV tables, summary.md and figures")
    exp.add_argument("experiment", metavar="FILE_OR_NAME",
                     help="an experiment file (.toml) or a built-in name")
    exp.add_argument("--jobs", type=int, default=os.cpu_count() or 1, metavar="N",
                     help="runs in parallel (default: the number of CPUs)")
    exp.add_argument("--out", metavar="DIR",
                     help="results directory (default: experiment-NAME); an existing one "
                          "is resumed: finished runs are not run again")
    exp.add_argument("--dask", metavar="ADDRESS",
                     help="run on the Dask cluster whose scheduler is at ADDRESS "
                          "(tcp://host:8786) instead of local processes; needs "
                          "pip install 'hmipviz[cluster]' here and hmipviz on the workers")
    exp.add_argument("--no-figures", action="store_true", help="write no PNG/SVG figures")
    exp.add_argument("--progress-every", type=float, default=5.0, metavar="SECONDS",
                     help="when stderr is not a terminal, a progress line this often "
                          "(default 5; 0: after every run, as the Experiments window asks)")
    sub.add_parser("experiments", help="list the built-in experiments")


def cmd_experiments(args: argparse.Namespace) -> int:
    from .spec import builtin_experiments
    items = builtin_experiments()
    width = max((len(n) for n in items), default=0)
    for name, description in items.items():
        first = description.splitlines()[0] if description else ""
        print(f"{name:<{width}}  {first}")
    return 0


def cmd_experiment(args: argparse.Namespace, error: type[Exception]) -> int:
    """``error`` is the CLI's one-line error class (hmipviz.cli.CliError)."""
    from .outputs import write_tables
    from .runner import RunsFailed, run_experiment
    from .spec import ExperimentError, load_experiment

    if args.jobs < 1:
        raise error("--jobs must be at least 1")
    try:
        spec = load_experiment(args.experiment)
    except ExperimentError as exc:
        raise error(str(exc)) from None
    out = Path(args.out or f"experiment-{spec.name}")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise error(f"cannot create {out}: {exc.strerror or exc}") from None
    runs = len(spec.points()) * len(spec.seeds)
    print(f"experiment {spec.name}: {runs} runs ({len(spec.points())} grid points x "
          f"{len(spec.seeds)} seeds), "
          + (f"on the Dask cluster at {args.dask}" if args.dask else f"{args.jobs} job(s)")
          + f", into {out}", file=sys.stderr)
    client = _dask_client(args.dask, error) if args.dask else None
    try:
        executor = client.get_executor() if client is not None else None
        results = run_experiment(spec, out, executor=executor, jobs=args.jobs,
                                 progress_every_s=args.progress_every)
    except KeyboardInterrupt:
        print(f"\ninterrupted: finished runs are kept in {out / 'runs'}; run the same "
              "command again to resume", file=sys.stderr)
        return 130
    except RunsFailed as exc:
        raise error("\n".join(exc.messages + [f"the other runs are kept in {out / 'runs'}"])
                    ) from None
    except OSError as exc:
        raise error(f"cannot write into {out}: {exc.strerror or exc}") from None
    finally:
        if client is not None:
            client.close()
    written = write_tables(spec, results, out)
    if not args.no_figures:
        written += _figures(spec, results, out)
    for path in written:
        print(f"wrote {path}")
    return 0


DASK_CONNECT_TIMEOUT_S = 20  # how long --dask waits for the scheduler


def _dask_client(address: str, error: type[Exception]):
    """A dask.distributed Client connected to ``address``; the runner takes its
    ``get_executor()`` like any concurrent.futures.Executor."""
    try:
        from distributed import Client
    except ImportError:
        raise error("--dask needs dask.distributed: pip install 'hmipviz[cluster]'") from None
    try:
        return Client(address, timeout=f"{DASK_CONNECT_TIMEOUT_S}s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise error(f"--dask {address}: cannot reach the scheduler: {exc}") from None


def _figures(spec, results, out: Path) -> list[Path]:
    """PNG and SVG figures, if Qt can start; otherwise one line saying why not."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    try:
        from hmipviz.gui.experiment_figures import write_figures
        return write_figures(spec, results, out)
    except Exception as exc:  # no Qt, no display plugin, a broken install: tables suffice
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        print(f"figures skipped: {reason}", file=sys.stderr)
        return []
