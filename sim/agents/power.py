"""Mains power at a depot or shelter, with outage windows layered like road causes.

Each power window that covers a site without backup power cuts it: the site
works ``slowdown`` times slower (loading trucks, registering people) while
any cut is on. A window's end lifts its own cut only, so overlapping windows
never restore power early. A ``lifeline_repair`` crew restores the supply
(a generator or a repaired feeder): every cut on at that moment is lifted;
a later window cuts the site again.
"""
from __future__ import annotations

__all__ = ["PowerSupply"]


class PowerSupply:
    """The power state of one site (see the module docstring)."""

    __slots__ = ("_cuts", "_slowdown", "on_change")

    def __init__(self, on_change=None) -> None:
        self._cuts: dict[object, float] = {}     # window key -> slowdown, while on and not repaired
        self._slowdown = 1.0                     # the largest of the cuts' slowdowns (read per tour)
        self.on_change = on_change               # called with no arguments after every cut, end or repair

    def cut(self, window_key, slowdown: float) -> None:
        self._cuts[window_key] = float(slowdown)
        self._slowdown = max(self._cuts.values())
        self._changed()

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change()

    def end(self, window_key) -> bool:
        """The window is over; ``True`` if that restores power."""
        was_off = self.is_off
        self._cuts.pop(window_key, None)
        self._slowdown = max(self._cuts.values(), default=1.0)
        self._changed()
        return was_off and not self.is_off

    def repair(self) -> bool:
        """A crew restores the supply; ``True`` if power was off."""
        was_off = self.is_off
        self._cuts.clear()
        self._slowdown = 1.0
        self._changed()
        return was_off

    @property
    def is_off(self) -> bool:
        return bool(self._cuts)

    @property
    def slowdown(self) -> float:
        return self._slowdown
