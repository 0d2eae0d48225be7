"""Digest schedules: reading moderators' text, fire times across timezones and DST, catch-up."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.base import BaseTrigger

from bot.service.schedule import Schedule, ScheduleError, due_once, parse_schedule

EXAMPLES = (
    "try `daily 08:00`, `every 2h`, `weekdays 07:30`, `mon,thu 18:00` or a cron expression like `0 8 * * 1-5`"
)
ANCHOR = datetime(2024, 1, 1, tzinfo=UTC)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def fires(schedule: Schedule, after: datetime, count: int, *, anchor: datetime = ANCHOR) -> list[datetime]:
    """The next `count` fire times after `after`, each found from the one before."""
    found: list[datetime] = []
    moment = after
    for _ in range(count):
        moment = schedule.next_after(moment, anchor=anchor)
        found.append(moment)
    return found


def local_clock(moments: list[datetime], zone: str) -> list[str]:
    return [moment.astimezone(ZoneInfo(zone)).strftime("%a %m-%d %H:%M %z") for moment in moments]


# Reading the text


@pytest.mark.parametrize(
    ("text", "spec"),
    [
        ("daily 08:00", "daily 08:00"),
        ("  Daily   8am ", "daily 08:00"),
        ("daily 8:30pm", "daily 20:30"),
        ("daily 8:30 PM", "daily 20:30"),
        ("daily 12am", "daily 00:00"),
        ("daily 12pm", "daily 12:00"),
        ("daily 8", "daily 08:00"),
        ("daily 0715", "daily 07:15"),
        ("every day at noon", "daily 12:00"),
        ("daily 20:00, 08:00", "daily 08:00,20:00"),
        ("daily 08:00 and 20:00", "daily 08:00,20:00"),
        ("twice daily", "daily 08:00,20:00"),
        ("every 2h", "every 2h"),
        ("every 2 hours", "every 2h"),
        ("Every 1 hour", "every 1h"),
        ("every hour", "every 1h"),
        ("hourly", "every 1h"),
        ("every 30m", "every 30m"),
        ("every 90 minutes", "every 90m"),
        ("every 120 minutes", "every 2h"),
        ("every 1h 30m", "every 90m"),
        ("every 5 min", "every 5m"),
        ("every 48h", "every 2d"),
        ("every 7 days", "every 7d"),
        ("every week", "every 7d"),
        ("weekdays 07:30", "weekdays 07:30"),
        ("every weekday at 7:30am", "weekdays 07:30"),
        ("mon-fri 7:30", "weekdays 07:30"),
        ("weekends 10:00", "weekends 10:00"),
        ("sat,sun 10:00", "weekends 10:00"),
        ("mon,wed,fri 18:00", "mon,wed,fri 18:00"),
        ("fri, wed and mon 18:00", "mon,wed,fri 18:00"),
        ("mon,thu 18:00", "mon,thu 18:00"),
        ("monday 09:00", "mon 09:00"),
        ("every Monday at 9am", "mon 09:00"),
        ("tuesdays 12:00", "tue 12:00"),
        ("thurs 6pm", "thu 18:00"),
        ("fri-mon 08:00", "mon,fri,sat,sun 08:00"),
        ("mon,tue,wed,thu,fri,sat,sun 08:00", "daily 08:00"),
        ("0 8 * * 1-5", "0 8 * * 1-5"),
        ("0  8 * *   MON-FRI", "0 8 * * mon-fri"),
        ("*/15 * * * *", "*/15 * * * *"),
        ("30 6 1 * *", "30 6 1 * *"),
        ("0 0 29 2 *", "0 0 29 2 *"),
    ],
)
def test_parse_good(text: str, spec: str) -> None:
    schedule = parse_schedule(text)
    assert schedule == Schedule(spec, "UTC")
    # What is stored reads back as the same schedule.
    assert parse_schedule(schedule.spec, schedule.timezone) == schedule


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("every 0h", "“every 0h” is not a schedule: the interval must be at least 5 minutes"),
        ("every 4 minutes", "“every 4 minutes” is not a schedule: the interval must be at least 5 minutes"),
        ("every minute", "“every minute” is not a schedule: the interval must be at least 5 minutes"),
        ("every 8d", "“every 8d” is not a schedule: the interval must be at most 7 days"),
        ("every 2 weeks", "“every 2 weeks” is not a schedule: the interval must be at most 7 days"),
        ("dialy 8", f"could not read “dialy 8”: {EXAMPLES}"),
        ("every 2 fortnights", f"could not read “every 2 fortnights”: {EXAMPLES}"),
        ("8am", f"could not read “8am”: {EXAMPLES}"),
        ("  ", f"the schedule is empty: {EXAMPLES}"),
        ("daily", "“daily” needs a time of day: try `daily 08:00` (24-hour HH:MM, or 8am / 8:30pm)"),
        ("every day", "“every day” needs a time of day: try `daily 08:00` (24-hour HH:MM, or 8am / 8:30pm)"),
        ("mon,thu", "“mon,thu” needs a time of day: try `mon,thu 08:00` (24-hour HH:MM, or 8am / 8:30pm)"),
        ("daily 25:00", "“25:00” is not a time of day: use 24-hour HH:MM such as 08:00, or 8am / 8:30pm"),
        ("daily 8:61", "“8:61” is not a time of day: use 24-hour HH:MM such as 08:00, or 8am / 8:30pm"),
        (
            "daily 8 o'clock",
            "“8 o'clock” is not a time of day: use 24-hour HH:MM such as 08:00, or 8am / 8:30pm",
        ),
        ("daily 13pm", "“13pm” is not a time of day: with am/pm the hour runs 1–12"),
        ("mon,mnday 09:00", "“mnday” is not a day: use mon, tue, wed, thu, fri, sat or sun"),
        (
            "daily 08:00,08:04",
            "“daily 08:00,08:04” is not a schedule: its times must be at least 5 minutes apart",
        ),
        (
            "daily 23:58,00:01",
            "“daily 23:58,00:01” is not a schedule: its times must be at least 5 minutes apart",
        ),
        (
            "0 8 * *",
            "“0 8 * *” is not a cron expression: it needs 5 fields (minute hour day-of-month month day-of-week), this one has 4",
        ),
        (
            "0 0 8 * * 1",
            "“0 0 8 * * 1” is not a cron expression: it needs 5 fields (minute hour day-of-month month day-of-week), this one has 6",
        ),
        (
            "0 25 * * *",
            "“0 25 * * *” is not a cron expression: could not read the hour field “25” (values 0–23)",
        ),
        (
            "61 8 * * *",
            "“61 8 * * *” is not a cron expression: could not read the minute field “61” (values 0–59)",
        ),
        (
            "0 8 32 * *",
            "“0 8 32 * *” is not a cron expression: could not read the day-of-month field “32” (values 1–31)",
        ),
        (
            "0 8 * 13 *",
            "“0 8 * 13 *” is not a cron expression: could not read the month field “13” (values 1–12 or jan–dec)",
        ),
        (
            "0 8 * * 8",
            "“0 8 * * 8” is not a cron expression: could not read the day-of-week field “8” (values 0–7 or sun–sat)",
        ),
        (
            "0 8 * * 5-1",
            "“0 8 * * 5-1” is not a cron expression: could not read the day-of-week field “5-1” (values 0–7 or sun–sat)",
        ),
        ("* * * * *", "“* * * * *” is not a schedule: it fires more often than every 5 minutes"),
        ("*/2 8 * * *", "“*/2 8 * * *” is not a schedule: it fires more often than every 5 minutes"),
        ("0,58 8,9 * * *", "“0,58 8,9 * * *” is not a schedule: it fires more often than every 5 minutes"),
        ("0 0 30 2 *", "“0 0 30 2 *” never fires: no month has that day"),
    ],
)
def test_parse_bad(text: str, reason: str) -> None:
    with pytest.raises(ScheduleError) as caught:
        parse_schedule(text)
    assert caught.value.reason == reason
    assert str(caught.value) == reason
    assert isinstance(caught.value, ValueError)


def test_long_text_is_shortened_in_errors() -> None:
    with pytest.raises(ScheduleError) as caught:
        parse_schedule("blah " * 40)
    quoted = caught.value.reason.split("“")[1].split("”")[0]
    assert len(quoted) == 80
    assert quoted.endswith("…")


def test_cron_with_sparse_minutes_in_back_to_back_hours_is_allowed() -> None:
    # 08:55 then 09:00 is exactly 5 minutes apart: allowed.
    assert parse_schedule("0,55 8,9 * * *").spec == "0,55 8,9 * * *"


# Timezones


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        (None, "UTC"),
        ("", "UTC"),
        ("utc", "UTC"),
        ("Europe/Paris", "Europe/Paris"),
        (" europe/paris ", "Europe/Paris"),
        ("AMERICA/NEW_YORK", "America/New_York"),
        ("Asia/Kolkata", "Asia/Kolkata"),
    ],
)
def test_timezone_names(given: str | None, stored: str) -> None:
    assert parse_schedule("daily 08:00", given).timezone == stored


@pytest.mark.parametrize(
    ("given", "reason"),
    [
        (
            "Europe/Pariss",
            "unknown timezone “Europe/Pariss”: did you mean Europe/Paris? Use an IANA name such as Europe/Paris",
        ),
        (
            "America/New York",
            "unknown timezone “America/New York”: did you mean America/New_York? Use an IANA name such as Europe/Paris",
        ),
        ("Mars/Olympus", "unknown timezone “Mars/Olympus”: use an IANA name such as Europe/Paris"),
        ("Europe", "unknown timezone “Europe”: use an IANA name such as Europe/Paris"),
        ("../../etc/passwd", "unknown timezone “../../etc/passwd”: use an IANA name such as Europe/Paris"),
    ],
)
def test_unknown_timezones(given: str, reason: str) -> None:
    with pytest.raises(ScheduleError) as caught:
        parse_schedule("daily 08:00", given)
    assert caught.value.reason == reason


def test_the_host_has_timezone_data() -> None:
    # Fails on a host without system zoneinfo or the tzdata package, which the bot would need.
    assert ZoneInfo("Europe/Paris").utcoffset(datetime(2024, 7, 1)) == timedelta(hours=2)


# Fire times


def test_daily_stays_at_local_time_across_march_change_in_paris() -> None:
    schedule = parse_schedule("daily 08:00", "Europe/Paris")
    found = fires(schedule, utc(2024, 3, 29, 12), 4)
    assert found == [utc(2024, 3, 30, 7), utc(2024, 3, 31, 6), utc(2024, 4, 1, 6), utc(2024, 4, 2, 6)]
    assert {clock[10:15] for clock in local_clock(found, "Europe/Paris")} == {"08:00"}


def test_daily_stays_at_local_time_across_october_change_in_paris() -> None:
    schedule = parse_schedule("daily 08:00", "Europe/Paris")
    found = fires(schedule, utc(2024, 10, 25, 12), 3)
    assert found == [utc(2024, 10, 26, 6), utc(2024, 10, 27, 7), utc(2024, 10, 28, 7)]


def test_new_york_changes() -> None:
    schedule = parse_schedule("daily 7:30pm", "America/New_York")
    assert fires(schedule, utc(2024, 3, 9, 12), 2) == [utc(2024, 3, 10, 0, 30), utc(2024, 3, 10, 23, 30)]
    assert fires(schedule, utc(2024, 11, 2, 12), 2) == [utc(2024, 11, 2, 23, 30), utc(2024, 11, 4, 0, 30)]


def test_southern_hemisphere_changes_the_other_way() -> None:
    # Sydney leaves summer time on 7 April 2024 and starts it again on 6 October 2024.
    schedule = parse_schedule("daily 09:00", "Australia/Sydney")
    assert fires(schedule, utc(2024, 4, 5), 3) == [
        utc(2024, 4, 5, 22),
        utc(2024, 4, 6, 23),
        utc(2024, 4, 7, 23),
    ]
    assert fires(schedule, utc(2024, 10, 4), 3) == [
        utc(2024, 10, 4, 23),
        utc(2024, 10, 5, 22),
        utc(2024, 10, 6, 22),
    ]


def test_half_hour_offset_zone() -> None:
    schedule = parse_schedule("daily 08:00", "Asia/Kolkata")
    assert schedule.next_after(utc(2024, 6, 1), anchor=ANCHOR) == utc(2024, 6, 1, 2, 30)


def test_time_repeated_when_clocks_go_back_fires_once() -> None:
    # 02:30 happens twice in Paris on 27 October 2024 (00:30Z in summer time, 01:30Z after).
    for text in ("daily 02:30", "30 2 * * *"):
        schedule = parse_schedule(text, "Europe/Paris")
        found = fires(schedule, utc(2024, 10, 26, 12), 2)
        assert found == [utc(2024, 10, 27, 0, 30), utc(2024, 10, 28, 1, 30)], text
        # Also when asked from inside the repeated hour, after the first 02:30.
        assert schedule.next_after(utc(2024, 10, 27, 1), anchor=ANCHOR) == utc(2024, 10, 28, 1, 30), text


def test_repeated_hour_never_skips_a_day() -> None:
    schedule = parse_schedule("daily 02:30", "Europe/Paris")
    # From just before the first 02:30 of 27 October, that one is next.
    assert schedule.next_after(utc(2024, 10, 27, 0, 29), anchor=ANCHOR) == utc(2024, 10, 27, 0, 30)


def test_trigger_handed_to_apscheduler_also_fires_once_in_the_repeated_hour() -> None:
    trigger = parse_schedule("daily 02:30", "Europe/Paris").trigger(anchor=ANCHOR)
    assert isinstance(trigger, BaseTrigger)
    first = trigger.get_next_fire_time(None, utc(2024, 10, 26, 12))
    assert first.astimezone(UTC) == utc(2024, 10, 27, 0, 30)
    second = trigger.get_next_fire_time(first, first)
    assert second.astimezone(UTC) == utc(2024, 10, 28, 1, 30)


def test_trigger_given_its_previous_fire_time_in_utc_moves_on() -> None:
    # A job store may hand the previous fire time back in UTC; inside the repeated hour that
    # must not yield the same time again (APScheduler would loop on it).
    for text in ("daily 02:30", "*/30 * * * *"):
        trigger = parse_schedule(text, "Europe/Paris").trigger(anchor=ANCHOR)
        previous = trigger.get_next_fire_time(None, utc(2024, 10, 27, 0, 30)).astimezone(UTC)
        assert previous == utc(2024, 10, 27, 0, 30)
        following = trigger.get_next_fire_time(previous, utc(2024, 10, 27, 0, 30)).astimezone(UTC)
        assert following > previous, text


def test_trigger_lists_missed_runs_like_apscheduler_does() -> None:
    # APScheduler's Job._get_run_times: previous fire time in, the one after it out, until now.
    trigger = parse_schedule("daily 08:00", "Europe/Paris").trigger(anchor=ANCHOR)
    now = utc(2024, 3, 31, 12)
    run_times = []
    fire = trigger.get_next_fire_time(None, utc(2024, 3, 28, 12))
    while fire is not None and fire <= now:
        run_times.append(fire.astimezone(UTC))
        fire = trigger.get_next_fire_time(fire, now)
    assert run_times == [utc(2024, 3, 29, 7), utc(2024, 3, 30, 7), utc(2024, 3, 31, 6)]
    assert fire is not None and fire.astimezone(UTC) == utc(2024, 4, 1, 6)


@pytest.mark.parametrize("text", ["daily 08:00", "every 2h", "0 8 1 * mon", "*/30 * * * *"])
def test_triggers_survive_pickling(text: str) -> None:
    # APScheduler's persistent job stores pickle triggers.
    trigger = parse_schedule(text, "Europe/Paris").trigger(anchor=ANCHOR)
    restored = pickle.loads(pickle.dumps(trigger))
    moment = utc(2024, 6, 5, 9, 10)
    assert restored.get_next_fire_time(None, moment) == trigger.get_next_fire_time(None, moment)


def test_time_skipped_when_clocks_go_forward_fires_once_after_the_jump() -> None:
    # 02:30 does not exist in Paris on 31 March 2024; it fires at 03:30 CEST (01:30Z) instead.
    schedule = parse_schedule("daily 02:30", "Europe/Paris")
    found = fires(schedule, utc(2024, 3, 30, 12), 2)
    assert found == [utc(2024, 3, 31, 1, 30), utc(2024, 4, 1, 0, 30)]


def test_clock_hour_cron_keeps_elapsed_time_through_the_changes() -> None:
    schedule = parse_schedule("*/30 * * * *", "Europe/Paris")
    back = fires(schedule, utc(2024, 10, 26, 23, 50), 6)
    assert [b - a for a, b in pairwise(back)] == [timedelta(minutes=30)] * 5
    forward = fires(schedule, utc(2024, 3, 31, 0, 10), 4)
    assert forward == [
        utc(2024, 3, 31, 0, 30),
        utc(2024, 3, 31, 1),
        utc(2024, 3, 31, 1, 30),
        utc(2024, 3, 31, 2),
    ]


def test_weekdays_and_day_lists() -> None:
    friday_evening = utc(2024, 6, 7, 18)
    assert parse_schedule("weekdays 07:30").next_after(friday_evening, anchor=ANCHOR) == utc(
        2024, 6, 10, 7, 30
    )
    assert parse_schedule("weekends 10:00").next_after(friday_evening, anchor=ANCHOR) == utc(2024, 6, 8, 10)
    found = fires(parse_schedule("mon,thu 18:00", "Europe/Paris"), friday_evening, 3)
    assert local_clock(found, "Europe/Paris") == [
        "Mon 06-10 18:00 +0200",
        "Thu 06-13 18:00 +0200",
        "Mon 06-17 18:00 +0200",
    ]


def test_several_times_a_day() -> None:
    schedule = parse_schedule("daily 08:00,12:30,20:00", "Europe/Paris")
    found = fires(schedule, utc(2024, 6, 1), 4)
    assert [clock[10:15] for clock in local_clock(found, "Europe/Paris")] == [
        "08:00",
        "12:30",
        "20:00",
        "08:00",
    ]


def test_cron_weekdays_use_standard_cron_numbering() -> None:
    friday_morning = utc(2024, 6, 7, 9)  # a Friday
    assert parse_schedule("0 8 * * 1-5").next_after(friday_morning, anchor=ANCHOR) == utc(2024, 6, 10, 8)
    assert parse_schedule("0 8 * * 0").next_after(friday_morning, anchor=ANCHOR) == utc(2024, 6, 9, 8)
    assert parse_schedule("0 8 * * 7").next_after(friday_morning, anchor=ANCHOR) == utc(2024, 6, 9, 8)
    assert parse_schedule("0 8 * * 5-7").next_after(friday_morning, anchor=ANCHOR) == utc(2024, 6, 8, 8)
    assert parse_schedule("0 8 * * sat").next_after(friday_morning, anchor=ANCHOR) == utc(2024, 6, 8, 8)


def test_cron_day_of_month_or_day_of_week_like_standard_cron() -> None:
    # Either the 1st of the month or a Monday, not "a 1st that is a Monday".
    schedule = parse_schedule("0 8 1 * mon")
    found = fires(schedule, utc(2024, 6, 20), 4)
    assert found == [utc(2024, 6, 24, 8), utc(2024, 7, 1, 8), utc(2024, 7, 8, 8), utc(2024, 7, 15, 8)]


def test_cron_in_a_timezone() -> None:
    schedule = parse_schedule("0 8 * * 1-5", "America/New_York")
    assert schedule.next_after(utc(2024, 1, 5, 14), anchor=ANCHOR) == utc(2024, 1, 8, 13)


def test_next_after_is_strictly_after() -> None:
    schedule = parse_schedule("daily 08:00")
    assert schedule.next_after(utc(2024, 6, 1, 8), anchor=ANCHOR) == utc(2024, 6, 2, 8)
    assert schedule.next_after(utc(2024, 6, 1, 7, 59), anchor=ANCHOR) == utc(2024, 6, 1, 8)


def test_next_after_accepts_any_aware_time_and_answers_in_utc() -> None:
    schedule = parse_schedule("daily 08:00", "Europe/Paris")
    in_tokyo = datetime(2024, 6, 1, 9, tzinfo=ZoneInfo("Asia/Tokyo"))  # 00:00Z
    found = schedule.next_after(in_tokyo, anchor=ANCHOR)
    assert found == utc(2024, 6, 1, 6)
    assert found.tzinfo is UTC


def test_naive_datetimes_are_refused() -> None:
    schedule = parse_schedule("every 2h")
    with pytest.raises(ValueError, match="timezone-aware"):
        schedule.next_after(datetime(2024, 6, 1), anchor=ANCHOR)
    with pytest.raises(ValueError, match="timezone-aware"):
        schedule.trigger(anchor=datetime(2024, 6, 1))


# Intervals


def test_interval_counts_from_the_anchor() -> None:
    schedule = parse_schedule("every 2h", "Europe/Paris")
    anchor = utc(2024, 6, 1, 10, 17)
    assert schedule.next_after(anchor, anchor=anchor) == utc(2024, 6, 1, 12, 17)
    assert schedule.next_after(utc(2024, 6, 1, 12, 16), anchor=anchor) == utc(2024, 6, 1, 12, 17)
    assert schedule.next_after(utc(2024, 6, 1, 12, 17), anchor=anchor) == utc(2024, 6, 1, 14, 17)
    assert schedule.next_after(utc(2024, 6, 9, 3), anchor=anchor) == utc(2024, 6, 9, 4, 17)
    # Before the anchor, the anchor itself is the first slot.
    assert schedule.next_after(utc(2024, 6, 1, 9), anchor=anchor) == anchor


def test_interval_anchor_is_floored_to_the_minute() -> None:
    anchor = datetime(2024, 6, 1, 10, 17, 42, 123456, tzinfo=UTC)
    found = parse_schedule("every 90m").next_after(anchor, anchor=anchor)
    assert found == utc(2024, 6, 1, 11, 47)


def test_interval_is_elapsed_time_across_dst() -> None:
    # Paris clocks go back at 01:00Z on 27 October 2024; an interval does not notice.
    schedule = parse_schedule("every 1h", "Europe/Paris")
    anchor = utc(2024, 10, 26, 20)
    assert fires(schedule, utc(2024, 10, 26, 23, 30), 4, anchor=anchor) == [
        utc(2024, 10, 27, 0),
        utc(2024, 10, 27, 1),
        utc(2024, 10, 27, 2),
        utc(2024, 10, 27, 3),
    ]


def test_interval_anchor_in_another_zone_is_the_same_instant() -> None:
    anchor = datetime(2024, 6, 1, 12, tzinfo=ZoneInfo("Europe/Paris"))  # 10:00Z
    assert parse_schedule("every 3h").next_after(utc(2024, 6, 1, 11), anchor=anchor) == utc(2024, 6, 1, 13)


# Catch-up


def test_missed_slots_make_the_digest_due_once() -> None:
    schedule = parse_schedule("every 2h")
    anchor = utc(2024, 6, 1)
    next_run_at = utc(2024, 6, 1, 2)
    now = utc(2024, 6, 1, 11)  # 02:00, 04:00, 06:00, 08:00 and 10:00 were missed
    due, new_next = due_once(next_run_at, now, schedule, anchor=anchor)
    assert due is True
    assert new_next == utc(2024, 6, 1, 12)
    # Straight after, nothing more is due until that slot.
    assert due_once(new_next, now, schedule, anchor=anchor) == (False, new_next)


def test_missed_daily_slots_after_days_down() -> None:
    schedule = parse_schedule("daily 08:00", "Europe/Paris")
    due, new_next = due_once(utc(2024, 3, 28, 7), utc(2024, 4, 2, 9), schedule, anchor=ANCHOR)
    assert (due, new_next) == (True, utc(2024, 4, 3, 6))


def test_not_yet_due() -> None:
    schedule = parse_schedule("daily 08:00")
    next_run_at = utc(2024, 6, 1, 8)
    assert due_once(next_run_at, utc(2024, 6, 1, 7, 59), schedule, anchor=ANCHOR) == (False, next_run_at)


def test_due_exactly_on_the_slot() -> None:
    schedule = parse_schedule("daily 08:00")
    slot = utc(2024, 6, 1, 8)
    assert due_once(slot, slot, schedule, anchor=ANCHOR) == (True, utc(2024, 6, 2, 8))


# Descriptions


@pytest.mark.parametrize(
    ("text", "timezone", "description"),
    [
        ("daily 08:00", "Europe/Paris", "every day at 08:00 (Europe/Paris)"),
        ("twice daily", None, "every day at 08:00 and 20:00 (UTC)"),
        ("daily 7:00,12:00,19:00", None, "every day at 07:00, 12:00 and 19:00 (UTC)"),
        ("weekdays 07:30", None, "every weekday at 07:30 (UTC)"),
        ("weekends 10:00", None, "every Saturday and Sunday at 10:00 (UTC)"),
        (
            "mon,wed,fri 18:00",
            "America/New_York",
            "every Monday, Wednesday and Friday at 18:00 (America/New_York)",
        ),
        ("monday 09:00", None, "every Monday at 09:00 (UTC)"),
        ("every 2h", "Europe/Paris", "every 2 hours"),
        ("hourly", None, "every hour"),
        ("every 90 minutes", None, "every 90 minutes"),
        ("every 24h", None, "every 24 hours"),
        ("every 3d", None, "every 3 days"),
        ("0 8 * * 1-5", None, "at 08:00 on Mon–Fri (UTC)"),
        ("0 8 * * *", "Asia/Kolkata", "at 08:00 every day (Asia/Kolkata)"),
        ("0 8 * * 1,3,5", None, "at 08:00 on Mon, Wed, Fri (UTC)"),
        ("0 8 * * 0-4", None, "at 08:00 on Mon–Thu, Sun (UTC)"),
        ("0,30 8 * * *", None, "at 08:00 and 08:30 every day (UTC)"),
        ("*/15 * * * *", None, "every 15 minutes (UTC)"),
        ("15 * * * 1-5", None, "every hour at :15 on Mon–Fri (UTC)"),
        ("0 */3 * * *", None, "every 3 hours at :00 (UTC)"),
        ("0 8 1 * *", None, "on the cron schedule `0 8 1 * *` (UTC)"),
    ],
)
def test_describe(text: str, timezone: str | None, description: str) -> None:
    assert parse_schedule(text, timezone).describe() == description
