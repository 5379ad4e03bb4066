"""The fairness chart: load against fair share, and weekend and holiday hours, as a PNG."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")  # no display on a server; set before anything imports pyplot

from matplotlib.figure import Figure  # noqa: E402  (after choosing the backend)

from scheduler.domain.fairness import PersonFairness  # noqa: E402

LOAD, SHARE, WEEKEND, HOLIDAY = "#3b6ea8", "#c9c9c9", "#e0a030", "#c0504d"


def fairness_png(rows: list[tuple[str, PersonFairness]], title: str) -> bytes:
    """Draw one bar pair per person (load, fair share) beside their weekend and holiday hours."""
    names = [_label(name) for name, _ in rows]
    height = max(3.0, 0.38 * len(rows) + 1.9)
    figure = Figure(figsize=(10, height), layout="constrained")
    load_axes, hours_axes = figure.subplots(1, 2, sharey=True, width_ratios=(3, 2))
    positions = list(range(len(rows)))
    bar = 0.38
    load_axes.barh(
        [y - bar / 2 for y in positions], [r.load for _, r in rows], bar, label="load", color=LOAD
    )
    load_axes.barh(
        [y + bar / 2 for y in positions],
        [r.fair_share for _, r in rows],
        bar,
        label="fair share",
        color=SHARE,
    )
    load_axes.set_yticks(positions, names)
    load_axes.invert_yaxis()
    load_axes.set_xlabel("points in the fairness window")
    load_axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncols=2, fontsize="small")
    weekend = [r.weekend_hours for _, r in rows]
    hours_axes.barh(positions, weekend, 0.6, label="weekend", color=WEEKEND)
    hours_axes.barh(
        positions, [r.holiday_hours for _, r in rows], 0.6, left=weekend, label="holiday",
        color=HOLIDAY,
    )  # fmt: skip
    hours_axes.set_xlabel("on-call hours this horizon")
    hours_axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncols=2, fontsize="small")
    figure.suptitle(_label(title))
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    return buffer.getvalue()


def _label(text: str) -> str:
    # Matplotlib reads "$...$" as math: a name with dollar signs must stay plain text.
    return text.replace("$", r"\$")
