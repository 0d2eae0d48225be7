"""Digest schedules: reading what a moderator types after `/digest set`, and when a digest is due.

A schedule is kept as normalised text plus an IANA timezone (that pair is what the database
stores), and turned into an APScheduler trigger whenever fire times are needed, so the date
arithmetic, including daylight-saving changes, is APScheduler's and zoneinfo's, not ours.

Three shapes are understood:

* fixed times of day on chosen weekdays: `daily 08:00`, `weekdays 7:30am`, `mon,thu 18:00`;
* intervals counted from an anchor (when the schedule was set): `every 2h`, `every 90 minutes`;
* standard 5-field cron expressions, with standard cron meanings (0 and 7 are Sunday; when both
  day-of-month and day-of-week are restricted, either one matching is enough).

Fixed-time schedules fire once per day even when the clocks go back (the repeated hour is not a
second chance to fire), and a time the clocks skip over fires at the same offset after the jump
(02:30 on the spring-forward night in Europe/Paris fires at 03:30 CEST), which is APScheduler's
reading of a missing wall-clock time.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from itertools import pairwise
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

MIN_INTERVAL: Final = timedelta(minutes=5)
MAX_INTERVAL: Final = timedelta(days=7)
DEFAULT_TIMEZONE: Final = "UTC"

# Shown whenever the text cannot be read at all, so the moderator always sees working forms.
_EXAMPLES: Final = (
    "try `daily 08:00`, `every 2h`, `weekdays 07:30`, `mon,thu 18:00` or a cron expression like `0 8 * * 1-5`"
)
_TIME_HINT: Final = "use 24-hour HH:MM such as 08:00, or 8am / 8:30pm"
_QUOTED_TEXT_MAX: Final = 80  # error messages quote the moderator's text; keep them readable

# Python's weekday numbers: Monday is 0.
_ALL_DAYS: Final = (0, 1, 2, 3, 4, 5, 6)
_WEEKDAYS: Final = (0, 1, 2, 3, 4)
_WEEKEND: Final = (5, 6)
_DAY_ABBREVIATIONS: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_SHORT_NAMES: Final = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_DAY_FULL_NAMES: Final = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_DAY_WORDS: Final = {
    **{name: day for day, name in enumerate(_DAY_ABBREVIATIONS)},
    **{name.lower(): day for day, name in enumerate(_DAY_FULL_NAMES)},
    "tues": 1,
    "weds": 2,
    "thur": 3,
    "thurs": 3,
}
_EVERY_DAY_WORDS: Final = frozenset({"daily", "day", "days", "everyday", "each day"})
_WEEKDAY_WORDS: Final = frozenset({"weekdays", "weekday", "workdays", "workday"})
_WEEKEND_WORDS: Final = frozenset({"weekends", "weekend"})
_TWICE_DAILY_WORDS: Final = frozenset({"twice daily", "twice a day"})
_TWICE_DAILY_TIMES: Final = (time(8, 0), time(20, 0))

_UNIT_SECONDS: Final = {
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes"), 60),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), 3600),
    **dict.fromkeys(("d", "day", "days"), 86400),
    **dict.fromkeys(("w", "wk", "wks", "week", "weeks"), 7 * 86400),
}
_INTERVAL_PARTS_RE: Final = re.compile(r"(?:\d+\s*[a-z]+\s*)+")
_INTERVAL_PART_RE: Final = re.compile(r"(\d+)\s*([a-z]+)")
_TIME_RE: Final = re.compile(
    r"(?P<hour>\d{1,2})(?:[:h.](?P<minute>\d{2}))?\s*(?:(?P<am>a\.?m\.?)|(?P<pm>p\.?m\.?))?"
)
_COMPACT_TIME_RE: Final = re.compile(r"(?P<hour>\d{2})(?P<minute>\d{2})")
_TIME_SEPARATOR_RE: Final = re.compile(r"\s*(?:,|&|\band\b)\s*")
_DAY_SEPARATOR_RE: Final = re.compile(r"(?:\s*,\s*|\s*&\s*|\s+and\s+|\s+)")
_CRON_FIELD_RE: Final = re.compile(r"[0-9a-z*/,\-]+")
_CRON_NUMERIC_FIELD_RE: Final = re.compile(r"[0-9*/,\-]+")
_CRON_PLAIN_LIST_RE: Final = re.compile(r"\d{1,2}(?:,\d{1,2})*")
_CRON_EVEN_STEP_RE: Final = re.compile(r"\*/([1-9]\d?)")
_CRON_FIELDS: Final = (
    ("minute", "minute", "0–59"),
    ("hour", "hour", "0–23"),
    ("day", "day-of-month", "1–31"),
    ("month", "month", "1–12 or jan–dec"),
    ("day_of_week", "day-of-week", "0–7 or sun–sat"),
)
# Standard cron numbers its weekdays from Sunday = 0 (7 is Sunday again); APScheduler 3 numbers
# them from Monday = 0, so day-of-week fields are translated to names rather than passed through.
_CRON_DAY_NUMBERS: Final = {"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6}
_CRON_DESCRIBED_TIMES_MAX: Final = 6
# Any fixed instant works for checking that a cron expression fires at all.
_CRON_PROBE_START: Final = datetime(2001, 1, 1, tzinfo=UTC)
_UTC_ZONE: Final = ZoneInfo("UTC")
_TICK: Final = timedelta(microseconds=1)  # APScheduler's bounds are inclusive; this makes them strict


class ScheduleError(ValueError):
    """A schedule or timezone a moderator typed that cannot be used; `reason` says what to do."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class _Interval:
    seconds: int


@dataclass(frozen=True, slots=True)
class _DaysAt:
    days: tuple[int, ...]  # Python weekday numbers, sorted, no repeats
    times: tuple[time, ...]  # sorted, no repeats


@dataclass(frozen=True, slots=True)
class _Cron:
    minute: str
    hour: str
    day: str
    month: str
    day_of_week: str  # standard cron text (Sunday = 0)

    @property
    def fields(self) -> tuple[str, str, str, str, str]:
        return (self.minute, self.hour, self.day, self.month, self.day_of_week)


_Plan = _Interval | _DaysAt | _Cron


@dataclass(frozen=True, slots=True)
class Schedule:
    """A digest schedule as stored: normalised text and an IANA timezone.

    Build one with `parse_schedule`; `parse_schedule(s.spec, s.timezone) == s` always holds.
    """

    spec: str  # normalised text, e.g. "daily 08:00", "every 2h", "0 8 * * 1-5"
    timezone: str = DEFAULT_TIMEZONE

    def trigger(self, *, anchor: datetime) -> BaseTrigger:
        """The APScheduler trigger for this schedule.

        `anchor` (an aware datetime, normally when the schedule was set) is where intervals count
        from: "every 2h" fires at anchor + k·2h. It is floored to the whole minute so fire times
        read cleanly. Fixed-time and cron schedules ignore it.
        """
        _require_aware(anchor, "anchor")
        return _trigger_for(_read_spec(self.spec), ZoneInfo(self.timezone), anchor)

    def next_after(self, moment: datetime, *, anchor: datetime) -> datetime:
        """The first fire time strictly after `moment`, as an aware UTC datetime."""
        _require_aware(moment, "moment")
        fire = _first_fire_after(self.trigger(anchor=anchor), moment.astimezone(UTC))
        if fire is None:
            raise ScheduleError(f"“{self.spec}” never fires again")
        return fire

    def describe(self) -> str:
        """Human-readable, e.g. "every day at 08:00 (Europe/Paris)" or "every 2 hours"."""
        plan = _read_spec(self.spec)
        if isinstance(plan, _Interval):
            return _describe_interval(plan)
        if isinstance(plan, _DaysAt):
            return f"{_describe_days_at(plan)} ({self.timezone})"
        return f"{_describe_cron(plan)} ({self.timezone})"


def parse_schedule(text: str, timezone: str | None = None) -> Schedule:
    """Read a schedule as a moderator typed it; raises ScheduleError with words they can act on."""
    shown = " ".join(text.split())
    plan = _read_plan(shown.lower(), _quotable(shown))
    return Schedule(spec=_spec_of(plan), timezone=_zone_name(timezone))


def due_once(
    next_run_at: datetime, now: datetime, schedule: Schedule, *, anchor: datetime
) -> tuple[bool, datetime]:
    """Whether a digest is due now, and the next_run_at to store afterwards.

    However many slots were missed (the bot was down), the digest is due once, and the new
    next_run_at is the first slot strictly after `now`, never a slot in the past.
    """
    _require_aware(next_run_at, "next_run_at")
    _require_aware(now, "now")
    if next_run_at <= now:
        return True, schedule.next_after(now, anchor=anchor)
    return False, next_run_at


# Reading the text


def _read_spec(spec: str) -> _Plan:
    return _read_plan(spec.lower(), _quotable(spec))


def _read_plan(text: str, shown: str) -> _Plan:
    """Read lower-cased, whitespace-collapsed `text`; `shown` is how errors quote it."""
    if not text:
        raise ScheduleError(f"the schedule is empty: {_EXAMPLES}")
    tokens = text.split(" ")
    if _looks_like_cron(tokens):
        return _read_cron(tokens, shown)
    if text == "hourly":
        return _Interval(3600)
    if text in _TWICE_DAILY_WORDS:
        return _DaysAt(_ALL_DAYS, _TWICE_DAILY_TIMES)
    if tokens[0] == "every" and len(tokens) > 1:
        seconds = _interval_seconds(" ".join(tokens[1:]))
        if seconds is not None:
            return _checked_interval(seconds, shown)
    return _read_days_at(tokens, shown)


def _interval_seconds(body: str) -> int | None:
    """Seconds in "2h", "1h 30m", "90 minutes" or a bare unit ("hour"); None if it is not one."""
    if body in _UNIT_SECONDS and body not in _EVERY_DAY_WORDS:
        return _UNIT_SECONDS[body]
    if not _INTERVAL_PARTS_RE.fullmatch(body):
        return None
    total = 0
    for amount, unit in _INTERVAL_PART_RE.findall(body):
        if unit not in _UNIT_SECONDS:
            return None
        total += int(amount) * _UNIT_SECONDS[unit]
    return total


def _checked_interval(seconds: int, shown: str) -> _Interval:
    if seconds < MIN_INTERVAL.total_seconds():
        raise ScheduleError(f"“{shown}” is not a schedule: the interval must be at least 5 minutes")
    if seconds > MAX_INTERVAL.total_seconds():
        raise ScheduleError(f"“{shown}” is not a schedule: the interval must be at most 7 days")
    return _Interval(seconds)


def _read_days_at(tokens: Sequence[str], shown: str) -> _DaysAt:
    """`<days> [at] <time>[, <time>...]`, e.g. "every monday at 9am", "mon,thu 18:00"."""
    first_time = next(
        (i for i, token in enumerate(tokens) if token[0].isdigit() or token in ("noon", "midnight")),
        len(tokens),
    )
    day_words = list(tokens[:first_time])
    if day_words[:1] in (["every"], ["on"]):
        day_words = day_words[1:]
    if day_words[-1:] == ["at"]:
        day_words = day_words[:-1]
    days = _read_days(" ".join(day_words), shown)
    time_text = " ".join(tokens[first_time:])
    if not time_text:
        raise ScheduleError(
            f"“{shown}” needs a time of day: try `{_days_spec(days)} 08:00` (24-hour HH:MM, or 8am / 8:30pm)"
        )
    times = sorted({_read_time(piece) for piece in _TIME_SEPARATOR_RE.split(time_text) if piece})
    if _smallest_daily_gap_minutes(times) < MIN_INTERVAL.total_seconds() // 60:
        raise ScheduleError(f"“{shown}” is not a schedule: its times must be at least 5 minutes apart")
    return _DaysAt(days, tuple(times))


def _read_days(text: str, shown: str) -> tuple[int, ...]:
    if text in _EVERY_DAY_WORDS:
        return _ALL_DAYS
    if text in _WEEKDAY_WORDS:
        return _WEEKDAYS
    if text in _WEEKEND_WORDS:
        return _WEEKEND
    items = [item for item in _DAY_SEPARATOR_RE.split(text) if item]
    if not items or not any(_day_number(item.split("-")[0]) is not None for item in items):
        raise ScheduleError(f"could not read “{shown}”: {_EXAMPLES}")
    days: set[int] = set()
    for item in items:
        days.update(_day_range(item))
    return tuple(sorted(days))


def _day_range(item: str) -> Iterable[int]:
    """A day ("mon") or a range of days ("fri-mon" wraps past Sunday) as weekday numbers."""
    ends = item.split("-")
    numbers = [number for number in map(_day_number, ends) if number is not None]
    if len(ends) > 2 or len(numbers) < len(ends):
        unknown = next((end for end in ends if _day_number(end) is None), item)
        raise ScheduleError(f"“{unknown}” is not a day: use mon, tue, wed, thu, fri, sat or sun")
    first, last = numbers[0], numbers[-1]
    return [(first + step) % 7 for step in range((last - first) % 7 + 1)]


def _day_number(word: str) -> int | None:
    if word in _DAY_WORDS:
        return _DAY_WORDS[word]
    # "mondays", "tuesdays": a plural day name means the same day.
    return _DAY_WORDS.get(word[:-1]) if word.endswith("s") else None


def _read_time(text: str) -> time:
    if text == "noon":
        return time(12, 0)
    if text == "midnight":
        return time(0, 0)
    match = _TIME_RE.fullmatch(text) or _COMPACT_TIME_RE.fullmatch(text)
    if match is None:
        raise ScheduleError(f"“{_quotable(text)}” is not a time of day: {_TIME_HINT}")
    hour, minute = int(match["hour"]), int(match["minute"] or 0)
    groups = match.groupdict()
    if groups.get("am") or groups.get("pm"):
        if not 1 <= hour <= 12:
            raise ScheduleError(f"“{_quotable(text)}” is not a time of day: with am/pm the hour runs 1–12")
        hour = hour % 12 + (12 if groups.get("pm") else 0)
    if hour > 23 or minute > 59:
        raise ScheduleError(f"“{_quotable(text)}” is not a time of day: {_TIME_HINT}")
    return time(hour, minute)


def _smallest_daily_gap_minutes(times: Sequence[time]) -> int:
    """The shortest wait between two of `times`, counting the wrap past midnight."""
    if len(times) < 2:
        return 24 * 60
    minutes = [t.hour * 60 + t.minute for t in times]
    gaps = [later - earlier for earlier, later in pairwise(minutes)]
    return min([*gaps, 24 * 60 - minutes[-1] + minutes[0]])


def _looks_like_cron(tokens: Sequence[str]) -> bool:
    # A cron expression starts with two numeric fields (minute, hour); nothing else we read does.
    return (
        len(tokens) >= 2
        and all(_CRON_FIELD_RE.fullmatch(token) for token in tokens)
        and all(_CRON_NUMERIC_FIELD_RE.fullmatch(token) for token in tokens[:2])
    )


def _read_cron(tokens: Sequence[str], shown: str) -> _Cron:
    if len(tokens) != 5:
        raise ScheduleError(
            f"“{shown}” is not a cron expression: it needs 5 fields (minute hour day-of-month month "
            f"day-of-week), this one has {len(tokens)}"
        )
    cron = _Cron(*tokens)
    for (name, label, allowed), value in zip(_CRON_FIELDS, cron.fields, strict=True):
        try:
            if name == "day_of_week":
                _cron_weekdays(value)
            else:
                CronTrigger(**{name: value}, timezone=UTC)
        except ValueError:
            raise ScheduleError(
                f"“{shown}” is not a cron expression: could not read the {label} field “{value}” "
                f"(values {allowed})"
            ) from None
    trigger = CronTrigger(minute=cron.minute, hour=cron.hour, timezone=UTC)
    if _smallest_cron_gap_minutes(trigger) < MIN_INTERVAL.total_seconds() // 60:
        raise ScheduleError(f"“{shown}” is not a schedule: it fires more often than every 5 minutes")
    if _cron_trigger(cron, _UTC_ZONE).get_next_fire_time(None, _CRON_PROBE_START) is None:
        raise ScheduleError(f"“{shown}” never fires: no month has that day")
    return cron


def _cron_weekdays(field: str) -> tuple[int, ...]:
    """A standard cron day-of-week field ("1-5", "sat,sun", "*/2", "5-7") as Python weekdays."""
    days: set[int] = set()
    for item in field.split(","):
        body, slash, step_text = item.partition("/")
        if slash and not step_text.isdigit():
            raise ValueError(f"bad step in {item!r}")
        step = int(step_text) if slash else 1
        if step < 1:
            raise ValueError(f"bad step in {item!r}")
        if body == "*":
            first, last = 0, 6
        elif "-" in body:
            first_text, _, last_text = body.partition("-")
            first, last = _cron_day_number(first_text), _cron_day_number(last_text)
        else:
            first = _cron_day_number(body)
            last = 7 if slash else first  # "1/2" means from Monday to the end of the week
        if last < first:
            raise ValueError(f"backwards range {item!r}")
        days.update((number - 1) % 7 for number in range(first, last + 1, step))
    return tuple(sorted(days))


def _cron_day_number(text: str) -> int:
    if text in _CRON_DAY_NUMBERS:
        return _CRON_DAY_NUMBERS[text]
    if text.isdigit() and int(text) <= 7:
        return int(text)
    raise ValueError(f"not a cron weekday: {text!r}")


def _cron_field_values(trigger: CronTrigger, name: str, count: int) -> list[int]:
    """Which values (0..count-1) a minute or hour field of an APScheduler cron trigger allows."""
    field = next(field for field in trigger.fields if field.name == name)
    probes = (
        datetime(2001, 1, 1, hour=value if name == "hour" else 0, minute=value if name == "minute" else 0)
        for value in range(count)
    )
    return [value for value, probe in enumerate(probes) if field.get_next_value(probe) == value]


def _smallest_cron_gap_minutes(trigger: CronTrigger) -> int:
    minutes = _cron_field_values(trigger, "minute", 60)
    hours = _cron_field_values(trigger, "hour", 24)
    gaps = [later - earlier for earlier, later in pairwise(minutes)]
    # Back-to-back hours (23 then 0 counts, to be safe) join the last minute of one hour to
    # the first minute of the next.
    if any((hour + 1) % 24 in hours for hour in hours):
        gaps.append(60 - minutes[-1] + minutes[0])
    return min(gaps, default=60)


# Normalised text and descriptions


def _spec_of(plan: _Plan) -> str:
    if isinstance(plan, _Interval):
        return f"every {_interval_amount(plan.seconds)}"
    if isinstance(plan, _DaysAt):
        return f"{_days_spec(plan.days)} {','.join(t.strftime('%H:%M') for t in plan.times)}"
    return " ".join(plan.fields)


def _interval_amount(seconds: int) -> str:
    for unit, size in (("d", 86400), ("h", 3600)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds // 60}m"


def _days_spec(days: tuple[int, ...]) -> str:
    if days == _ALL_DAYS:
        return "daily"
    if days == _WEEKDAYS:
        return "weekdays"
    if days == _WEEKEND:
        return "weekends"
    return ",".join(_DAY_ABBREVIATIONS[day] for day in days)


def _describe_interval(plan: _Interval) -> str:
    if plan.seconds % 86400 == 0 and plan.seconds > 86400:
        return f"every {plan.seconds // 86400} days"
    if plan.seconds % 3600 == 0:
        hours = plan.seconds // 3600
        return "every hour" if hours == 1 else f"every {hours} hours"
    return f"every {plan.seconds // 60} minutes"


def _describe_days_at(plan: _DaysAt) -> str:
    times = _join_words([t.strftime("%H:%M") for t in plan.times])
    if plan.days == _ALL_DAYS:
        return f"every day at {times}"
    if plan.days == _WEEKDAYS:
        return f"every weekday at {times}"
    return f"every {_join_words([_DAY_FULL_NAMES[day] for day in plan.days])} at {times}"


def _describe_cron(cron: _Cron) -> str:
    when = _cron_time_words(cron.minute, cron.hour)
    if when is None or cron.day != "*" or cron.month != "*":
        return f"on the cron schedule `{' '.join(cron.fields)}`"
    days = _cron_weekdays(cron.day_of_week)
    if days != _ALL_DAYS:
        return f"{when} on {_day_runs(days)}"
    return when if when.startswith("every") else f"{when} every day"


def _cron_time_words(minute: str, hour: str) -> str | None:
    """The common minute/hour shapes in words; None for the rest, which are shown as cron."""
    minute_step = _CRON_EVEN_STEP_RE.fullmatch(minute)
    if minute_step and hour == "*" and 60 % int(minute_step[1]) == 0:
        return f"every {int(minute_step[1])} minutes"
    if not _CRON_PLAIN_LIST_RE.fullmatch(minute):
        return None
    minutes = sorted({int(m) for m in minute.split(",")})
    past_the_hour = _join_words([f":{m:02d}" for m in minutes])
    if hour == "*":
        return f"every hour at {past_the_hour}"
    hour_step = _CRON_EVEN_STEP_RE.fullmatch(hour)
    if hour_step and 24 % int(hour_step[1]) == 0:
        return f"every {int(hour_step[1])} hours at {past_the_hour}"
    if not _CRON_PLAIN_LIST_RE.fullmatch(hour):
        return None
    hours = sorted({int(h) for h in hour.split(",")})
    if len(hours) * len(minutes) > _CRON_DESCRIBED_TIMES_MAX:
        return None
    return f"at {_join_words([f'{h:02d}:{m:02d}' for h in hours for m in minutes])}"


def _day_runs(days: Sequence[int]) -> str:
    """(0, 1, 2, 3, 4) -> "Mon–Fri"; (0, 2, 4) -> "Mon, Wed, Fri"; runs of three or more use a dash."""
    runs: list[list[int]] = []
    for day in days:
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    parts: list[str] = []
    for run in runs:
        if len(run) >= 3:
            parts.append(f"{_DAY_SHORT_NAMES[run[0]]}–{_DAY_SHORT_NAMES[run[-1]]}")
        else:
            parts.extend(_DAY_SHORT_NAMES[day] for day in run)
    return ", ".join(parts)


def _join_words(words: Sequence[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} and {words[-1]}"


def _quotable(text: str) -> str:
    return text if len(text) <= _QUOTED_TEXT_MAX else f"{text[: _QUOTED_TEXT_MAX - 1]}…"


# Timezones


def _zone_name(name: str | None) -> str:
    """The IANA name to store for what the moderator typed (case-insensitive); UTC when absent."""
    wanted = (name or "").strip()
    if not wanted or wanted.upper() == DEFAULT_TIMEZONE:
        return DEFAULT_TIMEZONE
    if _loads_as_zone(wanted):
        return wanted
    known = {zone.casefold(): zone for zone in available_timezones()}
    if wanted.casefold() in known:
        return known[wanted.casefold()]
    guesses = difflib.get_close_matches(wanted.casefold(), list(known), n=1, cutoff=0.8)
    shown = _quotable(wanted)
    if guesses:
        raise ScheduleError(
            f"unknown timezone “{shown}”: did you mean {known[guesses[0]]}? "
            "Use an IANA name such as Europe/Paris"
        )
    raise ScheduleError(f"unknown timezone “{shown}”: use an IANA name such as Europe/Paris")


def _loads_as_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a folder such as "Europe"
        return False
    return True


# Triggers


def _trigger_for(plan: _Plan, zone: ZoneInfo, anchor: datetime) -> BaseTrigger:
    if isinstance(plan, _Interval):
        start = anchor.astimezone(UTC).replace(second=0, microsecond=0)
        return IntervalTrigger(seconds=plan.seconds, start_date=start, timezone=zone)
    if isinstance(plan, _DaysAt):
        return _WallClockTrigger(_days_at_trigger(plan, zone), zone, skip_repeated_hour=True)
    # Like cron itself: only jobs with a fixed hour skip the repeated hour when clocks go back;
    # "every hour"-style expressions keep firing by elapsed time through it.
    return _WallClockTrigger(
        _cron_trigger(plan, zone), zone, skip_repeated_hour=not plan.hour.startswith("*")
    )


def _days_at_trigger(plan: _DaysAt, zone: ZoneInfo) -> BaseTrigger:
    day_names = ",".join(_DAY_ABBREVIATIONS[day] for day in plan.days)
    hours_by_minute: dict[int, list[int]] = {}
    for at in plan.times:
        hours_by_minute.setdefault(at.minute, []).append(at.hour)
    triggers = [
        CronTrigger(day_of_week=day_names, hour=",".join(map(str, hours)), minute=minute, timezone=zone)
        for minute, hours in sorted(hours_by_minute.items())
    ]
    return triggers[0] if len(triggers) == 1 else OrTrigger(triggers)


def _cron_trigger(cron: _Cron, zone: ZoneInfo) -> BaseTrigger:
    weekdays = ",".join(_DAY_ABBREVIATIONS[day] for day in _cron_weekdays(cron.day_of_week))

    def cron_on(day: str, day_of_week: str) -> CronTrigger:
        return CronTrigger(
            month=cron.month,
            day=day,
            day_of_week=day_of_week,
            hour=cron.hour,
            minute=cron.minute,
            timezone=zone,
        )

    # Standard cron fires when either day field matches if both are restricted; APScheduler
    # requires both, so that case becomes two triggers.
    if not cron.day.startswith("*") and not cron.day_of_week.startswith("*"):
        return OrTrigger([cron_on(cron.day, "*"), cron_on("*", weekdays)])
    return cron_on(cron.day, weekdays)


class _WallClockTrigger(BaseTrigger):  # type: ignore[misc]
    """Wraps the cron triggers of a schedule to make them safe around DST changes.

    APScheduler's cron trigger, given a previous fire time in another zone, compares the two
    with `==`, which is never true inside a repeated hour (PEP 495), and hands back the same
    time again; asking from an explicit start avoids that. Fixed-time schedules also skip the
    repeated hour's second pass, so a daily digest is not posted twice that night.
    """

    __slots__ = ("inner", "skip_repeated_hour", "zone")

    def __init__(self, inner: BaseTrigger, zone: ZoneInfo, *, skip_repeated_hour: bool) -> None:
        self.inner = inner
        self.zone = zone
        self.skip_repeated_hour = skip_repeated_hour

    def get_next_fire_time(self, previous_fire_time: datetime | None, now: datetime) -> datetime | None:
        # As APScheduler means it: with a previous fire time, the first fire after that one,
        # even when it is before `now` (so the scheduler can count missed runs).
        start = now if previous_fire_time is None else previous_fire_time.astimezone(UTC) + _TICK
        fire: datetime | None = self.inner.get_next_fire_time(None, start)
        while fire is not None and self.skip_repeated_hour and self._repeats_a_slot(fire):
            fire = self.inner.get_next_fire_time(None, fire.astimezone(UTC) + _TICK)
        return fire

    def _repeats_a_slot(self, fire: datetime) -> bool:
        local = fire.astimezone(UTC).astimezone(self.zone)
        if local.fold == 0:
            return False
        first_pass = local.replace(fold=0)
        if first_pass.utcoffset() == local.utcoffset():
            return False  # fold is only meaningful inside a repeated hour
        first_fire = _fire_time_utc(self.inner.get_next_fire_time(None, first_pass))
        return first_fire == first_pass.astimezone(UTC)

    def __str__(self) -> str:
        return str(self.inner)

    def __repr__(self) -> str:
        return f"<_WallClockTrigger ({self.inner!r}, skip_repeated_hour={self.skip_repeated_hour})>"


def _first_fire_after(trigger: BaseTrigger, moment: datetime) -> datetime | None:
    """The trigger's first fire time strictly after `moment` (UTC), in UTC.

    Asks with previous_fire_time=None, which reads the same for every kind of trigger.
    """
    fire = _fire_time_utc(trigger.get_next_fire_time(None, moment + _TICK))
    if fire is not None and fire <= moment:
        # Interval triggers work in float seconds; fire times are whole seconds at least five
        # minutes apart, so one second later cannot skip a real one.
        fire = _fire_time_utc(trigger.get_next_fire_time(None, moment + timedelta(seconds=1)))
    return fire


def _fire_time_utc(fire: datetime | None) -> datetime | None:
    return None if fire is None else fire.astimezone(UTC)


def _require_aware(moment: datetime, name: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {moment!r}")
