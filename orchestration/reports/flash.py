"""The weekly flash (XLSX and a one-page HTML with charts) and the pacing chart (PNG).

  weekly-flash-<T>.xlsx   the last 13 ISO weeks of marts.weekly_flash, and this week against last
  weekly-flash-<T>.html   one page for management: the same week-over-week table and three charts
                          (money over 13 weeks, pacing counts, AR over 60 and underspend owed),
                          embedded as PNG data, so the page opens anywhere with no network
  pacing-<T>.png          media contracts of T's month by pacing ratio (marts.budget_pacing), under
                          and over in colour, the two thresholds drawn (marts.warehouse_settings)

Charts are drawn with matplotlib (Agg backend: no screen), with mathtext off so that a `$` in a
client name is drawn as a dollar sign, not read as markup. Money stays Decimal from DuckDB to the
table cells and the week-over-week change; a chart plots floats, which only affects the drawing.
Each file is written beside its final name and renamed into place; the warehouse is opened
read-only.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import xlsxwriter

from orchestration.reports.atomic import write_atomically
from orchestration.reports.layout import MONEY_FORMAT
from orchestration.reports.marts_reader import MartsSource, open_marts, rows

WEEKS = 13
Row = dict[str, Any]
# (mart column, label, is money)
METRICS: tuple[tuple[str, str, bool], ...] = (
    ("billings_usd", "Billings USD", True),
    ("collections_usd", "Collections USD", True),
    ("recognized_revenue_usd", "Recognized revenue USD", True),
    ("spend_usd", "Spend USD", True),
    ("contracts_under_pacing", "Contracts under pacing", False),
    ("contracts_over_pacing", "Contracts over pacing", False),
    ("ar_over_60_usd", "AR over 60 days USD", True),
    ("underspend_liability_usd", "Underspend owed USD", True),
)
_REQUIRED = ("weekly_flash", "budget_pacing", "warehouse_settings")


def flash_xlsx_name(as_of: date) -> str:
    return f"weekly-flash-{as_of.isoformat()}.xlsx"


def flash_html_name(as_of: date) -> str:
    return f"weekly-flash-{as_of.isoformat()}.html"


def pacing_png_name(as_of: date) -> str:
    return f"pacing-{as_of.isoformat()}.png"


@dataclass(frozen=True)
class Change:
    """One metric, this week against the week before."""

    label: str
    money: bool
    this_week: Decimal | int | None
    last_week: Decimal | int | None

    @property
    def change(self) -> Decimal | int | None:
        if self.this_week is None or self.last_week is None:
            return None
        return self.this_week - self.last_week

    @property
    def change_pct(self) -> Decimal | None:
        """Change over last week in percent, one decimal, half away from zero; none from zero."""
        if self.change is None or not self.last_week:
            return None
        return (Decimal(self.change) * 100 / Decimal(self.last_week)).quantize(Decimal("0.1"), ROUND_HALF_UP)


@dataclass(frozen=True)
class FlashData:
    as_of: date
    weeks: list[Row]  # oldest first, at most WEEKS
    pacing: list[Row]
    under: Decimal
    over: Decimal

    def changes(self) -> list[Change]:
        this = self.weeks[-1] if self.weeks else {}
        last = self.weeks[-2] if len(self.weeks) > 1 else {}
        return [Change(label, money, this.get(key), last.get(key)) for key, label, money in METRICS]



def read_flash(warehouse: MartsSource) -> FlashData:
    with open_marts(warehouse, _REQUIRED) as con:
        as_of, under, over = con.execute(
            "select as_of_date, pacing_under_threshold, pacing_over_threshold from marts.warehouse_settings"
        ).fetchone()
        weeks = rows(con, f"""
            select * from (select * from marts.weekly_flash order by week_start desc limit {WEEKS}) as recent
            order by week_start""")
        pacing = rows(con, """
            select contract_id, client_name, pacing_ratio, pacing_status, expected_to_date, spend_to_date, currency
            from marts.budget_pacing order by pacing_ratio, contract_id""")
    return FlashData(as_of, weeks, pacing, under, over)


def write_flash_reports(warehouse: MartsSource, out_dir: Path) -> list[Path]:
    """The flash workbook, the flash page and the pacing chart; returns the files written."""
    data = read_flash(warehouse)
    pacing_png = _pacing_png(data)
    written = []
    for name, writer in (
        (flash_xlsx_name(data.as_of), lambda p: _write_xlsx(p, data)),
        (flash_html_name(data.as_of), lambda p: p.write_text(_html(data, pacing_png), encoding="utf-8")),
        (pacing_png_name(data.as_of), lambda p: p.write_bytes(pacing_png)),
    ):
        written.append(write_atomically(out_dir / name, writer))
    return written


# -- the workbook ---------------------------------------------------------------------------------
def _write_xlsx(path: Path, data: FlashData) -> None:
    book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False})
    try:
        title = book.add_format({"bold": True, "font_size": 13})
        note = book.add_format({"italic": True, "font_color": "#555555"})
        header = book.add_format({"bold": True, "bottom": 1, "text_wrap": True})
        money = book.add_format({"num_format": MONEY_FORMAT})
        count = book.add_format({"num_format": "#,##0"})
        pct = book.add_format({"num_format": "0.0"})
        day = book.add_format({"num_format": "yyyy-mm-dd", "align": "left"})
        ws = book.add_worksheet("Weekly flash")
        ws.write_string(0, 0, f"Weekly flash as of {data.as_of}: the last {len(data.weeks)} ISO weeks, in USD", title)
        ws.write_string(1, 0, "Each week as of its end (Sunday, or T for the week of T). Source: marts.weekly_flash.",
                        note)
        ws.write_string(3, 0, "This week against last week", header)
        for col, name in enumerate(("Metric", "This week", "Last week", "Change", "Change %")):
            ws.write_string(4, col, name, header)
        row = 5
        for c in data.changes():
            fmt = money if c.money else count
            ws.write_string(row, 0, c.label)
            for col, value in ((1, c.this_week), (2, c.last_week), (3, c.change)):
                if value is not None:
                    ws.write_number(row, col, float(value), fmt)
            if c.change_pct is not None:
                ws.write_number(row, 4, float(c.change_pct), pct)
            row += 1
        row += 1
        columns = ["Week start", "Week end", "ISO week", *[label for _k, label, _m in METRICS]]
        for col, name in enumerate(columns):
            ws.write_string(row, col, name, header)
        ws.freeze_panes(row + 1, 1)
        row += 1
        for w in data.weeks:
            ws.write_datetime(row, 0, w["week_start"], day)
            ws.write_datetime(row, 1, w["week_end"], day)
            ws.write_string(row, 2, w["iso_week"])
            for col, (key, _label, is_money) in enumerate(METRICS, start=3):
                if w[key] is not None:
                    ws.write_number(row, col, float(w[key]), money if is_money else count)
            row += 1
        ws.set_column(0, 2, 12)
        ws.set_column(3, 3 + len(METRICS), 15)
    finally:
        book.close()


# -- the charts -----------------------------------------------------------------------------------
def _png(draw: Callable[[Any], None], size: tuple[float, float]) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    # Text drawn from data (client names in tick labels, titles, annotations) is plain text: with
    # mathtext on, `$...$` in a name is set as math and `A $$ B` makes the drawing fail. The
    # setting is read when each Text is made (tick labels too, some only at savefig), so both the
    # drawing and the save are inside the context, which restores the global rcParams after.
    with matplotlib.rc_context({"text.parse_math": False}):
        fig = Figure(figsize=size, dpi=100, layout="constrained")
        draw(fig)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def _weeks_axis(ax: Any, data: FlashData) -> list[int]:
    xs = list(range(len(data.weeks)))
    ax.set_xticks(xs, [w["iso_week"][-3:] for w in data.weeks], fontsize=7)
    ax.grid(axis="y", alpha=0.3)
    return xs


def _money_chart(data: FlashData) -> bytes:
    def draw(fig: Any) -> None:
        ax = fig.subplots()
        xs = _weeks_axis(ax, data)
        for key, label, _m in METRICS[:4]:
            ax.plot(xs, [float(w[key] or 0) for w in data.weeks], marker="o", markersize=3, label=label)
        ax.set_title("Billings, collections, revenue and spend (USD)", fontsize=10)
        ax.legend(fontsize=7)
    return _png(draw, (7.5, 2.8))


def _pacing_counts_chart(data: FlashData) -> bytes:
    def draw(fig: Any) -> None:
        ax = fig.subplots()
        xs = _weeks_axis(ax, data)
        ax.bar([x - 0.2 for x in xs], [w["contracts_under_pacing"] or 0 for w in data.weeks], 0.4,
               color="#d95f02", label="under")
        ax.bar([x + 0.2 for x in xs], [w["contracts_over_pacing"] or 0 for w in data.weeks], 0.4,
               color="#1f78b4", label="over")
        ax.set_title("Contracts pacing under / over (week end)", fontsize=10)
        ax.legend(fontsize=7)
    return _png(draw, (3.7, 2.6))


def _risk_chart(data: FlashData) -> bytes:
    def draw(fig: Any) -> None:
        ax = fig.subplots()
        xs = _weeks_axis(ax, data)
        ax.plot(xs, [float(w["ar_over_60_usd"] or 0) for w in data.weeks], marker="o", markersize=3,
                color="#b2182b", label="AR over 60 days")
        ax.plot(xs, [float(w["underspend_liability_usd"] or 0) for w in data.weeks], marker="o", markersize=3,
                color="#6a3d9a", label="Underspend owed")
        ax.set_title("AR over 60 days and underspend owed (USD)", fontsize=10)
        ax.legend(fontsize=7)
    return _png(draw, (3.7, 2.6))


BAR_CHART_MAX = 40  # up to this many contracts, one bar each; more, a histogram of the ratios
RATIO_CAP = 2.0  # the histogram's last bin holds every ratio from 2.0 up


def _pacing_png(data: FlashData) -> bytes:
    """One bar per contract for a small book; for an agency's whole book (hundreds or thousands
    of contracts) a histogram of the ratios, stacked by status, keeps the chart one screen high."""
    from matplotlib.patches import Patch

    colours = {"under": "#d95f02", "on_track": "#1b9e77", "over": "#1f78b4"}
    rows = data.pacing
    counts = {s: sum(1 for r in rows if r["pacing_status"] == s) for s in colours}

    def ratio(r: Row) -> float:
        return float(r["pacing_ratio"]) if r["pacing_ratio"] is not None else 0.0

    def draw(fig: Any) -> None:
        ax = fig.subplots()
        if len(rows) <= BAR_CHART_MAX:
            labels = [f"{r['contract_id']} {r['client_name'] or ''}".strip() for r in rows]
            ax.barh(range(len(rows)), [ratio(r) for r in rows],
                    color=[colours.get(r["pacing_status"], "#999999") for r in rows])
            ax.set_yticks(range(len(rows)), labels, fontsize=7)
            ax.invert_yaxis()
        else:
            bins = [i * 0.05 for i in range(int(RATIO_CAP / 0.05) + 2)]
            groups = [[min(ratio(r), RATIO_CAP) for r in rows if r["pacing_status"] == s] for s in colours]
            ax.hist(groups, bins=bins, stacked=True, color=list(colours.values()))
            ax.set_ylabel("contracts", fontsize=8)
        for threshold, name in ((data.under, "under"), (data.over, "over")):
            ax.axvline(float(threshold), color="#333333", linestyle="--", linewidth=1)
            ax.annotate(f" {name} {threshold:.2f}", (float(threshold), 0.0), xycoords=("data", "axes fraction"),
                        fontsize=7, ha="left", va="bottom")
        ax.legend(handles=[Patch(color=c, label=f"{s.replace('_', ' ')} ({counts[s]})") for s, c in colours.items()],
                  fontsize=7, loc="upper right")
        ax.set_xlabel("pacing ratio: spend to date / expected to date"
                      + ("" if len(rows) <= BAR_CHART_MAX else f" ({RATIO_CAP:.0f} and above in the last bar)"),
                      fontsize=8)
        ax.set_title(f"Budget pacing, {data.as_of:%B %Y}, as of {data.as_of} ({len(rows)} media contracts)",
                     fontsize=10)
    height = max(2.5, 0.3 * len(rows) + 1.2) if len(rows) <= BAR_CHART_MAX else 4.0
    return _png(draw, (7.5, height))


# -- the page -------------------------------------------------------------------------------------
def _cell(value: Decimal | int | None, money: bool) -> str:
    if value is None:
        return ""
    return f"{value:,.2f}" if money else f"{value:,}"


def _img(png: bytes, alt: str) -> str:
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{base64.b64encode(png).decode()}">'


def _html(data: FlashData, pacing_png: bytes) -> str:
    rows = "".join(
        f"<tr><td>{html.escape(c.label)}</td><td>{_cell(c.this_week, c.money)}</td>"
        f"<td>{_cell(c.last_week, c.money)}</td><td>{_cell(c.change, c.money)}</td>"
        f"<td>{'' if c.change_pct is None else f'{c.change_pct}%'}</td></tr>"
        for c in data.changes()
    )
    week = data.weeks[-1]["iso_week"] if data.weeks else "no week"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Weekly flash {data.as_of}</title>
<style>
body {{ font-family: Helvetica, Arial, sans-serif; margin: 24px; color: #222; max-width: 1000px; }}
h1 {{ font-size: 20px; margin-bottom: 2px; }} p.note {{ color: #555; font-size: 12px; margin-top: 0; }}
table {{ border-collapse: collapse; font-size: 13px; margin-bottom: 12px; }}
th, td {{ padding: 3px 10px; border-bottom: 1px solid #ddd; }} td:not(:first-child) {{ text-align: right; }}
img {{ max-width: 100%; }} .row img {{ width: 49%; }}
@media print {{ body {{ margin: 0; }} }}
</style></head><body>
<h1>Weekly flash as of {data.as_of} ({html.escape(week)})</h1>
<p class="note">In USD. Each week as of its end (Sunday, or T for the week of T). Source: marts.weekly_flash,
marts.budget_pacing. Written by revwh.</p>
<table><thead><tr><th>Metric</th><th>This week</th><th>Last week</th><th>Change</th><th>Change %</th></tr></thead>
<tbody>{rows}</tbody></table>
{_img(_money_chart(data), "Billings, collections, revenue and spend over the last 13 weeks")}
<div class="row">{_img(_pacing_counts_chart(data), "Contracts pacing under and over")}
{_img(_risk_chart(data), "AR over 60 days and underspend owed")}</div>
{_img(pacing_png, "Budget pacing of the month of T by contract")}
</body></html>
"""
