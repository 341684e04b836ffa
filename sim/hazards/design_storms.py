"""Named design storms: Beijing's two worst recorded rainstorms, as hourly hyetographs.

A design storm is the rain a scenario can name instead of writing its own
``hyetograph_mm``. Both storms below are *composites* built from published
figures, not station records: the hourly timing and the storm total follow the
city-average reports of the Beijing Meteorological Service, and the peak hour is
the highest hourly rain recorded anywhere in the city during the storm. So the
district receives the city-average depth with the worst observed burst inside
it — a severe but documented case for drills. Use ``rain_factor`` or a storm
centre (``storm_center``, ``center_factor``) in the scenario for more.

**21 July 2012 ("7·21")** — Beijing Meteorological Service figures as reported:
rain from 10:00 on 21 July to 06:00 on 22 July (strong rain over by 03:00);
city average 170 mm, urban average 215 mm; maximum 460 mm at Hebei town,
Fangshan; highest hourly rain 100.3 mm at Guajiayu, Pinggu, 20:00–21:00.
By 22:00 the 20 national stations averaged 163.7 mm (Xinhua, 22 July 2012), so
about 95 % of the rain fell before 22:00. The hyetograph here: 20 hourly values
from 10:00, total 170.0 mm, peak hour 100.3 mm at 20:00–21:00, 93 % by 22:00.

**29 July – 2 August 2023 ("23·7", remnants of typhoon Doksuri)** — from 20:00
on 29 July to 07:00 on 2 August (83 h); city average 331 mm, "60 % of the
normal annual rainfall" (deputy mayor Xia Linmao, press conference of
9 August 2023); maximum 744.8 mm at Wangjiayuan reservoir, Changping; highest
hourly rain 111.8 mm at Qianlingshan, Fengtai, 10:00–11:00 on 31 July. The
timing follows the running city averages the Meteorological Service published
during the storm: 62.9 mm by 14:00 on 30 July, 89.6 mm by 17:00, 157.8 mm by
10:00 on 31 July, 207.6 mm by 20:00, 257.9 mm by 06:00 on 1 August, 268.2 mm
by 15:00 and 276.5 mm by 05:00 on 2 August. The hourly rates between those
reports are spread evenly, scaled so that the 82 hours around the peak hour
carry 331 − 111.8 mm; the peak hour is the 39th (31 July 10:00–11:00).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["DesignStorm", "DESIGN_STORMS", "design_storm"]


@dataclass(frozen=True)
class DesignStorm:
    """A named storm: rain per interval from its first interval on.

    ``clock_start`` is the local clock time of the first interval (for
    reports); ``figures`` holds the published figures the storm is built on.
    """

    name: str
    title: str
    interval_min: float
    hyetograph_mm: tuple[float, ...]
    clock_start: str
    figures: dict

    @property
    def total_mm(self) -> float:
        return float(sum(self.hyetograph_mm))

    @property
    def duration_min(self) -> float:
        return self.interval_min * len(self.hyetograph_mm)

    @property
    def peak_mm_per_h(self) -> float:
        return max(self.hyetograph_mm) * 60.0 / self.interval_min


def _beijing_2012() -> DesignStorm:
    # Hours from 10:00 on 21 July: light rain building through the afternoon,
    # the recorded 100.3 mm burst at 20:00-21:00, then a fast decay (strong
    # rain over by 03:00, all rain over by 06:00).
    before = (1.5, 2.0, 2.5, 3.0, 3.0, 3.5, 4.0, 5.0, 6.0, 8.0)       # 10:00-20:00
    peak = (100.3,)                                                   # 20:00-21:00
    after = (19.7, 4.0, 2.5, 2.0, 1.2, 0.8, 0.5, 0.3, 0.2)            # 21:00-06:00
    hourly = np.array(before + peak + after)                          # 170.0 mm in all
    return DesignStorm(
        name="beijing-2012-07-21", title="Beijing rainstorm of 21 July 2012 (7·21)", interval_min=60.0,
        hyetograph_mm=tuple(float(v) for v in hourly), clock_start="2012-07-21T10:00",
        figures={"city_average_mm": 170.0, "urban_average_mm": 215.0, "max_station_mm": 460.0,
                 "max_station": "Hebei town, Fangshan", "max_hourly_mm": 100.3,
                 "max_hourly_station": "Guajiayu, Pinggu (20:00-21:00)", "duration_h": 20})


#: Running city-average totals reported during the 23·7 storm: (hours since
#: 20:00 on 29 July, mm).
_REPORTS_2023 = ((0, 0.0), (18, 62.9), (21, 89.6), (38, 157.8), (48, 207.6), (58, 257.9), (67, 268.2),
                 (81, 276.5), (83, 276.5))


def _beijing_2023() -> DesignStorm:
    hours, totals = np.array(_REPORTS_2023).T
    cumulative = np.interp(np.arange(84), hours, totals)
    hourly = np.diff(cumulative)                                      # 83 hourly values
    peak_hour = 38                                                    # 31 July 10:00-11:00
    rest = np.delete(np.arange(83), peak_hour)
    hourly[rest] *= (331.0 - 111.8) / hourly[rest].sum()
    hourly[peak_hour] = 111.8
    return DesignStorm(
        name="beijing-2023-07-31", title="Beijing rainstorm of 29 July - 2 August 2023 (23·7)", interval_min=60.0,
        hyetograph_mm=tuple(float(v) for v in hourly), clock_start="2023-07-29T20:00",
        figures={"city_average_mm": 331.0, "max_station_mm": 744.8,
                 "max_station": "Wangjiayuan reservoir, Changping", "max_hourly_mm": 111.8,
                 "max_hourly_station": "Qianlingshan, Fengtai (31 July 10:00-11:00)", "duration_h": 83})


DESIGN_STORMS: dict[str, DesignStorm] = {s.name: s for s in (_beijing_2012(), _beijing_2023())}


def design_storm(name: str) -> DesignStorm:
    """The named storm; ``KeyError`` listing the names if unknown."""
    try:
        return DESIGN_STORMS[name]
    except KeyError:
        raise KeyError(f"unknown design storm {name!r}; the design storms are "
                       f"{', '.join(repr(n) for n in DESIGN_STORMS)}") from None
