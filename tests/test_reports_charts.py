"""The briefing's charts render Chinese from the committed font file, on any machine (issue 7
point 5): a missing glyph is an error here, and every piece of text is drawn with
reports/fonts/NotoSansSC-GB2312.otf, found by path, never among the system's fonts."""

import warnings

import matplotlib.text
import pytest
from matplotlib.font_manager import findfont

from reports import charts

FONT = str(charts.FONT_PATH)

FIGURES = {
    "meetings_by_building": lambda: charts.meetings_by_building_figure(
        ["主楼", "东楼", "西楼", "会议大厦"], [3, 1, 0, 7], [2, 2, 5, 6]
    ),
    "checks_by_level": lambda: charts.checks_by_level_figure(
        ["一级检查", "二级检查", "三级检查"], [3, 2, 1], [1, 0, 0], [0, 1, 2]
    ),
    "meetings_per_day": lambda: charts.meetings_per_day_figure(
        ["周一", "周二", "周三", "周四", "周五", "周六", "周日"],
        [1, 2, 3, 0, 1, 0, 0],
        [0, 1, 1, 2, 4, 0, 0],
    ),
    "ratings_by_service": lambda: charts.ratings_by_service_figure(
        ["茶水果品", "会场布置", "总体服务"], [4.5, 3.25, 4.0]
    ),
}


def test_the_chart_font_is_the_committed_subset():
    assert charts.FONT_PATH.is_file()
    assert charts.FONT_PATH.name == "NotoSansSC-GB2312.otf"
    assert charts.font().get_file() == FONT


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_every_chart_draws_its_chinese_text_with_the_font_file_and_no_missing_glyph(name):
    with warnings.catch_warnings():
        # matplotlib warns (UserWarning) "Glyph ... missing from font(s) ..." and draws a box.
        warnings.simplefilter("error")
        figure = FIGURES[name]()
        png = charts.to_png(figure)  # draws every artist, tick labels included
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    texts = [t for t in figure.findobj(matplotlib.text.Text) if t.get_text() and t.get_visible()]
    assert any(any("\u4e00" <= ch <= "\u9fff" for ch in t.get_text()) for t in texts)
    for text in texts:
        properties = text.get_fontproperties()
        assert properties.get_file() == FONT, text.get_text()
        assert findfont(properties) == FONT, text.get_text()


def test_a_character_outside_the_font_is_caught_by_the_warning_filter():
    """The guard above works: a glyph the subset lacks (a rare hanzi outside GB 2312) fails."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        figure = charts.meetings_by_building_figure(["𠀀楼"], [1], [1])
        with pytest.raises(UserWarning, match="missing from font"):
            charts.to_png(figure)


def test_a_chart_is_150_mm_wide_at_200_dpi():
    png = charts.meetings_per_day(["周一"], [1], [0])
    width = int.from_bytes(png[16:20], "big")
    assert width == round(150 / 25.4 * charts.DPI)
