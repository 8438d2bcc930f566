"""The teacher's summary (per step done / with hints / with Show me, per question right
at the first try, the time stopped at Finish, goals learnt) and per-student seeds."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from hmipviz.cli import main
from hmipviz.lesson import LessonError, LessonRun, load_lesson, verify_lesson
from hmipviz.lesson import fields as lf
from hmipviz.lesson import summary as ls
from hmipviz.lesson import variation as lv


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def _walk_lesson_4(clock: Clock) -> LessonRun:
    """Step 1 by the learner, step 2 with a hint, step 3 by Show me, the rest done."""
    run = LessonRun(load_lesson("4"), clock=clock)
    q = run.step.questions[0]
    run.answer(q.id, next(i for i, c in enumerate(q.choices) if c.correct))
    run.play()
    assert run.advance()
    run.predict("predict-first-bu", 1)  # wrong on this run: the BU goes to MAP1
    run.act(move="AR2")
    run.play()
    assert run.next_hint() is not None
    assert run.advance()
    run.show_me()
    while run.advance():
        run.apply_solution()
    clock.t = 125.0
    return run


def test_the_report_per_step_question_time_and_goals(tmp_path):
    clock = Clock()
    run = _walk_lesson_4(clock)
    assert run.finished and run.finish()
    clock.t = 999.0  # the clock stopped at Finish
    r = run.report()
    assert r.elapsed_s == 125.0 and r.finished
    assert [s.result for s in r.steps[:3]] == [ls.DONE, ls.HINTS, ls.SHOWN]
    assert r.steps[1].hints == 1
    results = {q.id: q.result for q in r.questions}
    assert results["two-addresses"] == ls.RIGHT
    assert results["predict-first-bu"] == ls.WRONG
    assert results["why-no-ha"] == ls.UNANSWERED
    # goal 2 is taught by steps 2 and 3, and step 3 was shown: not learnt
    lesson = run.lesson
    assert lesson.goals[0] in r.goals_learnt and lesson.goals[2] in r.goals_learnt
    assert r.goals_to_practise == (lesson.goals[1],)
    # JSON and CSV, written atomically; a teacher concatenates CSVs of a class
    data = json.loads(run.export_summary(tmp_path / "a.json").read_text())
    assert data["format"] == "hmipviz-lesson-summary" and data["elapsed_s"] == 125.0
    assert data["steps"][2]["result"] == "done with Show me"
    assert data["steps_by_learner"] == 5 and data["first_try_right"] == 1
    rows = list(csv.DictReader(io.StringIO(
        run.export_summary(tmp_path / "a.csv").read_text())))
    assert rows[0]["row"] == "step" and rows[1]["result"] == "done with hints"
    assert rows[-1]["row"] == "lesson" and rows[-1]["elapsed_s"] == "125.0"
    assert {r["lesson"] for r in rows} == {"04-intra-map"}
    assert not list(tmp_path.glob("*.tmp*"))


def test_progress_keeps_the_record_and_the_stopped_clock(tmp_path):
    from hmipviz.lesson import ProgressStore
    clock = Clock()
    run = _walk_lesson_4(clock)
    run.finish()
    store = ProgressStore(tmp_path)
    store.save(run.progress())
    again = LessonRun(run.lesson, clock=clock, start=False)
    again.resume(store.load("04-intra-map"))
    clock.t = 5000.0
    assert again.report() == run.report()


def test_seeds_draw_different_numbers_and_the_same_seed_the_same():
    lesson = load_lesson("4")
    assert len(lesson.variations) == 2 and lesson.seed is None

    def latency(seed: int) -> float:
        run = LessonRun(lv.with_seed(lesson, seed))
        run.play()
        run.advance()
        run.apply_solution()
        return run.measured("your-intra-latency")

    a, b = latency(1), latency(3)
    assert abs(a - b) > 1.0  # neighbours' answers differ by more than the tolerance
    assert latency(1) == a
    seeded = lv.with_seed(lesson, 3)
    assert [d for _l, d in lv.drawn_values(seeded)] == ["2", "4"]
    assert all(2 <= float(d) <= 9 for s in range(50) for _l, d in lv.drawn_values(
        lv.with_seed(lesson, s)))
    run = LessonRun(seeded)
    assert run.report().seed == 3 and run.progress().seed == 3


def test_check_verifies_a_varied_lesson_for_several_seeds(tmp_path, monkeypatch):
    """A range too wide for the lesson's check is found on a seed that draws it."""
    text = load_lesson("4").path
    body = Path(text).read_text(encoding="utf-8")
    body = body.replace('{ link = ["MAP1", "AR2"], delay_ms = [2, 9] }',
                        '{ link = ["MAP1", "AR2"], delay_ms = [6000, 9000] }')
    bad = tmp_path / "04-wide.md"
    bad.write_text(body, encoding="utf-8")
    problems = verify_lesson(load_lesson(str(bad)))
    assert problems and all("with seed" in p for p in problems)
    assert "MAP1-AR2 delay_ms = " in problems[0]


@pytest.mark.parametrize("vary, message", [
    ('vary = [{ link = ["MAP1", "CN"], delay_ms = [1, 2] }]', r"no link MAP1-CN"),
    ('vary = [{ link = ["MAP1", "AR1"], delay_ms = [5, 2] }]', r"LOW <= HIGH"),
    ('vary = [{ node = "AR1", interface_id = [1, 9] }]', r"node"),
    ('vary = [{ link = ["MAP1", "AR1"], delay_ms = [1, 2], jitter = 1 }]',
     r'unknown key "jitter"'),
    ('vary = [{ node = "AR1", prefix = ["2001:db8:2::/64", "2001:db8:1::/64"] }]',
     r"2001:db8:1::/64 is another node's prefix"),
    ('vary = [{ node = "AR1", prefix = ["2001:db8:2::/48", "2001:db8:7::/64"] }]',
     r"each must be a /64"),
])
def test_bad_variations_are_reported_with_their_line(tmp_path, vary, message):
    path = tmp_path / "v.md"
    path.write_text(f'+++\ntitle = "T"\nsummary = "S"\ngoals = ["g"]\nscenario = "figure1"\n'
                    f'{vary}\n+++\n\n## Step: s\n\n```toml\ncheck = {{ handover = '
                    '"initial" }\nsolution = [{ play = true }]\n```\n')
    with pytest.raises(LessonError, match=r"v\.md:6: front matter: .*" + message):
        load_lesson(str(path))


def test_seeds_are_checked():
    assert lv.check_seed(" 42 ") == 42
    for bad in ("x", -1, lv.MAX_SEED + 1):
        with pytest.raises(ValueError, match="a seed is a whole number"):
            lv.check_seed(bad)


def test_cli_lesson_seed_is_checked(capsys):
    assert main(["lesson", "4", "--seed", "-5"]) != 0
    assert "--seed: a seed is a whole number" in capsys.readouterr().err


def test_interface_ids_and_prefixes_vary_the_addresses(tmp_path):
    """The MN's interface id and AR1's prefix drawn from the seed: the local BU's source
    (the LCoA) differs between seeds, and the check (by node names) still holds."""
    path = tmp_path / "v.md"
    path.write_text(
        '+++\ntitle = "T"\nsummary = "S"\ngoals = ["g"]\nscenario = "figure1"\n'
        'vary = [{ node = "MN", interface_id = [16, 4095] },\n'
        '        { node = "AR1", prefix = ["2001:db8:2::/64", "2001:db8:22::/64", '
        '"2001:db8:222::/64"] }]\n+++\n\n## Step: s\n\n```toml\n'
        'check = { sent = "local BU", from = "MN", to = "MAP1", acknowledged = true, '
        'where = { "ipv6.src" = { in_prefix_of = "AR1" } } }\n'
        'solution = [{ play = true }]\n```\n')
    lesson = load_lesson(str(path))
    assert verify_lesson(lesson) == []  # the file's values and seeds 1, 2 and 3

    def lcoa(seed: int) -> str:
        run = LessonRun(lv.with_seed(lesson, seed))
        assert run.play().passed
        e = next(e for e in run.sim.trace if getattr(e, "kind", "") == "local BU")
        return str(lf.packet_of(e).src)

    seen = {lcoa(s) for s in range(1, 6)}
    assert len(seen) >= 4
    seeded = lv.with_seed(lesson, 2)
    ar1 = seeded.scenario.node("AR1")
    assert ar1.address in ar1.prefix  # the AR's own address moved with its prefix
    assert ar1.prefix in seeded.scenario.node("MAP1").valid_onlink_prefixes
    drawn = dict(lv.drawn_values(seeded))
    assert drawn["AR1 prefix"] == str(ar1.prefix)
    assert int(drawn["MN interface_id"]) == seeded.scenario.node("MN").interface_id
