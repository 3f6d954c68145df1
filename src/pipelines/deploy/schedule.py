"""When a domain's daily job starts, and when it is late (a deadline becomes a start + alert)."""

from __future__ import annotations

from dataclasses import dataclass

from pipelines.config.deploy import DeploySettings, minutes_of_day

__all__ = ["DailySchedule", "daily_schedule"]

_DAY = 24 * 60


@dataclass(frozen=True)
class DailySchedule:
    """A daily start time and, for a domain with a deadline, the run duration that breaches it.

    Attributes:
        hour: Start hour (local to ``timezone``).
        minute: Start minute.
        timezone: IANA (Java) time zone id.
        alert_after_seconds: A run longer than this misses the deadline (None: no deadline).
        deadline: The deadline as HH:MM, for descriptions.
    """

    hour: int
    minute: int
    timezone: str
    alert_after_seconds: int | None = None
    deadline: str | None = None

    @property
    def quartz_cron(self) -> str:
        """Quartz cron (seconds first, ``?`` for day of week): every day at hour:minute."""
        return f"0 {self.minute} {self.hour} * * ?"

    @property
    def start(self) -> str:
        """HH:MM of the start."""
        return f"{self.hour:02d}:{self.minute:02d}"


def daily_schedule(settings: DeploySettings, domain: str) -> DailySchedule:
    """The schedule of ``domain``: its deadline minus its lead, its start time, or the default.

    A deadline shortly after midnight moves the start to the previous evening (same day cron:
    the job then serves the next day's deadline).
    """
    defaults = settings.jobs
    declared = settings.domains.get(domain)
    timezone = (declared.timezone if declared else None) or defaults.timezone
    if declared is not None and declared.deadline is not None:
        lead = declared.lead_minutes or defaults.lead_minutes
        start = (minutes_of_day(declared.deadline) - lead) % _DAY
        return DailySchedule(
            start // 60, start % 60, timezone, alert_after_seconds=lead * 60,
            deadline=declared.deadline,
        )  # fmt: skip
    clock = (declared.start_time if declared else None) or defaults.start_time
    start = minutes_of_day(clock)
    return DailySchedule(start // 60, start % 60, timezone)
