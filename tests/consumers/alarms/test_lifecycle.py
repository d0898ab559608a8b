"""The lifecycle of one district's alarms: raised, followed, cleared with a hold, acted on, and every change in
the trail."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from consumers.alarms.actions import Action
from consumers.alarms.lifecycle import CLEAR_HOLD_S, HISTORY_KEEP_S, Condition, DistrictAlarms

T0 = 1_782_892_800.0  # 2026-07-01T08:00:00Z
ENTITY = "sensor:NM-01"


def flood(severity: str = "warning", reason: str = "stage 3.50 m") -> Condition:
    return Condition(ENTITY, "river", severity, reason, 26.57, 106.71)


def action(kind: str, alarm: str, n: int, comment: str = "", shelve_s: float = 0.0) -> Action:
    return Action(
        kind, alarm, f"a{n}", "li.wei", "operator", "10.0.0.7 web-1", "2026-07-01T08:00:00+00:00", comment, shelve_s
    )


def only(book: DistrictAlarms):
    (alarm,) = book.alarms.values()
    return alarm


def test_an_alarm_follows_its_severity_and_clears_only_after_the_condition_stayed_away_for_the_hold() -> None:
    book = DistrictAlarms("520111")
    book.observe(ENTITY, flood(), T0)
    book.observe(ENTITY, flood("alarm", "stage 4.30 m"), T0 + 60)
    alarm = only(book)
    assert (alarm.id, alarm.severity, alarm.peak, alarm.reason) == ("520111-1", "alarm", "alarm", "stage 4.30 m")

    book.observe(ENTITY, None, T0 + 120)  # one reading back in band
    book.tick(T0 + 120 + CLEAR_HOLD_S - 1)
    book.observe(ENTITY, flood(), T0 + 200)  # and out again within the hold: the same alarm, still active
    book.tick(T0 + 200 + CLEAR_HOLD_S + 1)
    assert alarm.active and len(book.alarms) == 1

    book.observe(ENTITY, None, T0 + 400)
    book.tick(T0 + 400 + CLEAR_HOLD_S)
    assert (alarm.state, alarm.cleared_t) == ("cleared", T0 + 400 + CLEAR_HOLD_S)
    assert [e["what"] for e in alarm.trail] == ["raised", "severity", "severity", "cleared"]


def test_an_alarm_that_comes_back_after_clearing_is_a_new_occurrence_linked_to_the_old_one() -> None:
    book = DistrictAlarms("520111")
    book.observe(ENTITY, flood(), T0)
    book.observe(ENTITY, None, T0 + 60)
    book.tick(T0 + 60 + CLEAR_HOLD_S)
    book.observe(ENTITY, flood(), T0 + 1000)
    first, second = book.alarms["520111-1"], book.alarms["520111-2"]
    assert (first.state, second.state) == ("cleared", "active")
    assert (second.occurrence, second.previous) == (2, "520111-1")
    assert second.trail[0]["previous"] == "520111-1"


def test_acknowledge_shelve_and_comment_are_applied_once_and_what_does_not_apply_is_refused_with_its_reason() -> None:
    book = DistrictAlarms("520111")
    book.observe(ENTITY, flood(), T0)
    alarm = only(book)
    where = "city.actions/3"
    assert book.act(action("ack", alarm.id, 1, "crew sent to Jiaxiu"), where, 0, T0 + 10) is None
    assert alarm.ack == {"by": "li.wei", "at": "2026-07-01T08:00:10+00:00", "comment": "crew sent to Jiaxiu"}
    assert "already acknowledged by li.wei" in (book.act(action("ack", alarm.id, 2), where, 1, T0 + 11) or "")
    assert book.act(action("ack", alarm.id, 1), where, 2, T0 + 12) == "action a1 was already applied"
    assert "is not known" in (book.act(action("ack", "520111-9", 3), where, 3, T0 + 13) or "")
    assert book.seen(where, 3) and not book.seen(where, 4)

    assert book.act(action("shelve", alarm.id, 4, shelve_s=600), where, 4, T0 + 20) is None
    assert alarm.shelved_until == T0 + 620
    book.tick(T0 + 619)
    assert alarm.shelved_until is not None
    book.tick(T0 + 620)
    assert alarm.shelved_until is None and alarm.trail[-1]["what"] == "shelve_ended"

    book.observe(ENTITY, None, T0 + 700)
    book.tick(T0 + 700 + CLEAR_HOLD_S)
    refused = book.act(action("shelve", alarm.id, 5, shelve_s=600), where, 5, T0 + 900)
    assert refused is not None and "cleared at 2026-07-01T08:13:40+00:00" in refused
    assert book.act(action("comment", alarm.id, 6, "pumps back on"), where, 6, T0 + 901) is None
    whats = [(e["what"], e["by"]) for e in alarm.trail]
    assert whats == [
        ("raised", "system"),
        ("ack", "li.wei"),
        ("refused", "li.wei"),  # the second acknowledgement
        ("shelve", "li.wei"),
        ("shelve_ended", "system"),
        ("cleared", "system"),
        ("refused", "li.wei"),
        ("comment", "li.wei"),
    ]
    assert alarm.trail[1]["source"] == "10.0.0.7 web-1" and alarm.trail[1]["role"] == "operator"


def test_cleared_alarms_are_kept_as_history_for_a_day_then_forgotten() -> None:
    book = DistrictAlarms("520111")
    book.observe(ENTITY, flood(), T0)
    book.observe(ENTITY, None, T0)
    book.tick(T0 + CLEAR_HOLD_S)
    book.take_changes()
    book.tick(T0 + CLEAR_HOLD_S + HISTORY_KEEP_S)
    assert "520111-1" in book.alarms
    book.tick(T0 + CLEAR_HOLD_S + HISTORY_KEEP_S + 1)
    assert book.alarms == {} and book.take_changes()[1] == ["520111-1"]


def test_a_restored_book_is_the_book_that_was_written() -> None:
    book = DistrictAlarms("520111")
    book.observe(ENTITY, flood(), T0)
    book.act(action("ack", "520111-1", 1, "seen"), "city.actions/3", 7, T0 + 5)
    book.observe("sensor:NM-02", flood(), T0 + 6)
    changed, _, _ = book.take_changes()
    from consumers.alarms.lifecycle import Alarm

    again = DistrictAlarms("520111")
    again.restore_meta(book.meta())
    for alarm in changed:
        again.restore_alarm(Alarm.restore(alarm.snapshot()))
    assert {i: a.view() for i, a in again.alarms.items()} == {i: a.view() for i, a in book.alarms.items()}
    assert again.seen("city.actions/3", 7) and again.next_seq == 3
    assert again.act(action("ack", "520111-1", 1), "city.actions/3", 8, T0 + 9) == "action a1 was already applied"


STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("observe"), st.sampled_from(["a", "b"]), st.sampled_from([None, "warning", "alarm"])),
        st.tuples(st.just("tick"), st.just(""), st.none()),
        st.tuples(st.sampled_from(["ack", "shelve", "unshelve", "comment"]), st.integers(1, 6), st.none()),
    ),
    max_size=60,
)


@settings(max_examples=300, deadline=None)
@given(steps=STEPS, gaps=st.lists(st.sampled_from([1.0, 30.0, CLEAR_HOLD_S, 4000.0]), min_size=60, max_size=60))
def test_no_alarm_is_both_cleared_and_active_and_every_change_is_in_the_trail(steps, gaps) -> None:
    book = DistrictAlarms("520111")
    t = T0
    applied = refused = 0
    for n, ((what, arg, severity), gap) in enumerate(zip(steps, gaps, strict=False)):
        t += gap
        if what == "observe":
            entity = f"sensor:{arg}"
            c = None if severity is None else Condition(entity, "river", severity, "r")
            book.observe(entity, c, t)
        elif what == "tick":
            book.tick(t)
        else:
            outcome = book.act(action(what, f"520111-{arg}", n, "note", 600.0), "city.actions/0", n, t)
            if f"520111-{arg}" in book.alarms:
                applied += outcome is None
                refused += outcome is not None
        actives: dict[str, int] = {}
        for alarm in book.alarms.values():
            assert alarm.active == (alarm.cleared_t is None)  # never both
            assert not (alarm.active and alarm.state == "cleared")
            if alarm.active:
                actives[alarm.entity] = actives.get(alarm.entity, 0) + 1
                assert book.active_of[alarm.entity] == alarm.id
            else:
                assert alarm.shelved_until is None  # a cleared alarm is not left shelved
            if alarm.ack is not None and alarm.cleared_t is not None:
                assert alarm.ack["at"] <= alarm.trail[[e["what"] for e in alarm.trail].index("cleared")]["at"]
        assert all(v == 1 for v in actives.values())
        assert set(book.active_of.values()) == {a.id for a in book.alarms.values() if a.active}
    operator_entries = [
        e for a in book.alarms.values() for e in a.trail if e["by"] == "li.wei" and e["what"] != "refused"
    ]
    refused_entries = [e for a in book.alarms.values() for e in a.trail if e["what"] == "refused"]
    kept_trails = all(a.trail_dropped == 0 for a in book.alarms.values())
    if kept_trails and len(book.alarms) == book.next_seq - 1:  # nothing forgotten: every entry is still there
        assert len(operator_entries) == applied and len(refused_entries) == refused
        for alarm in book.alarms.values():
            raised = [e for e in alarm.trail if e["what"] == "raised"]
            cleared = [e for e in alarm.trail if e["what"] == "cleared"]
            assert len(raised) == 1 and len(cleared) == (0 if alarm.active else 1)


def test_an_alarm_raised_while_catching_up_on_a_backlog_says_when_it_happened() -> None:
    book = DistrictAlarms("520111")
    happened = Condition(ENTITY, "river", "warning", "stage 3.50 m", seen_t=T0 - 3 * 3600)
    book.observe(ENTITY, happened, T0)
    alarm = only(book)
    assert (alarm.raised_t, alarm.updated_t) == (T0 - 3 * 3600, T0)
    assert alarm.trail[0]["at"] == "2026-07-01T05:00:00+00:00"


def test_an_alarm_grouped_under_an_incident_says_so_in_its_trail_and_leaves_the_group_when_the_fire_is_closed() -> None:
    book = DistrictAlarms("520103")
    detector = "sensor:B-01-SMK-1"
    book.observe(detector, Condition(detector, "fire", "warning", "smoke rising"), T0)
    book.observe(detector, Condition(detector, "fire", "alarm", "smoke alarm", group="incident:520103-x"), T0 + 60)
    alarm = only(book)
    assert alarm.group == "incident:520103-x"
    book.observe(detector, Condition(detector, "fire", "alarm", "smoke alarm"), T0 + 120)
    assert alarm.group is None
    assert [e["what"] for e in alarm.trail] == ["raised", "severity", "grouped", "ungrouped"]
