"""Follow a pipeline run through its event messages."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

__all__ = ["FlowState", "RunTracker"]

_FLOW = re.compile(
    r"^Flow '?(?P<name>[^' ]+)'? (?:is|has) (?P<state>[A-Z_]+)\b\.?(?P<rest>.*)$", re.S
)
_RUN = re.compile(r"^Run (?:is|has) (?P<state>[A-Z_]+)")
_DONE = {"COMPLETED", "FAILED", "STOPPED", "SKIPPED", "IDLE", "UP_TO_DATE"}  # UP_TO_DATE: not run


@dataclass
class FlowState:
    """What is known of one flow so far."""

    name: str
    state: str = "QUEUED"
    started: datetime | None = None
    ended: datetime | None = None
    error: str = ""

    @property
    def seconds(self) -> float:
        """Run time of the flow, 0 until it ended."""
        if self.started and self.ended:
            return (self.ended - self.started).total_seconds()
        return 0.0


@dataclass
class RunTracker:
    """Collects flow states from event messages; ``observe`` returns the flow that finished."""

    flows: dict[str, FlowState] = field(default_factory=dict)
    run_state: str = "RUNNING"
    messages: list[str] = field(default_factory=list)

    def observe(self, message: str, at: datetime) -> tuple[FlowState, ...]:
        """Update from one event; return the flows this event ended (one for a flow's last
        event; for "Run is COMPLETED", those still seen running: see below)."""
        self.messages.append(message)
        run = _RUN.match(message)
        if run:
            self.run_state = run.group("state")
            if self.run_state == "COMPLETED":
                return self._completed_with_the_run(at)
            return ()
        match = _FLOW.match(message)
        if not match:
            return ()
        name, state = _logical(match.group("name")), match.group("state")
        if state == "EXCLUDED":  # not part of this (phase of the) run
            return ()
        flow = self.flows.setdefault(name, FlowState(name))
        if flow.state == "COMPLETED" and state not in _DONE:
            # A completed flow does not run again within a run; a late progress event (the
            # engine's polling can deliver one after the end) must not undo its end.
            return ()
        if state == flow.state and flow.ended is not None:
            # Its end again: ended already by "Run is COMPLETED" before its own last event
            # came, or sent twice. Said once (the run's output showed the line twice).
            return ()
        flow.state = state
        if flow.state in {"STARTING", "RUNNING", "PLANNING"} and flow.started is None:
            flow.started = at
        if flow.state in _DONE:
            flow.ended = at
            flow.started = flow.started or at
            flow.error = match.group("rest").strip()
            return (flow,)
        return ()

    def _completed_with_the_run(self, at: datetime) -> tuple[FlowState, ...]:
        """A run completes only once every flow of it has: a flow still seen running missed its
        last event (the engine may send it after it closed the run's event stream,
        ``STREAM_LIFECYCLE_EVENT_SEND_AFTER_SHUTDOWN`` in the server's log). Returned, so that
        its line is printed like any other's."""
        ended = tuple(f for f in self.flows.values() if f.state not in _DONE)
        for flow in ended:
            flow.state, flow.ended = "COMPLETED", at
            flow.started = flow.started or at
        return ended

    @property
    def failed(self) -> dict[str, str]:
        """Failed flows and their error text."""
        return {f.name: f.error or "failed" for f in self.flows.values() if f.state == "FAILED"}


def _logical(name: str) -> str:
    """``spark_catalog.silver.x`` -> ``silver.x`` (the catalog comes from the target)."""
    parts = name.replace("`", "").split(".")
    return ".".join(parts[-2:]) if len(parts) >= 2 else name
