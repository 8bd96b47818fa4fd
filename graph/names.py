"""Names never merge entities; they only suggest: normalized, transliterated,
legal-form-aware comparison that scores POSSIBLY_SAME_AS candidates.

    "株式会社ルーメンクレスト"      -> "ruumenkuresuto"   (legal form dropped, Hepburn romaji)
    "Lumen Crest Exchange Pte Ltd" -> "lumen crest exchange"
    consonant skeletons            -> "rmnkrst" / "rmnkrstxchng"

The skeleton (l->r, c/q->k, v->b, vowels dropped) lets a katakana rendering
meet its Latin original, since Japanese adds vowels and has no l/r contrast.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import defaultdict

from anyascii import anyascii
from cleanco import clean
from rapidfuzz import fuzz, process

from graph import kana

# Japanese legal forms, which cleanco does not know (it handles Ltd, Inc., Pte, GmbH, K.K. …).
JAPANESE_LEGAL_FORMS = ("株式会社", "有限会社", "合同会社", "合資会社", "合名会社", "一般社団法人", "一般財団法人",
                        "特定非営利活動法人", "(株)", "(有)", "(同)", "㈱", "㈲")
_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff66-\uff9f]")
_NOT_WORD = re.compile(r"[^a-z0-9]+")
_SKELETON_MAP = str.maketrans({"l": "r", "c": "k", "q": "k", "v": "b"})
_VOWELS = re.compile(r"[aeiouy]+")
THRESHOLD = 85.0


@functools.lru_cache(maxsize=1 << 16)
def normalize(name: str) -> str:
    """Lower-case ASCII words with legal forms removed; '' when nothing is left."""
    text = unicodedata.normalize("NFKC", name).strip()
    for form in JAPANESE_LEGAL_FORMS:
        text = text.replace(form, " ")
    text = strip_legal_form(text) or text
    if _JAPANESE.search(text):
        text = kana.romanize(text)
    else:
        text = anyascii(text)
    return " ".join(_NOT_WORD.sub(" ", text.casefold()).split())


@functools.cache
def _legal_terms() -> dict[str, list[tuple[int, int, list[str]]]]:
    """cleanco's legal-form terms in the order its basename tries them, indexed by their last word."""
    index: dict[str, list[tuple[int, int, list[str]]]] = defaultdict(list)
    for position, (size, words) in enumerate(clean.prepare_default_terms()):
        index[words[-1]].append((position, size, words))
    return dict(index)


def strip_legal_form(name: str) -> str:
    """What cleanco.basename(name) gives (legal forms such as Ltd, Pte, Inc. removed from the end).

    cleanco tries each of its ~320 terms against every name (~70 us, most of what
    projecting a new name cost); a term can only match if its last word is one of
    the name's words, so only those are tried, in cleanco's order, with its own
    matching and deleting: the same result (tests/unit/graph/test_names.py).
    """
    name = clean.strip_tail(name)
    words = name.split()
    normal = [clean.strip_punct(word) for word in clean.normalized(name).split()]
    terms = _legal_terms()
    for _, size, term in sorted({(p, s, tuple(w)) for word in set(normal) for p, s, w in terms.get(word, ())}):
        if normal[-size:] == list(term):
            del normal[-size:]
            del words[-size:]
    return clean.strip_tail(" ".join(words))


@functools.lru_cache(maxsize=1 << 16)
def skeleton(normalized: str) -> str:
    # Cached: a watched name is compared with every name of its blocks, record after record.
    compact = normalized.replace(" ", "").translate(_SKELETON_MAP)
    return compact[:1] + _VOWELS.sub("", compact[1:])


def block_keys(name: str, normalized: str | None = None) -> set[str]:
    """Keys under which candidates are looked for: each word of 3+ letters and the skeleton's start.
    `normalized`: normalize(name), when the caller has it (the projector hands it over)."""
    normalized = normalize(name) if normalized is None else normalized
    keys = {f"w:{word}" for word in normalized.split() if len(word) >= 3}
    bone = skeleton(normalized)
    if len(bone) >= 4:
        keys.add(f"s:{bone[:4]}")
    return keys


# How a score is made of its three parts (score and scores_at_least alike): the words' similarity, the
# skeletons' (a weaker hint, from skeletons of SOUNDS_LEAST letters), and one skeleton the start of
# the other ("Lumen Crest" / "Lumen Crest Exchange": weaker still, from PREFIX_LEAST letters).
SOUNDS_WEIGHT, SOUNDS_LEAST = 0.95, 4
PREFIX_WEIGHT, PREFIX_LEAST = 0.9, 6


def score(a: str, b: str) -> float:
    """0..100: how alike two names are once normalized (word order ignored)."""
    left, right = normalize(a), normalize(b)
    if not left or not right:
        return 0.0
    words = fuzz.token_sort_ratio(left, right)
    bones = sorted((skeleton(left), skeleton(right)), key=len)
    sounds = SOUNDS_WEIGHT * fuzz.ratio(*bones) if len(bones[0]) >= SOUNDS_LEAST else 0.0
    prefix = PREFIX_WEIGHT * fuzz.ratio(bones[0], bones[1][:len(bones[0])]) if len(bones[0]) >= PREFIX_LEAST else 0.0
    return round(max(words, sounds, prefix), 1)


def scores_at_least(name: str, others: list[str], minimum: float, normalized: str | None = None
                    ) -> dict[str, float]:
    """{other: score(name, other)} for the others scoring `minimum` or more: the same scores as
    `score`, found in rapidfuzz's C loops with a cut-off instead of one call per pair (a record's
    name is compared with every watched name sharing one of its blocks; tests/unit/graph/test_names.py
    holds the two equal). `normalized`: normalize(name), when the caller has it."""
    left = normalize(name) if normalized is None else normalized
    if not left:
        return {}
    floor = minimum - 0.06  # what rounds up to `minimum` still counts (and a little for the scaling)
    norms = [normalize(other) for other in others]
    bones = [skeleton(n) for n in norms]
    bone = skeleton(left)
    best: dict[int, float] = {}
    for _, found, i in process.extract(left, norms, scorer=fuzz.token_sort_ratio, score_cutoff=floor, limit=None):
        if norms[i]:
            best[i] = found
    sounds = [] if floor / SOUNDS_WEIGHT > 100 else process.extract(
        bone, bones, scorer=fuzz.ratio, score_cutoff=floor / SOUNDS_WEIGHT, limit=None)
    for _, found, i in sounds:
        if norms[i] and min(len(bone), len(bones[i])) >= SOUNDS_LEAST:
            best[i] = max(best.get(i, 0.0), SOUNDS_WEIGHT * found)
    for i, other in enumerate(bones if floor / PREFIX_WEIGHT <= 100 else ()):  # else the prefix cannot reach it
        short, long = (bone, other) if len(bone) <= len(other) else (other, bone)
        if norms[i] and len(short) >= PREFIX_LEAST:
            found = fuzz.ratio(short, long[:len(short)], score_cutoff=floor / PREFIX_WEIGHT)
            if found:
                best[i] = max(best.get(i, 0.0), PREFIX_WEIGHT * found)
    scored = {}
    for i, found in best.items():
        rounded = round(found, 1)
        if rounded >= minimum:
            scored[others[i]] = rounded
    return scored
