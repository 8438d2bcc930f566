"""The lesson panel's status line and buttons: what the check waits for, each condition
ticked when met, "can no longer pass" with the retry button, and which of Hint / Show me /
Next step are open. Mixed into :class:`hmipviz.gui.lesson_panel.QtLessonPanel`; the
rules themselves are decided in :mod:`hmipviz.lesson_policy` (no Qt)."""

from __future__ import annotations

import logging

from hmipviz import lesson_policy
from hmipviz.gui import theme
from hmipviz.gui.lesson_panel_host import LessonPanelHost
from hmipviz.gui.lesson_widgets import bad_colour, esc, good_colour

log = logging.getLogger("hmipviz.gui")


class LessonStatusView(LessonPanelHost):
    """Renders the status line (``_refresh_status``) and the buttons' states, and asks
    whether the step can still pass (``_watch_blocked``)."""

    def _watch_blocked(self) -> None:
        """After a wrong attempt, ask the player whether the step can still pass on this
        branch (a look-ahead on a copy of the engine: at most once per simulated second,
        playing or stepping, unless the learner acted since); when it cannot, pause and
        offer to try the step again."""
        c = self.controller
        if self.result.passed or not self.policy.wrong_attempt:
            self.blocked = None
            return
        now = c.display_time()
        acts = self._acts
        # once a look-ahead found the step still passable, waiting on cannot change that
        # for a while: the look-ahead ran the step's whole time limit (a long wait, as
        # for a MAP failure found by probing, must not re-run it every second); and fast
        # playback looks ahead at most once per second of playback clock, so it does not
        # spend its frames looking ahead
        gap = 1.0 if self.blocked is not None or self.run is None else \
            max(1.0, self.run.step.time_limit_s / 2)
        clock_ms = c.clock_ms()
        if self._blocked_t is not None and acts == self._blocked_acts and (
                0 <= now - self._blocked_t < gap
                or (c.playing and clock_ms - self._blocked_ms < 1000.0)):
            return  # playing or stepping through a long wait must stay quick
        self._blocked_t, self._blocked_ms, self._blocked_acts = now, clock_ms, acts
        try:
            was = self.blocked
            assert self.run is not None, "watched only by evaluate, with a lesson open"
            self.blocked = self.run.blocked()
        except Exception:  # the look-ahead must never take the window down
            log.exception("lesson look-ahead failed")
            self.blocked = None
            return
        if self.blocked is not None and was is None:
            c.pause()

    def _refresh_status(self) -> None:
        if self.run is None or self.detached:
            return
        line = self.policy.status(self.result.passed, self.result.detail,
                                  self.run.index + 1 >= len(self.run.lesson.steps), self.live(),
                                  self.run.step.hints)
        blocked = self.blocked if line.kind not in ("done", "past") else None
        self.retry_button.setVisible(blocked is not None)
        if line.kind == "done":
            then = "Finish the lesson." if line.last else "Go on with Next step."
            text = f"<b style='color:{good_colour()}'>\u2713 Done.</b> {then}"
        elif blocked is not None:
            text = (f"<b style='color:{bad_colour()}'>This step can no longer pass from "
                    f"here.</b> {esc(blocked.text)} Press <b>Try this step again</b> to "
                    "go back to its start.")
        elif line.kind == "not yet":
            text = f"<b style='color:{bad_colour()}'>Not yet.</b>"
            if line.hint:
                text += " A hint may help."
        elif line.kind == "past":
            text = ("You are looking at the past. The step is checked on the newest "
                    "events: step forward or play to get back there.")
        else:
            text = "Do what the step says. <b>Next step</b> opens when the engine shows it done."
        if line.kind != "past":
            text += self._conditions_html()
        self.status.setText(text)

    def _conditions_html(self) -> str:
        """Each condition of the step on its own line, ticked when met, with the share
        done."""
        if self.run is None:
            return ""
        try:
            st = self.run.status()
        except Exception:
            log.exception("lesson status failed")
            return ""
        if self.result.passed and not st.passed:  # done earlier on this branch
            st = type(st)(tuple(type(c)(c.text, True) for c in st.conditions), True)
        rows = "".join(
            f"<tr><td style='color:{good_colour() if c.met else bad_colour()}'>"
            f"{lesson_policy.TICK if c.met else lesson_policy.OPEN}&nbsp;</td>"
            f"<td>{esc(c.text[:1].upper() + c.text[1:])}</td></tr>"
            for c in st.conditions)
        met = sum(1 for c in st.conditions if c.met)
        return (f"<br><small>{met} of {len(st.conditions)} condition"
                f"{'s' if len(st.conditions) != 1 else ''} met "
                f"({st.percent}%)</small><table cellspacing='2'>{rows}</table>")

    def _set_status_note(self, text: str, bad: bool = False) -> None:
        colour = bad_colour() if bad else theme.text_color().name()
        self.status.setText(f"<span style='color:{colour}'>{esc(text)}</span>")

    def _refresh_buttons(self) -> None:
        run = self.run if not self.detached else None
        ok = run is not None
        passed = bool(run is not None and run.can_advance())
        last = bool(run is not None and run.index + 1 >= len(run.lesson.steps))
        states = ((self.next_button, lesson_policy.next_button(ok, passed, last)),
                  (self.hint_button, self.policy.hint_button(
                      ok, passed, run.step.hints if run is not None else ())),
                  (self.show_button, lesson_policy.show_button(
                      ok, passed, self.show_runner.running)))
        for button, state in states:
            button.setEnabled(state.enabled)
            button.setText(state.text)
            if state.tooltip:
                button.setToolTip(state.tooltip)
        self.start_over_action.setEnabled(self.run is not None)


__all__ = ["LessonStatusView"]
