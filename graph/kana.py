"""Japanese names in Latin letters, for matching them with names written in Latin (graph.names).

Kanji have no reading without a dictionary: Janome (Apache-2.0, its IPADIC dictionary inside)
cuts a name into words and gives each word's reading in katakana; the kana are then written in
Hepburn as the Japanese names in sanctions lists and registries are: long vowels doubled
(ルー ruu, トウ tou), the small tsu doubling the next consonant (ロッポンギ roppongi), ン before
a vowel as n' (ジュンイチロウ jun'ichirou), ファ fa, チェ che, ディ di.

>>> romanize("荒巻 健二")
'aramaki kenji'
>>> romanize("ルーメンクレスト")
'ruumenkuresuto'
>>> romaji("マッチャ"), romaji("しんよう"), romaji("ジュンイチロウ")
('matcha', 'shinyou', "jun'ichirou")
"""

from __future__ import annotations

import functools

from janome.tokenizer import Tokenizer

_BASE = {
    "ア": "a", "イ": "i", "ウ": "u", "エ": "e", "オ": "o", "カ": "ka", "キ": "ki", "ク": "ku",
    "ケ": "ke", "コ": "ko", "ガ": "ga", "ギ": "gi", "グ": "gu", "ゲ": "ge", "ゴ": "go", "サ": "sa",
    "シ": "shi", "ス": "su", "セ": "se", "ソ": "so", "ザ": "za", "ジ": "ji", "ズ": "zu", "ゼ": "ze",
    "ゾ": "zo", "タ": "ta", "チ": "chi", "ツ": "tsu", "テ": "te", "ト": "to", "ダ": "da", "ヂ": "ji",
    "ヅ": "zu", "デ": "de", "ド": "do", "ナ": "na", "ニ": "ni", "ヌ": "nu", "ネ": "ne", "ノ": "no",
    "ハ": "ha", "ヒ": "hi", "フ": "fu", "ヘ": "he", "ホ": "ho", "バ": "ba", "ビ": "bi", "ブ": "bu",
    "ベ": "be", "ボ": "bo", "パ": "pa", "ピ": "pi", "プ": "pu", "ペ": "pe", "ポ": "po", "マ": "ma",
    "ミ": "mi", "ム": "mu", "メ": "me", "モ": "mo", "ヤ": "ya", "ユ": "yu", "ヨ": "yo", "ラ": "ra",
    "リ": "ri", "ル": "ru", "レ": "re", "ロ": "ro", "ワ": "wa", "ヰ": "i", "ヱ": "e", "ヲ": "o",
    "ン": "n", "ヴ": "vu", "ァ": "a", "ィ": "i", "ゥ": "u", "ェ": "e", "ォ": "o", "ヮ": "wa",
    "ヵ": "ka", "ヶ": "ke", "ャ": "ya", "ュ": "yu", "ョ": "yo",
}
_YOON = {"ャ": "a", "ュ": "u", "ョ": "o"}
_SMALL_VOWELS = {"ァ": "a", "ィ": "i", "ェ": "e", "ォ": "o"}
# Foreign sounds written with a small vowel: ファ fa, ヴィ vi, チェ che, シェ she, ジェ je, ディ di.
_WITH_SMALL = {"フ": "f", "ヴ": "v", "チ": "ch", "シ": "sh", "ジ": "j", "デ": "d"}


def _katakana(text: str) -> str:
    return "".join(chr(ord(c) + 0x60) if "ぁ" <= c <= "ゖ" else c for c in text)


def romaji(text: str) -> str:
    """Hepburn for kana; other characters are kept as they are."""
    text = _katakana(text)
    out: list[str] = []
    double = False
    i = 0
    while i < len(text):
        char = text[i]
        nxt = text[i + 1] if i + 1 < len(text) else ""
        if char == "ッ":
            double = True
            i += 1
            continue
        if char == "ー":
            vowel = next((c for c in reversed("".join(out)) if c in "aeiou"), "")
            out.append(vowel)
            i += 1
            continue
        syllable = _BASE.get(char)
        if syllable is None:
            out.append(char)
            double = False
            i += 1
            continue
        if nxt in _YOON and syllable.endswith("i") and len(syllable) > 1:
            stem = syllable[:-1]
            syllable = (stem if stem in ("sh", "ch", "j") else stem + "y") + _YOON[nxt]
            i += 1
        elif nxt in _SMALL_VOWELS and char in _WITH_SMALL and (char not in "チシジ" or nxt == "ェ") and (
                char != "デ" or nxt == "ィ"):
            syllable = _WITH_SMALL[char] + _SMALL_VOWELS[nxt]
            i += 1
        elif char == "ン" and (nxt in "アイウエオ" or nxt == ""):
            syllable = "n'" if nxt else "n"
        if double and syllable[0] not in "aeioun":
            syllable = ("t" if syllable.startswith("ch") else syllable[0]) + syllable
        double = False
        out.append(syllable)
        i += 1
    return "".join(out)


@functools.cache
def _tokenizer() -> Tokenizer:
    return Tokenizer()


def romanize(text: str) -> str:
    """Each word's reading in Hepburn, the words apart; a word the dictionary does not know is read
    as written (kana in Hepburn, anything else unchanged)."""
    words = []
    for token in _tokenizer().tokenize(text):
        reading = token.reading if token.reading not in ("*", "") else token.surface
        word = romaji(reading).strip()
        if word:
            words.append(word)
    return " ".join(words)
