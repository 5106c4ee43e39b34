"""Times as people in the county read them: the portal stores naive UTC and shows local time
(北京时间, Asia/Shanghai, unless the county configures another zone) with the full date.

Dates a person chooses (a deadline, a 签发日期) are local calendar days; a deadline ends at the
local midnight after it, whatever the server's own clock zone.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_ZONE = "Asia/Shanghai"
_NAMES = {"Asia/Shanghai": "北京时间", "Asia/Urumqi": "乌鲁木齐时间", "Asia/Hong_Kong": "香港时间"}


@cache
def zone(name: str = DEFAULT_ZONE) -> ZoneInfo:
    """The zone called ``name``; a ValueError in Chinese when there is none."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"没有名为 {name} 的时区，请用如 Asia/Shanghai 的时区名。") from exc


def zone_label(name: str = DEFAULT_ZONE) -> str:
    return _NAMES.get(name, name)


def local(at: dt.datetime, name: str = DEFAULT_ZONE) -> dt.datetime:
    """A stored (naive UTC) time in the zone, still naive, for formatting."""
    return at.replace(tzinfo=dt.timezone.utc).astimezone(zone(name)).replace(tzinfo=None)


def when(at: dt.datetime | None, name: str = DEFAULT_ZONE, *, seconds: bool = False, label: bool = False) -> str:
    """``2026-12-03 16:05`` in the zone (``—`` for no time); ``label`` adds the zone's name."""
    if at is None:
        return "—"
    text = local(at, name).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
    return f"{text} {zone_label(name)}" if label else text


def day(at: dt.datetime | None, name: str = DEFAULT_ZONE) -> str:
    """The local calendar day of a stored time, ``2026-12-03``."""
    return "—" if at is None else local(at, name).date().isoformat()


def today(now: dt.datetime, name: str = DEFAULT_ZONE) -> dt.date:
    """The local date at the stored (naive UTC) time ``now``."""
    return local(now, name).date()


def end_of_day(date: dt.date, name: str = DEFAULT_ZONE) -> dt.datetime:
    """The naive UTC instant a local calendar day ends (a deadline's last moment)."""
    midnight = dt.datetime.combine(date + dt.timedelta(days=1), dt.time(), tzinfo=zone(name))
    return midnight.astimezone(dt.timezone.utc).replace(tzinfo=None) - dt.timedelta(microseconds=1)


def stamp(now: dt.datetime, name: str = DEFAULT_ZONE) -> str:
    """A local time for file names, ``20261203-1605``."""
    return local(now, name).strftime("%Y%m%d-%H%M")


def start_of_day(date: dt.date, name: str = DEFAULT_ZONE) -> dt.datetime:
    """The naive UTC instant a local calendar day begins (the first moment a "from" date covers)."""
    midnight = dt.datetime.combine(date, dt.time(), tzinfo=zone(name))
    return midnight.astimezone(dt.timezone.utc).replace(tzinfo=None)
