"""Normalise a chat message into canonical tokens, remembering where each came from.

Why: people in distress type fast and badly ("im sucidal", "wanna dieeee",
"k1ll myself", "s u i c i d e"), and the pattern files should be written once,
against clean lowercase words with contractions expanded ("do not", "i am").
Every output token keeps the character span of the ORIGINAL text it came from,
so a detection can quote exactly what the person wrote.

Steps (all data-driven, see patterns/normalisation.yml):
  1. characters: NFKC, lowercase, look-alike letters, curly quotes, emoji with
     meaning, control/zero-width characters dropped;
  2. tokens: words and punctuation, hyphenated words split, spaced-out letters
     joined when they spell a key word;
  3. each word (cached): contractions/slang, leetspeak and "*"-masks, collapse
     3+ repeated letters, typo map, edit-distance match to key trigger words
     (only for tokens that are not English words).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Dict, FrozenSet, List, Optional, Sequence, Tuple

_QUOTES = {"\u2018": "'", "\u2019": "'", "\u201b": "'", "\u2032": "'", "`": "'", "\u00b4": "'",
           "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2033": '"'}
_DASHES = {"\u2010", "\u2011", "\u2012", "\u2013", "\u2014", "\u2015", "\u2212"}
# ASCII fast path: control characters -> space (newline/tab kept as separators).
_ASCII_TABLE = {i: " " for i in range(32) if chr(i) not in "\n\t"}
_ASCII_TABLE[127] = " "
_ASCII_TABLE[ord("`")] = "'"

# A word: letters/digits plus the symbols leetspeak uses inside words.
_TOKEN_RX = re.compile(
    r"(?:[^\W_]|[@$*]|(?<=[^\W_])[!|](?=[^\W_]))+(?:'(?:[^\W_]|[@$*])+)*'?"
    r"|\.\.+|\u2026|\n+|[^\w\s]"
)
_REPEAT3 = re.compile(r"([a-z])\1{2,}")
_REPEAT2 = re.compile(r"([a-z])\1+")
_SENT_PUNCT = {".", "!", "?", "\n"}
_SUFFIXES = {"'m": ("am",), "'re": ("are",), "'ve": ("have",), "'ll": ("will",), "'d": ("would",)}


@dataclass
class Tokens:
    """Canonical tokens plus their spans in the original text."""

    words: List[str]
    spaces: List[bool]
    starts: List[int]
    ends: List[int]


class Normaliser:
    """Holds the normalisation tables; `tokens(text)` is the entry point."""

    def __init__(self, data: dict, english: FrozenSet[str], key_vocab: FrozenSet[str]):
        def split(v: str) -> Tuple[str, ...]:
            return tuple(str(v).split()) or (str(v),)

        self.contractions: Dict[str, Tuple[str, ...]] = {
            str(k): split(v) for k, v in (data.get("contractions") or {}).items()}
        self.slang: Dict[str, Tuple[str, ...]] = {
            str(k): split(v) for k, v in (data.get("slang") or {}).items()}
        self.typos: Dict[str, Tuple[str, ...]] = {
            str(k): split(v) for k, v in (data.get("typos") or {}).items()}
        self.leet: Dict[str, str] = {str(k): str(v) for k, v in (data.get("leet") or {}).items()}
        self.homoglyphs: Dict[str, str] = {str(k): str(v) for k, v in (data.get("homoglyphs") or {}).items()}
        self.emoji: Dict[str, str] = {str(k): str(v) for k, v in (data.get("emoji") or {}).items()}
        self.fuzzy_terms: Tuple[str, ...] = tuple(sorted({str(t) for t in data.get("key_terms") or []}))
        self.key_vocab = frozenset(key_vocab) | frozenset(self.fuzzy_terms)
        self.digit_words: Dict[str, List[Tuple[str, FrozenSet[str], FrozenSet[str]]]] = {}
        for digit, options in (data.get("digit_words") or {}).items():
            self.digit_words[str(digit)] = [
                (str(word), frozenset(map(str, (spec or {}).get("before") or [])),
                 frozenset(map(str, (spec or {}).get("after") or [])))
                for word, spec in options.items()]
        # multi-token fixes ("w / o" -> "without", "ne more" -> "anymore", "ma self" -> "my self")
        self.phrase_fixes: Dict[str, List[Tuple[Tuple[str, ...], Tuple[str, ...]]]] = {}
        for src, dst in (data.get("phrase_fixes") or {}).items():
            seq = tuple(str(src).split())
            if len(seq) >= 2:
                self.phrase_fixes.setdefault(seq[0], []).append((seq, split(dst)))
        self._phrase_pairs = frozenset((seq[0], seq[1]) for v in self.phrase_fixes.values() for seq, _ in v)
        self.seg_triggers = frozenset(str(x) for x in data.get("segmentation_triggers") or [])
        self.seg_words = frozenset(str(x) for x in data.get("segmentation_words") or []) | self.seg_triggers
        self._short_terms = tuple(t for t in self.fuzzy_terms if len(t) == 4 or (len(t) == 3 and t in english))
        # a key word typed with a space inside ("sui cide", "over dose"): pieces are
        # joined when the result is one of these; `join_always` even if both pieces are words
        self.join_always = frozenset(str(x) for x in data.get("join_always") or [])
        self._join_terms = frozenset(t for t in self.fuzzy_terms if len(t) >= 6) | self.join_always
        self._join_prefixes = frozenset(w[:k] for w in self.join_always for k in range(1, len(w)))
        self._join_starts = frozenset(w[:2] for w in self._join_terms)
        self._join_cand: Dict[str, bool] = {}
        self._join_plain: set = set()     # tokens known not to start a split key word
        self.english = english
        self._fix = lru_cache(maxsize=65536)(self._fix_word)

    # ---------------------------------------------------------------- chars
    def _chars(self, text: str) -> Tuple[str, Optional[List[int]]]:
        """Return (clean lowercase string, map to original index or None=identity)."""
        if text.isascii():
            return text.translate(_ASCII_TABLE).lower(), None
        out: List[str] = []
        idx: List[int] = []
        emoji = self.emoji
        for i, ch in enumerate(text):
            if ch.isascii():
                o = ch.lower() if ch >= " " or ch in "\n\t" else " "
                if o == "`":
                    o = "'"
                out.append(o)
                idx.append(i)
                continue
            if ch in emoji:
                rep = " " + emoji[ch] + " "
            else:
                cat = unicodedata.category(ch)
                if cat in ("Cf", "Mn", "Me"):      # zero-width, joiners, combining marks
                    continue
                if cat == "Cc":
                    rep = " "
                elif ch in _QUOTES:
                    rep = _QUOTES[ch]
                elif ch in _DASHES:
                    rep = "-"
                elif ch in ("\u2028", "\u2029", "\x85"):
                    rep = "\n"
                else:
                    rep = unicodedata.normalize("NFKC", ch).lower()
                    if not rep.isascii():
                        rep = "".join(self.homoglyphs.get(c, c) for c in rep)
                        if not rep.isascii():
                            # strip accents: "suïcide" -> "suicide"
                            dec = unicodedata.normalize("NFKD", rep)
                            stripped = "".join(c for c in dec if not unicodedata.combining(c))
                            rep = stripped or rep
            for c in rep:
                if c in emoji:          # NFKC may reveal e.g. variation-selector forms
                    c = " "
                out.append(c)
                idx.append(i)
        return "".join(out), idx

    # ---------------------------------------------------------------- words
    def _leet(self, w: str) -> str:
        return "".join(self.leet.get(c, c) for c in w)

    def _wildcard(self, w: str) -> Optional[str]:
        rx = re.compile("^" + re.escape(w).replace(r"\*", "[a-z]{1,2}") + "$")
        hits = [t for t in self.fuzzy_terms if rx.match(t)]
        return hits[0] if len(hits) == 1 else None

    def _known(self, w: str) -> bool:
        return w in self.english or w in self.key_vocab or w in self.slang or w in self.typos

    def _fuzzy(self, w: str) -> Optional[str]:
        """Key term within edit distance 1 (2 for long words), same first letter, unique."""
        best: List[str] = []
        for t in self.fuzzy_terms:
            if t[0] != w[0] or len(t) < 5:
                continue
            lim = 2 if len(t) >= 8 and len(w) >= 7 else 1
            if abs(len(t) - len(w)) > lim:
                continue
            if _osa_distance(w, t, lim) <= lim:
                best.append(t)
        if len(best) == 1:
            return best[0]
        if best:  # prefer distance-1 candidates when ambiguous
            d1 = [t for t in best if _osa_distance(w, t, 1) <= 1]
            if len(d1) == 1:
                return d1[0]
        return None

    def _segment(self, w: str) -> Optional[Tuple[str, ...]]:
        """Split run-together words when every piece is known and one is a trigger."""
        n = len(w)
        if n < 5 or n > 30:
            return None
        vocab = self.seg_words
        best: List[Optional[Tuple[str, ...]]] = [None] * (n + 1)
        best[0] = ()
        for i in range(1, n + 1):
            for j in range(max(0, i - 9), i):
                prev = best[j]
                if prev is None:
                    continue
                piece = w[j:i]
                if piece in vocab:
                    cand = prev + (piece,)
                    cur = best[i]
                    if cur is None or len(cand) < len(cur):
                        best[i] = cand
        res = best[n]
        if res and len(res) >= 2 and any(p in self.seg_triggers for p in res):
            out: List[str] = []
            for p in res:
                out.extend(self._fix_word(p) if p not in self.seg_triggers else (p,))
            return tuple(out)
        return None

    def _fix_word(self, w: str) -> Tuple[str, ...]:
        if w in self.contractions:
            return self.contractions[w]
        if w in self.slang:
            return self.slang[w]
        if "'" in w:
            w = w.strip("'")
            if not w:
                return ("'",)     # a lone quote mark stays a token (never an empty word)
            if w in self.contractions or w in self.slang:
                return self._fix_word(w)
            if w.endswith("n't"):
                base = w[:-3]
                return tuple(x for x in (self._fix_word(base) if base else ()) if x) + ("not",)
            for suf, rep in _SUFFIXES.items():
                if w.endswith(suf) and len(w) > len(suf):
                    return self._fix_word(w[: -len(suf)]) + rep
            if w.endswith("'s") and len(w) > 2:
                return self._fix_word(w[:-2]) + ("'s",)
            joined = w.replace("'", "")
            if self._known(joined):
                return self._fix_word(joined)
            return (w,)
        if not w.isalpha():
            if w.isdigit():
                return (w,)
            if any(c.isdigit() for c in w) and any(c.isalpha() for c in w):
                spaced = w.replace("2", " to ").replace("4", " for ").split()
                if len(spaced) > 1 and all(x.isalpha() for x in spaced):
                    parts: List[str] = []
                    for x in spaced:
                        parts.extend(self._fix_word(x))
                    if any(x in self.seg_triggers for x in parts):
                        return tuple(parts)
            cand = self._leet(w)
            if "*" in cand:
                cand = self._wildcard(cand) or cand.replace("*", "")
            cand = _REPEAT3.sub(r"\1\1", cand)
            if cand.isalpha():
                for c in (cand, _REPEAT2.sub(r"\1", cand)):
                    if c in self.key_vocab or c in self.slang or c in self.typos:
                        return self._fix_word(c)
            stripped = w.strip("@$*!|")
            if stripped and stripped != w:
                return self._fix_word(stripped)
            return (w,)
        if not w.isascii():
            return (w,)
        if _REPEAT3.search(w):
            w2 = _REPEAT3.sub(r"\1\1", w)
            w1 = _REPEAT2.sub(r"\1", w)
            w = w2 if self._known(w2) or not self._known(w1) else w1
        if w in self.typos:
            return self.typos[w]
        if w in self.slang:
            return self.slang[w]
        if len(w) >= 5 and not self._known(w):
            if w.endswith("in") and (self._known(w + "g") or self._known(w[:-2])):
                return (w + "g",)     # dropped g: "toppin" -> "topping", "carkin" -> "carking"
            f = self._fuzzy(w)
            if f:
                return (f,)
            w1 = _REPEAT2.sub(r"\1", w)
            if w1 != w and self._known(w1):
                return (w1,)
            seg = self._segment(w)
            if seg:
                return seg
        elif 3 <= len(w) <= 4 and not self._known(w):
            for t in self._short_terms:   # one adjacent swap: "lfie" -> "life", "dei" -> "die"
                if len(t) == len(w) and t[0] == w[0] and sorted(t) == sorted(w) and sum(a != b for a, b in zip(t, w)) == 2:
                    return (t,)
        return (w,)

    # ---------------------------------------------------------------- tokens
    def tokens(self, text: str) -> Tokens:
        s, idx = self._chars(text)
        raw: List[Tuple[str, int, int]] = []   # (token, start, end) in s
        for m in _TOKEN_RX.finditer(s):
            t = m.group()
            a, b = m.span()
            c0 = t[0]
            if c0 == "\n":
                t = "\n"
            elif c0 == "." and len(t) > 1:
                t = "\u2026"
            elif c0 == "-" and raw and raw[-1][2] == a and b < len(s) and s[b].isalnum():
                continue  # intra-word hyphen: "self-harm" -> "self harm"
            raw.append((t, a, b))
        raw = self._join_spaced_letters(raw)
        raw = self._join_split_words(raw)
        words: List[str] = []
        spaces: List[bool] = []
        starts: List[int] = []
        ends: List[int] = []
        n = len(raw)
        fix = self._fix
        for i, (t, a, b) in enumerate(raw):
            if idx is None:
                oa, ob = a, b
            else:
                oa, ob = idx[a], idx[b - 1] + 1
            gap = i + 1 < n and raw[i + 1][1] > b
            if t[0].isalnum() or t[0] in "@$*'":
                out = fix(t)
            else:
                out = (t,)
            last = len(out) - 1
            for j, o in enumerate(out):
                words.append(o)
                spaces.append(True if j < last else gap)
                starts.append(oa)
                ends.append(ob)
        if self.digit_words:
            for i, w in enumerate(words):
                opts = self.digit_words.get(w)
                if opts:
                    prev = words[i - 1] if i else ""
                    nxt = words[i + 1] if i + 1 < len(words) else ""
                    for word, before, after in opts:
                        if prev in before or nxt in after:
                            words[i] = word
                            break
        if self.phrase_fixes and not self.phrase_fixes.keys().isdisjoint(words):
            pairs = self._phrase_pairs
            if any(p in pairs for p in zip(words, words[1:])):
                words, spaces, starts, ends = self._phrase_fix(words, spaces, starts, ends)
        return Tokens(words, spaces, starts, ends)

    def _phrase_fix(self, words, spaces, starts, ends):
        """Rewrite known multi-token spellings; the new words span the pieces they replace."""
        ow: List[str] = []
        osp: List[bool] = []
        ost: List[int] = []
        oen: List[int] = []
        i, n = 0, len(words)
        while i < n:
            done = False
            for seq, dst in self.phrase_fixes.get(words[i], ()):
                k = len(seq)
                if tuple(words[i:i + k]) == seq:
                    a, b = starts[i], ends[i + k - 1]
                    for j, d in enumerate(dst):
                        ow.append(d)
                        osp.append(True if j < len(dst) - 1 else spaces[i + k - 1])
                        ost.append(a)
                        oen.append(b)
                    i += k
                    done = True
                    break
            if not done:
                ow.append(words[i])
                osp.append(spaces[i])
                ost.append(starts[i])
                oen.append(ends[i])
                i += 1
        return ow, osp, ost, oen

    def _join_candidate(self, t: str) -> bool:
        """Could this token be the first half of a split key word ("sui" of "sui cide")?"""
        v = self._join_cand.get(t)
        if v is None:
            v = (t.isalnum() and not t.isdigit() and self._leet(t[:2]) in self._join_starts
                 and (t in self._join_prefixes or not self._known(t)))
            if len(self._join_cand) < 65536:
                self._join_cand[t] = v
                if not v:
                    self._join_plain.add(t)
        return v

    def _join_split_words(self, raw: List[Tuple[str, int, int]]) -> List[Tuple[str, int, int]]:
        """"sui cide", "su icide", "over dose" -> one token when the pieces spell a key word."""
        n = len(raw)
        if n < 2:
            return raw
        plain = self._join_plain
        if plain.issuperset([t for t, _, _ in raw]):
            return raw          # fast path: every token is a known non-candidate
        cand = self._join_candidate
        starts = [k for k, (t, _, _) in enumerate(raw) if t not in plain and cand(t) and k < n - 1]
        known = self._known
        joined_at: Dict[int, Tuple[str, int, int]] = {}
        for i in starts:
            if i - 1 in joined_at:
                continue
            t, a, b = raw[i]
            u, c, d = raw[i + 1]
            if (c - b != 1 or len(t) + len(u) < 6 or not t.isalnum() or not u.isalnum()
                    or t.isdigit() or u.isdigit()):
                continue
            joined = t + u
            if joined in self.join_always or not (known(t) and known(u)):
                fixed = self._fix(joined)
                if len(fixed) == 1 and fixed[0] in self._join_terms:
                    joined_at[i] = (joined, a, d)
        if not joined_at:
            return raw
        out: List[Tuple[str, int, int]] = []
        i = 0
        while i < n:
            if i in joined_at:
                out.append(joined_at[i])
                i += 2
            else:
                out.append(raw[i])
                i += 1
        return out

    def _join_spaced_letters(self, raw: List[Tuple[str, int, int]]) -> List[Tuple[str, int, int]]:
        """"s u i c i d e", "k.m.s" -> one token when it spells a key word (linear time)."""
        if len(raw) < 3:
            return raw
        out: List[Tuple[str, int, int]] = []
        i, n = 0, len(raw)
        while i < n:
            t = raw[i][0]
            if not (len(t) == 1 and t.isalpha()):
                out.append(raw[i])
                i += 1
                continue
            # collect the whole run of single letters (optionally dotted: "k.m.s")
            run = [i]
            k = i + 1
            while k < n:
                tk = raw[k][0]
                if tk in (".", "-", "*", "_") and k + 1 < n and len(raw[k + 1][0]) == 1 and raw[k + 1][0].isalpha():
                    k += 1
                    continue
                if len(tk) == 1 and tk.isalpha() and raw[k][1] - raw[k - 1][2] <= 2:
                    run.append(k)
                    k += 1
                    continue
                break
            word = "".join(raw[j][0] for j in run)
            if 3 <= len(word) <= 24 and word in self.key_vocab:
                out.append((word, raw[run[0]][1], raw[run[-1]][2]))
            else:
                pieces = self._spaced_pieces(raw, run)
                if pieces:
                    out.extend(pieces)
                else:
                    out.extend(raw[i:k])
            i = k
        return out

    def _spaced_pieces(self, raw, run):
        """"k i l l  m y s e l f": words separated by a wider gap inside a run of single letters."""
        if run[-1] - run[0] != len(run) - 1:
            return None                    # dotted run ("k.m.s"): only as one word
        groups: List[List[int]] = [[run[0]]]
        for a, b in zip(run, run[1:]):
            if raw[b][1] - raw[a][2] >= 2:
                groups.append([b])
            else:
                groups[-1].append(b)
        if len(groups) < 2:
            return None
        words = ["".join(raw[j][0] for j in g) for g in groups]
        if not any(len(w) >= 3 and w in self.key_vocab for w in words):
            return None
        if not all(len(w) == 1 or w in self.key_vocab or self._known(w) for w in words):
            return None
        out = []
        for g, w in zip(groups, words):
            out.append((w, raw[g[0]][1], raw[g[-1]][2]))
        return out


def _osa_distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance (Levenshtein + adjacent swaps), early exit."""
    la, lb = len(a), len(b)
    if abs(la - lb) > limit:
        return limit + 1
    prev2: Sequence[int] = ()
    prev = list(range(lb + 1))
    for i in range(1, la + 1):
        cur = [i] + [0] * lb
        row_min = i
        for j in range(1, lb + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            v = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                v = min(v, prev2[j - 2] + 1)
            cur[j] = v
            if v < row_min:
                row_min = v
        if row_min > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[lb]


def is_sentence_punct(tok: str) -> bool:
    return tok in _SENT_PUNCT
