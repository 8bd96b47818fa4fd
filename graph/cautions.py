"""Names that do not show what they are: bidirectional controls, invisible characters, look-alike letters.

A record may name an operator "Lumen Crest" with a Cyrillic "е", or hide a
right-to-left override that makes "exe.tnemyap" display as "payment.exe".
Names are evidence and are shown as the record gave them, never silently
"fixed"; but an analyst must be told when what they see is not what the
characters are. `cautions(name)` says why, in words; the views put the
cautions of their visible names beside them (Query API `Node.cautions`,
exports, the command line).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable

# Characters that reorder the display of the text around them (Unicode bidi controls).
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
# Characters that take no room: two names that look identical can differ by them.
INVISIBLE = frozenset("\u200b\u200c\u200d\u2060\u2061\u2062\u2063\u2064\ufeff\u00ad\u180e")
# Scripts whose letters are mistaken for Latin ones (homoglyphs: "а" U+0430 for "a", "ο" U+03BF for "o").
LOOK_ALIKE_SCRIPTS = ("CYRILLIC", "GREEK", "ARMENIAN", "CHEROKEE")
_WORD = re.compile(r"\w+")


def _script(char: str) -> str | None:
    """The script of a letter, from its Unicode name ("LATIN SMALL LETTER A" -> LATIN); None for others."""
    if not char.isalpha():
        return None
    name = unicodedata.name(char, "")
    return name.split(" ", 1)[0] if name else None


def cautions(name: str) -> tuple[str, ...]:
    """Why a name may not show what it is, in words (empty for an ordinary name)."""
    # Every control, invisible and look-alike character is outside ASCII: most names need no look
    # at their letters' scripts (unicodedata, per letter: a quarter of a 2-hop answer's Python).
    return () if name.isascii() else _cautions(name)


@functools.lru_cache(maxsize=1 << 14)
def _cautions(name: str) -> tuple[str, ...]:
    found = []
    chars = set(name)
    if chars & BIDI_CONTROLS:
        found.append("contains bidirectional control characters: the name may display in another order "
                     "than it is written")
    if chars & INVISIBLE:
        found.append("contains invisible characters: it may look identical to a different name")
    for word in _WORD.findall(name):
        scripts = {s for s in map(_script, word) if s}
        if "LATIN" in scripts and scripts & set(LOOK_ALIKE_SCRIPTS):
            other = sorted(scripts & set(LOOK_ALIKE_SCRIPTS))[0].title()
            found.append(f"mixes Latin and {other} letters in one word ({word!r}): possibly a look-alike of a "
                         "Latin name")
            break
    return tuple(found)


def of_names(names: Iterable[str]) -> list[str]:
    """The cautions of several names, each once, as 'name: why'."""
    found: dict[str, None] = {}
    for name in names:
        for why in cautions(name):
            found[f"{name!r}: {why}"] = None
    return list(found)
