"""What the window says when a run's history reaches its limit (issue 9).

The window keeps every event of a run so that any moment can be shown again; past
:data:`hmipviz.gui.run_history.MAX_EVENTS` it stops the run rather than let its memory
grow without bound. Nothing already shown is dropped and nothing is shown that the
engine did not do: the run simply ends at that instant, and the message says where,
why, and how to get a longer run (the command line writes events as they happen).
No Qt here, so the words can be tested alone.
"""

from __future__ import annotations


def full_message(now_s: float, events: int, limit: int, scenario: str) -> str:
    """The dialog's text: the first line also serves as the status bar's."""
    return (
        f"The run stopped at t = {now_s:.3f} s: its history holds {events:,} events, "
        f"the most the window keeps ({limit:,}).\n\n"
        "Nothing is lost: every event up to this moment stays, to step through, scrub "
        "and inspect. To see more of the run, step back and act earlier, or restart.\n\n"
        "For a longer run, the command line records any length without holding it in "
        f"memory: hmipviz run {scenario} --until SECONDS --trace run.jsonl --pcap "
        "run.pcapng")


__all__ = ["full_message"]
