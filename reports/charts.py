"""Charts for the weekly briefing (issue 7 point 5), as PNG bytes for Word and the HTML page.

matplotlib's object-oriented API with the Agg canvas, never pyplot: no GUI backend is chosen,
nothing global is kept between charts, and a Celery worker renders in any thread.

Chinese must render on a fresh machine with no CJK font installed, so the text font is loaded
by file path: reports/fonts/NotoSansSC-GB2312.otf (Noto Sans CJK SC, OFL 1.1, cut down to
GB 2312 by scripts/subset_chart_font.py). Every text artist is given that file's
FontProperties explicitly; nothing is looked up among the system's fonts. A label with a
character outside the subset makes matplotlib warn "Glyph ... missing from font(s)", which the
tests turn into an error.

Each chart comes as `<name>_figure(...) -> Figure` (what the tests inspect) and
`<name>(...) -> bytes` (the PNG). At WIDTH_INCHES and DPI a chart is 150 mm wide, inside the
156 mm type area of GB/T 9704; the Word file embeds it at Mm(150).
"""

import io
from collections.abc import Sequence
from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties, fontManager
from matplotlib.ticker import MaxNLocator

FONT_PATH = Path(__file__).resolve().parent / "fonts" / "NotoSansSC-GB2312.otf"
DPI = 200
WIDTH_INCHES = 150 / 25.4  # 150 mm
HEIGHT_INCHES = 80 / 25.4
THIS_WEEK_COLOUR = "#c0392b"  # the red of official documents, for "this week"
LAST_WEEK_COLOUR = "#95a5a6"
LEVEL_COLOURS = ("#27ae60", "#f39c12", "#c0392b")  # on time, late, missed

_registered = False


def font(size: float = 9) -> FontProperties:
    """The chart font, by file path, at `size` points."""
    global _registered
    if not _registered:
        # Registering also lets matplotlib's own text (the offset text, say) resolve the family.
        fontManager.addfont(str(FONT_PATH))
        _registered = True
    return FontProperties(fname=str(FONT_PATH), size=size)


def to_png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    FigureCanvasAgg(figure)
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


# --- the charts -----------------------------------------------------------------------------


def comparison_bars_figure(
    labels: Sequence[str],
    this_week: Sequence[float],
    last_week: Sequence[float],
    *,
    title: str,
    ylabel: str,
    series_labels: tuple[str, str] = ("本周", "上周"),
) -> Figure:
    """Grouped bars: this week beside last week for each label."""
    figure, axes = _figure()
    positions = list(range(len(labels)))
    width = 0.38
    this_bars = axes.bar(
        [p - width / 2 for p in positions], this_week, width, color=THIS_WEEK_COLOUR
    )
    last_bars = axes.bar(
        [p + width / 2 for p in positions], last_week, width, color=LAST_WEEK_COLOUR
    )
    _bar_values(axes, this_bars)
    _bar_values(axes, last_bars)
    axes.set_xticks(positions)
    axes.set_xticklabels(labels)
    axes.legend([this_bars, last_bars], series_labels, prop=font(8), frameon=False)
    _dress(axes, title=title, ylabel=ylabel)
    return figure


def meetings_by_building_figure(
    buildings: Sequence[str], this_week: Sequence[int], last_week: Sequence[int]
) -> Figure:
    return comparison_bars_figure(
        buildings, this_week, last_week, title="各楼宇会议场次（本周与上周）", ylabel="场次"
    )


def meetings_by_building(
    buildings: Sequence[str], this_week: Sequence[int], last_week: Sequence[int]
) -> bytes:
    return to_png(meetings_by_building_figure(buildings, this_week, last_week))


def checks_by_level_figure(
    levels: Sequence[str],
    on_time: Sequence[int],
    late: Sequence[int],
    missed: Sequence[int],
) -> Figure:
    """Stacked bars per check level: on time, late, missed."""
    figure, axes = _figure()
    positions = list(range(len(levels)))
    bottom = [0] * len(levels)
    handles = []
    for values, colour in zip((on_time, late, missed), LEVEL_COLOURS, strict=True):
        bars = axes.bar(positions, values, 0.5, bottom=bottom, color=colour)
        handles.append(bars)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    axes.set_xticks(positions)
    axes.set_xticklabels(levels)
    axes.legend(handles, ("按时", "超时", "未检查"), prop=font(8), frameon=False)
    _dress(axes, title="三级检查完成情况", ylabel="次数")
    return figure


def checks_by_level(
    levels: Sequence[str], on_time: Sequence[int], late: Sequence[int], missed: Sequence[int]
) -> bytes:
    return to_png(checks_by_level_figure(levels, on_time, late, missed))


def meetings_per_day_figure(
    days: Sequence[str], this_week: Sequence[int], last_week: Sequence[int]
) -> Figure:
    """Lines: meetings on each weekday, this week and last."""
    figure, axes = _figure()
    positions = list(range(len(days)))
    (this_line,) = axes.plot(positions, this_week, marker="o", color=THIS_WEEK_COLOUR)
    (last_line,) = axes.plot(
        positions, last_week, marker="s", linestyle="--", color=LAST_WEEK_COLOUR
    )
    axes.set_xticks(positions)
    axes.set_xticklabels(days)
    axes.set_ylim(bottom=0)
    axes.legend([this_line, last_line], ("本周", "上周"), prop=font(8), frameon=False)
    _dress(axes, title="每日会议场次", ylabel="场次")
    return figure


def meetings_per_day(
    days: Sequence[str], this_week: Sequence[int], last_week: Sequence[int]
) -> bytes:
    return to_png(meetings_per_day_figure(days, this_week, last_week))


def ratings_by_service_figure(services: Sequence[str], averages: Sequence[float]) -> Figure:
    """Horizontal bars: the average rating (1-5) of each rated service."""
    figure, axes = _figure()
    positions = list(range(len(services)))
    bars = axes.barh(positions, averages, 0.5, color=THIS_WEEK_COLOUR)
    for bar, value in zip(bars, averages, strict=True):
        axes.text(
            bar.get_width() + 0.05,
            bar.get_y() + bar.get_height() / 2,
            f"{value:.2f}",
            va="center",
            fontproperties=font(7),
        )
    axes.set_yticks(positions)
    axes.set_yticklabels(services)
    axes.set_xlim(0, 5.5)
    axes.invert_yaxis()
    _dress(axes, title="各项服务满意度评分（满分5分）", xlabel="平均分", counts=False)
    return figure


def ratings_by_service(services: Sequence[str], averages: Sequence[float]) -> bytes:
    return to_png(ratings_by_service_figure(services, averages))


# --- helpers --------------------------------------------------------------------------------


def _figure():
    figure = Figure(figsize=(WIDTH_INCHES, HEIGHT_INCHES), dpi=DPI, layout="constrained")
    axes = figure.add_subplot()
    axes.spines[["top", "right"]].set_visible(False)
    return figure, axes


def _bar_values(axes, bars) -> None:
    for bar in bars:
        height = bar.get_height()
        if height:
            axes.text(
                bar.get_x() + bar.get_width() / 2,
                height,
                f"{height:g}",
                ha="center",
                va="bottom",
                fontproperties=font(7),
            )


def _dress(axes, *, title: str, ylabel: str = "", xlabel: str = "", counts: bool = True) -> None:
    """Title, axis labels and every tick label in the chart font (by file path); counts get
    whole-number ticks."""
    if counts:
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_title(title, fontproperties=font(10))
    if ylabel:
        axes.set_ylabel(ylabel, fontproperties=font(8))
    if xlabel:
        axes.set_xlabel(xlabel, fontproperties=font(8))
    for label in (*axes.get_xticklabels(), *axes.get_yticklabels()):
        label.set_fontproperties(font(8))
