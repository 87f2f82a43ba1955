"""A server-made SVG line chart of reports per instance per day (no chart library, no CDN)."""
from __future__ import annotations

from decimal import Decimal

WIDTH, HEIGHT, PAD = 900, 260, 40
COLOURS = ("#2563eb", "#d97706", "#059669", "#7c3aed", "#db2777")


def chart_svg(data: dict) -> dict:
    """Points and labels for templates/usage/_chart.html: counts, run summaries, medians, flagged days."""
    dates, series = data["dates"], data["series"]
    top = max([1] + [p["count"] for s in series.values() for p in s] + [p["run"] or 0 for s in series.values() for p in s])
    step = Decimal(WIDTH - 2 * PAD) / max(len(dates) - 1, 1)

    def x(i: int) -> str:
        return str(round(PAD + step * i, 1))

    def y(value) -> str:
        return str(round(Decimal(HEIGHT - PAD) - Decimal(HEIGHT - 2 * PAD) * Decimal(value) / top, 1))

    flagged = {(g.instance, g.day) for g in data["gaps"]}
    lines = []
    for n, (instance, points) in enumerate(series.items()):
        lines.append({
            "instance": instance, "colour": COLOURS[n % len(COLOURS)],
            "points": " ".join(f"{x(i)},{y(p['count'])}" for i, p in enumerate(points)),
            "median": " ".join(f"{x(i)},{y(p['median'])}" for i, p in enumerate(points) if p["median"] is not None),
            "runs": [{"x": x(i), "y": y(p["run"]), "day": p["day"], "run": p["run"]}
                     for i, p in enumerate(points) if p["run"] is not None],
            "dots": [{"x": x(i), "y": y(p["count"]), "day": p["day"], "count": p["count"],
                      "flagged": (instance, p["day"]) in flagged} for i, p in enumerate(points)]})
    ticks = [{"x": x(i), "label": d.strftime("%d %b")} for i, d in enumerate(dates) if i % 7 == 0]
    return {"width": WIDTH, "height": HEIGHT, "pad": PAD, "top": top, "lines": lines, "ticks": ticks,
            "top_y": y(top), "base_y": y(0)}
