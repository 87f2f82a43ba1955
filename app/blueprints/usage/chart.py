"""The usage chart's data: drawn in the browser by the vendored uPlot (static/usage.js), also shown as a table."""
from __future__ import annotations

COLOURS = ("#2563eb", "#d97706", "#059669", "#7c3aed", "#db2777")


def chart_data(data: dict) -> dict:
    """Per instance, each day's report count, run summary, trailing median and whether it is flagged; ISO dates.

    `series` is what usage.js draws (medians as text, no float near a count); `rows` is the same, newest first,
    for the table under the chart."""
    flagged = {(g.instance, g.day) for g in data["gaps"]}
    dates = [d.isoformat() for d in data["dates"]]
    series = [{"instance": instance, "colour": COLOURS[n % len(COLOURS)],
               "counts": [p["count"] for p in points], "runs": [p["run"] for p in points],
               "medians": [None if p["median"] is None else str(p["median"]) for p in points],
               "flagged": [(instance, p["day"]) in flagged for p in points]}
              for n, (instance, points) in enumerate(data["series"].items())]
    rows = [{"day": day, "cells": [{"instance": s["instance"], "count": s["counts"][i], "run": s["runs"][i],
                                    "median": s["medians"][i], "flagged": s["flagged"][i]} for s in series]}
            for i, day in reversed(list(enumerate(dates)))]
    return {"json": {"dates": dates, "series": series}, "instances": [s["instance"] for s in series], "rows": rows,
            "legend": [(s["instance"], s["colour"]) for s in series]}
