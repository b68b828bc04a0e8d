"""The crisis detector: `detect(text) -> Detection`.

Why this shape: the chatbot must never crash or stay silent on a message that
might be a cry for help, so `detect` is total (any input, any size) and fails
toward safety: an internal error is reported AS a crisis. The spaCy pipeline
(blank English + lookup lemmatizer + sentencizer, Matchers built from the
pattern data files) is built once, lazily, under a lock; after that it is only
read, so concurrent calls are safe.

Flow per message: normalise -> spaCy Doc (lemmas from the lookup lemmatizer's
table) -> sentencizer -> target phrases (patterns/<category>.yml) -> modifiers
(patterns/modifiers.yml) and benign exceptions (patterns/benign_exceptions.yml)
-> ConText judgement per target (context.py) -> most severe verdict wins.
"""
from __future__ import annotations

import gzip
import json
import os
import threading
import time
from dataclasses import dataclass
from typing import Any, List, Optional, Tuple

from . import learned

CAP = 5000          # longer messages are scanned in overlapping windows
_OVERLAP = 400
_MAX_TOKEN_LEN = 40
_FINAL_PUNCT = frozenset({".", "!", "?", "\n", "\u2026"})

CATEGORIES = (
    "active_ideation", "passive_ideation", "self_harm", "medical_emergency",
    "harm_to_others", "abuse_or_danger", "third_party_risk", "coded_language",
    "past_or_ambiguous",
)
# When one message holds several verdicts, the most urgent is reported.
_PRIORITY = {c: i for i, c in enumerate((
    "detector_error", "medical_emergency", "active_ideation", "self_harm", "harm_to_others",
    "abuse_or_danger", "coded_language", "passive_ideation", "third_party_risk",
    "past_or_ambiguous"))}
_SEV = {"crisis": 2, "concern": 1, "none": 0}


@dataclass(frozen=True)
class Detection:
    """Result of `detect`. `span`/`start`/`end` point into the ORIGINAL text."""

    is_crisis: bool
    category: Optional[str]
    severity: str                    # "none" | "concern" | "crisis"
    subject: str                     # "self" | "other"
    span: Optional[str]
    start: Optional[int]
    end: Optional[int]
    rule_id: Optional[str]           # pattern that fired
    suppressed_by: Optional[str] = None  # benign exception / modifier that cancelled a match


NO_CRISIS = Detection(False, None, "none", "self", None, None, None, None)
DETECTOR_ERROR = Detection(True, "detector_error", "crisis", "self", None, None, None, "internal_error")
LEARNED_CONCERN = Detection(True, "possible_risk", "concern", "self", None, None, None,
                            "learned_signal")
LEARNED_MAX_CHARS = 5000  # longer texts: the patterns' windows still cover all of it


class _Pipeline:
    def __init__(self) -> None:
        import spacy
        from spacy.lang.en.stop_words import STOP_WORDS
        from spacy.tokens import Doc

        from .context import REQUIRE, UNLESS, ContextRules
        from .normalise import Normaliser
        from .patterns import Compiler, Rule, RuleSet, literal_words, load_pattern_data

        self._Doc = Doc
        data = load_pattern_data()
        nlp = spacy.blank("en")
        nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
        nlp.add_pipe("sentencizer", config={"punct_chars": [".", "!", "?", "\n", "\u2026!", "!?", "?!"]})
        nlp.initialize()
        self.nlp = nlp
        self.sentencizer = nlp.get_pipe("sentencizer")
        self.table = nlp.get_pipe("lemmatizer").lookups.get_table("lemma_lookup")
        overrides = {str(k): str(v) for k, v in (data.normalisation.get("lemma_overrides") or {}).items()}
        self._lemma_cache = dict(overrides)

        english = set(STOP_WORDS)
        try:
            import spacy_lookups_data
            path = os.path.join(os.path.dirname(spacy_lookups_data.__file__), "data", "en_lemma_index.json.gz")
            with gzip.open(path, "rt", encoding="utf-8") as fh:
                for words in json.load(fh).values():
                    english.update(words)
        except Exception:  # pragma: no cover - lookups data is a declared dependency
            pass
        english.update(str(k) for k in self.table.keys() if isinstance(k, str))
        key_vocab = literal_words(data.targets, data.macros)
        self.normaliser = Normaliser(data.normalisation, frozenset(english), frozenset(key_vocab))

        stop = set(STOP_WORDS) | set(data.terminators)
        for words in (data.modifier_lists.get("pronouns") or {}).values():
            stop.update(str(w) for w in words)

        prob = _word_log_probs()

        def commonness(w: str) -> float:
            # anchor = rarest required word; log-probability from spacy-lookups-data
            return max(prob.get(w, -20.0), 0.0 if w in stop else -99.0)

        comp = Compiler(data.macros, data.terminators)
        vocab = nlp.vocab
        mods = list(data.modifiers)
        for x in data.exceptions:
            if x.unless:
                mods.append(Rule(id=f"{x.id}#unless", category="", patterns=x.unless, kind_mod=UNLESS))
            if x.requires_context:
                mods.append(Rule(id=f"{x.id}#require", category="", patterns=x.requires_context, kind_mod=REQUIRE))
        transform = self._flag_transform(vocab, comp, data, mods)
        self.targets = RuleSet(vocab, data.targets, comp, commonness, transform)
        self.modifiers = RuleSet(vocab, mods, comp, commonness, transform)
        self.exceptions = RuleSet(vocab, data.exceptions, comp, commonness, transform)
        self.weak = RuleSet(vocab, data.weak, comp, commonness, transform)
        self.weak_min = data.weak_min_families
        self.context = ContextRules(data.modifier_lists)
        self.terminators = frozenset(data.terminators)
        self.data = data

    def _weak_signals(self, doc, words, lemmas, bounds, sent_ids, toks, maybe_weak):
        """Safety net: several different weak warning signs in a first-person message."""
        from .context import CAUSE, EFFICACY, EMBED, HYPO, HYPO_Q_BACK, NEG, TOPIC, Mod, Verdict

        if not maybe_weak:
            return None
        hits = self.weak.find(doc, words, lemmas, bounds)
        if len({r.id for r, _, _ in hits}) < self.weak_min:
            return None
        spans = [bounds[j] for j in sorted({sent_ids[s] for _, s, _ in hits})]
        mods = [Mod(r.kind_mod, r, s, e) for r, s, e in self.modifiers.find(doc, words, lemmas, spans)]
        general = {sent_ids[m.start] for m in mods if m.type in (CAUSE, EFFICACY, TOPIC, HYPO, EMBED, HYPO_Q_BACK)}
        kept = []
        for r, s, e in hits:
            if sent_ids[s] in general:
                continue
            if any(m.type == NEG and 0 <= s - m.end <= 2 for m in mods):
                continue
            kept.append((r, s, e))
        fams = sorted({r.id for r, _, _ in kept})
        if len(fams) < self.weak_min:
            return None
        r, s, e = kept[0]
        rule = self.weak.rules[fams[0]]
        v = Verdict(True, "past_or_ambiguous", "concern", "self", rule, s, e, None)
        object.__setattr__(v, "rule", type(rule)(id="+".join(fams), category="past_or_ambiguous",
                                                 severity="concern", patterns=["-"]))
        return v, toks

    def _flag_transform(self, vocab, comp, data, mods):
        """Turn the most used word sets into spaCy lexeme flags.

        A spaCy Matcher checks "IN" sets with a Python callback per token; a
        lexeme flag is a bit tested in C. Words here are already normalised and
        our lemma is a function of the word, so both LOWER and LEMMA sets can
        be flags. spaCy has ~45 free flag bits: the most frequent sets get them.
        """
        from .patterns import count_sets

        terms = frozenset(data.terminators)
        flags = {}
        try:
            term_flag = vocab.add_flag(lambda s, t=terms: s in t)
        except Exception:  # pragma: no cover - no free bit
            return None
        counts = count_sets(list(data.targets) + list(mods) + list(data.exceptions) + list(data.weak), comp)
        for (attr, vals), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0][0], sorted(kv[0][1])))[:40]:
            if n < 3:
                break
            if attr == "LOWER":
                getter = (lambda s, v=vals: s in v)
            else:
                getter = (lambda s, v=vals, lem=self.lemma: lem(s) in v)
            try:
                flags[(attr, vals)] = vocab.add_flag(getter)
            except Exception:  # pragma: no cover
                break

        def transform(seq):
            out = []
            for spec in seq:
                spec = dict(spec)
                low = spec.get("LOWER")
                if isinstance(low, dict) and "NOT_IN" in low and frozenset(low["NOT_IN"]) == terms:
                    del spec["LOWER"]
                    spec[term_flag] = False
                for attr in ("LOWER", "LEMMA"):
                    v = spec.get(attr)
                    if isinstance(v, dict) and "IN" in v:
                        f = flags.get((attr, frozenset(v["IN"])))
                        if f is not None:
                            del spec[attr]
                            spec[f] = True
                out.append(spec)
            return out

        self.n_flags = len(flags) + 1
        return transform

    def lemma(self, w: str) -> str:
        v = self._lemma_cache.get(w)
        if v is None:
            v = self.table.get(w, w) if w.isalpha() else w
            if len(self._lemma_cache) < 200000:
                self._lemma_cache[w] = v
        return v

    # ------------------------------------------------------------------
    def analyse(self, text: str) -> Tuple[Optional[Any], List[Any]]:
        """Return (best firing verdict or None, all verdicts) for one window."""
        from spacy.attrs import SENT_START

        from .context import EMBED, REQUIRE, UNLESS, DocView, Mod

        toks = self.normaliser.tokens(text)
        words = toks.words
        if not words:
            return None, []
        words = [w if len(w) <= _MAX_TOKEN_LEN else "x" for w in words]
        spaces = toks.spaces
        if words[-1] not in _FINAL_PUNCT:
            # sentinel so patterns can require "end of clause" (@END) at the very end
            words.append(".")
            spaces = spaces + [False]
            toks.starts.append(toks.ends[-1])
            toks.ends.append(toks.ends[-1])
        lemmas = [self.lemma(w) for w in words]
        wset, lset = set(words), set(lemmas)
        maybe_target = self.targets.could_match(wset, lset)
        maybe_weak = "i" in wset or "me" in wset or "my" in wset or "myself" in wset
        if not maybe_target and not (maybe_weak and self.weak.could_match(wset, lset)):
            return None, []          # fast path: nothing can match this message
        doc = self._Doc(self.nlp.vocab, words=words, spaces=spaces, lemmas=lemmas)
        self.sentencizer(doc)
        sent_ids: List[int] = []
        bounds: List[Tuple[int, int]] = []
        k = 0
        a = 0
        for i, v in enumerate(doc.to_array(SENT_START).tolist()):
            if v == 1 and i > 0:
                bounds.append((a, i))
                a = i
                k += 1
            sent_ids.append(k)
        bounds.append((a, len(words)))
        targets = self.targets.find(doc, words, lemmas, bounds) if maybe_target else []
        if not targets:
            return self._weak_signals(doc, words, lemmas, bounds, sent_ids, toks, maybe_weak), []
        # modifiers/exceptions only where a target is (and the next sentence: "suicidal? no")
        hit = sorted({sent_ids[s] for _, s, _ in targets} | {sent_ids[s] + 1 for _, s, _ in targets})
        ctx_spans = [bounds[j] for j in hit if j < len(bounds)]
        dv = DocView(words, sent_ids, self.terminators)
        mods = [Mod(r.kind_mod, r, s, e) for r, s, e in self.modifiers.find(doc, words, lemmas, ctx_spans)]
        if any(m.type == EMBED for m in mods):
            # an embedded question may be answered two sentences later
            # ("...asked if I'd thought about it. I said no. That was a lie.")
            more = sorted({j + 2 for j in hit} - set(hit))
            more_spans = [bounds[j] for j in more if j < len(bounds)]
            if more_spans:
                mods += [Mod(r.kind_mod, r, s, e) for r, s, e in self.modifiers.find(doc, words, lemmas, more_spans)]
        vetoes = {(m.rule.id[:-7], sent_ids[m.start]) for m in mods if m.type == UNLESS}
        context_ok = {(m.rule.id[:-8], sent_ids[m.start]) for m in mods if m.type == REQUIRE}
        exc = [(r, s, e) for r, s, e in self.exceptions.find(doc, words, lemmas, ctx_spans)
               if (r.id, sent_ids[s]) not in vetoes
               and (not r.requires_context or (r.id, sent_ids[s]) in context_ok)]
        verdicts = [self.context.judge(dv, r, s, e, mods, exc) for r, s, e in targets]
        fired = [v for v in verdicts if v.fire]
        if not fired:
            return self._weak_signals(doc, words, lemmas, bounds, sent_ids, toks, maybe_weak), verdicts
        best = min(fired, key=lambda v: (-_SEV.get(v.severity, 0), _PRIORITY.get(v.category, 99), v.start))
        return (best, toks), verdicts


def _word_log_probs() -> dict:
    """English word log-probabilities (spacy-lookups-data), used only at build time."""
    try:
        import spacy_lookups_data
        path = os.path.join(os.path.dirname(spacy_lookups_data.__file__), "data", "en_lexeme_prob.json.gz")
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            return json.load(fh)
    except Exception:  # pragma: no cover
        return {}


_LOCK = threading.Lock()
_PIPELINE: Optional[_Pipeline] = None


_BUILD_ERROR: Optional[Tuple[float, BaseException]] = None
_RETRY_AFTER_S = 30.0


def get_pipeline() -> _Pipeline:
    """Build (once) and return the shared pipeline.

    If the build fails (e.g. a broken pattern file), the error is remembered and
    re-raised at once for the next _RETRY_AFTER_S seconds, so every message gets
    a fast fail-safe verdict instead of a slow rebuild attempt.
    """
    global _PIPELINE, _BUILD_ERROR
    p = _PIPELINE
    if p is None:
        with _LOCK:
            if _PIPELINE is None:
                if _BUILD_ERROR is not None and time.monotonic() - _BUILD_ERROR[0] < _RETRY_AFTER_S:
                    raise RuntimeError("crisis detector unavailable") from _BUILD_ERROR[1]
                try:
                    _PIPELINE = _Pipeline()
                    _BUILD_ERROR = None
                except BaseException as exc:
                    _BUILD_ERROR = (time.monotonic(), exc)
                    raise
            p = _PIPELINE
    return p


def _coerce(text: Any) -> str:
    if text is None:
        return ""
    if isinstance(text, str):
        return text
    if isinstance(text, (bytes, bytearray, memoryview)):
        return bytes(text).decode("utf-8", errors="replace")
    return str(text)


def _windows(text: str) -> List[Tuple[int, int]]:
    if len(text) <= CAP:
        return [(0, len(text))]
    out = []
    a = 0
    n = len(text)
    while a < n:
        b = min(n, a + CAP)
        if b < n:
            cut = text.rfind(" ", a + CAP // 2, b)
            if cut > a:
                b = cut
        out.append((a, b))
        if b >= n:
            break
        nxt = b - _OVERLAP
        sp = text.find(" ", nxt, b)
        a = sp + 1 if sp != -1 else nxt
    return out


def _detect(text: Any) -> Detection:
    text = _coerce(text)
    if not text or text.isspace():
        return NO_CRISIS
    pipe = get_pipeline()
    best = None
    first_suppressed: Optional[str] = None
    for a, b in _windows(text):
        found, verdicts = pipe.analyse(text[a:b])
        if first_suppressed is None:
            first_suppressed = next((v.suppressed_by for v in verdicts if not v.fire), None)
        if found is None:
            continue
        v, toks = found
        cand = (v, toks.starts[v.start] + a, toks.ends[v.end - 1] + a)
        if best is None or (-_SEV[v.severity], _PRIORITY.get(v.category, 99)) < (
                -_SEV[best[0].severity], _PRIORITY.get(best[0].category, 99)):
            best = cand
    if best is None:
        if first_suppressed:
            return Detection(False, None, "none", "self", None, None, None, None, first_suppressed)
        # No pattern, no explicit exception: the learned second opinion (learned.py).
        signal = learned.get_model()
        if signal is not None and signal.fires(text[:LEARNED_MAX_CHARS]):
            return LEARNED_CONCERN
        return NO_CRISIS
    v, s, e = best
    return Detection(True, v.category, v.severity, v.subject, text[s:e], s, e, v.rule.id)


def detect(text: Any) -> Detection:
    """Classify one chat message. Never raises; on internal error reports a crisis."""
    try:
        return _detect(text)
    except Exception:  # noqa: BLE001 - fail toward safety, by design
        return DETECTOR_ERROR


def trace(text: Any) -> dict:
    """Ids of every target, modifier and exception pattern matching `text` (debug/tests)."""
    pipe = get_pipeline()
    toks = pipe.normaliser.tokens(_coerce(text))
    words = toks.words + ["."]
    lemmas = [pipe.lemma(w) for w in words]
    doc = pipe._Doc(pipe.nlp.vocab, words=words, lemmas=lemmas)
    whole = [(0, len(words))]
    return {
        "tokens": toks.words,
        "targets": sorted({r.id for r, _, _ in pipe.targets.find(doc, words, lemmas, whole)}),
        "modifiers": sorted({r.id for r, _, _ in pipe.modifiers.find(doc, words, lemmas, whole)}),
        "exceptions": sorted({r.id for r, _, _ in pipe.exceptions.find(doc, words, lemmas, whole)}),
    }


def explain(text: Any) -> List[Any]:
    """All verdicts (fired and suppressed) for debugging and tests."""
    text = _coerce(text)
    out: List[Any] = []
    for a, b in _windows(text):
        out.extend(get_pipeline().analyse(text[a:b])[1])
    return out
