"""Fonts for the static pictures: names in Japanese, Chinese, Korean and Cyrillic drawn on any machine.

matplotlib ships DejaVu Sans (Latin, Greek, Cyrillic) and nothing for CJK, so on a fresh machine the
operators' Japanese names came out as empty boxes. regulink depends on the PyPI package
``noto-cjk-sans-jp-regular``: Noto Sans CJK JP Regular (SIL Open Font License 1.1, © Adobe), one
OpenType file with every kana, the Han characters of Japanese, Chinese and Korean use, Hangul,
Cyrillic and Greek. :func:`families` registers it with matplotlib the first time a picture is drawn
and returns the family list (DejaVu Sans first, the CJK font as fallback glyph by glyph), so no
system font is needed. Without the package, an installed system CJK font is the fallback, as before.

Two formats need more than the family list:

* **PDF.** matplotlib embeds fonts as TrueType (Type 42), which is not valid for Noto CJK's CFF
  outlines; :func:`pdf_fonttype` picks Type 3 (glyphs drawn as outlines, text still extractable)
  when a picture's text needs the CJK font, Type 42 otherwise.
* **SVG.** Text is drawn by the viewer's fonts; text for which :func:`needs_fallback` is true is
  drawn as outlines instead (graph/export/picture.py), so a viewer without a CJK font shows it.

Arabic glyphs exist in DejaVu Sans, but matplotlib does not shape or reorder right-to-left text:
Arabic names are drawn as separate letters, left to right (readable in the HTML export instead).
"""

from __future__ import annotations

import functools
import logging
import unicodedata
from collections.abc import Iterable
from pathlib import Path

from matplotlib import font_manager

LATIN_FAMILY = "DejaVu Sans"  # matplotlib's own font: always there
CJK_FAMILY = "Noto Sans CJK JP"  # the bundled fallback (noto-cjk-sans-jp-regular)
# Installed fonts tried when the bundled one is absent (an install without the dependency).
SYSTEM_CJK = ("Noto Sans CJK JP", "Noto Sans JP", "IPAexGothic", "IPAGothic", "TakaoGothic", "Hiragino Sans",
              "Yu Gothic", "Meiryo", "Source Han Sans JP", "Droid Sans Fallback", "WenQuanYi Zen Hei")


def bundled_font() -> Path | None:
    """The Noto Sans CJK JP file of the ``noto-cjk-sans-jp-regular`` package, or None if not installed."""
    try:
        from noto_cjk_sans_jp_regular import FONT_PATH
    except ImportError:
        return None
    path = Path(str(FONT_PATH))
    return path if path.is_file() else None


@functools.cache
def families() -> tuple[str, ...]:
    """The font families of every picture, in fallback order; registers the bundled CJK font once."""
    path = bundled_font()
    if path is not None:
        font_manager.fontManager.addfont(str(path))
        # One weight is shipped: bold CJK falls back to regular, as intended; matplotlib would log that
        # at WARNING for every export.
        logging.getLogger("matplotlib.font_manager").addFilter(_NoBoldFallbackWarning())
        return LATIN_FAMILY, CJK_FAMILY
    installed = {f.name for f in font_manager.fontManager.ttflist}
    return LATIN_FAMILY, *[name for name in SYSTEM_CJK if name in installed][:1]


class _NoBoldFallbackWarning(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.getMessage().startswith("findfont: Failed to find font weight")
                    and CJK_FAMILY in record.getMessage())


@functools.cache
def chain() -> tuple[Path, ...]:
    """The font files matplotlib uses for :func:`families`, in the same order."""
    return tuple(Path(font_manager.findfont(font_manager.FontProperties(family=name), fallback_to_default=False))
                 for name in families())


@functools.cache
def _cmap(path: Path) -> frozenset[int]:
    from fontTools.ttLib import TTFont

    with TTFont(str(path), lazy=True, fontNumber=0) as font:
        return frozenset(font.getBestCmap())


def font_for(char: str) -> Path | None:
    """The file whose glyph draws `char` (the first in the chain that has it), or None: a box."""
    return next((path for path in chain() if ord(char) in _cmap(path)), None)


def _drawn(char: str) -> bool:
    """A character that needs a glyph: not a space, a control or a format character."""
    return not char.isspace() and unicodedata.category(char) not in ("Cc", "Cf", "Cs")


def missing(text: str) -> set[str]:
    """Characters of `text` that need a glyph and that no font of the chain has (drawn as boxes)."""
    return {c for c in set(text) if _drawn(c) and font_for(c) is None}


def needs_fallback(text: str) -> bool:
    """True when some character of `text` is drawn by a font after the first (DejaVu Sans)."""
    first = _cmap(chain()[0])
    return any(ord(c) not in first and _drawn(c) and font_for(c) is not None for c in text)


def _fallback_chars(texts: Iterable[str]) -> str:
    """The characters of `texts` the first font lacks and a later one draws, sorted (a stable key)."""
    first = chain()[0]
    return "".join(sorted({c for text in texts for c in text
                           if ord(c) not in _cmap(first) and _drawn(c) and font_for(c) is not None}))


def pdf_fonttype(texts: Iterable[str]) -> int:
    """42 (TrueType, crisp and editable) unless some text needs a CFF-outline fallback font: then 3."""
    chars = _fallback_chars(texts)
    if not chars:
        return 42
    return 3 if any(_is_cff(font_for(c)) for c in chars) else 42


@functools.cache
def _is_cff(path: Path) -> bool:
    with open(path, "rb") as handle:
        return handle.read(4) == b"OTTO"
