"""Load the pattern data files and compile them into spaCy Matchers.

Why: crisis phrases must be editable as DATA (one YAML file per category, a
modifiers file, a benign-exceptions file), reviewed by clinicians, not buried in
code. The files use a tiny pattern language compiled to spaCy token patterns:

    word        token whose (normalised, lowercase) text is `word`
    ^word       token whose lemma is `word`
    a|^b|@M     alternatives (mix freely); @M is a macro from _macros.yml whose
                entries may be several words (they expand the pattern)
    (a b|c d)   alternatives of several words; "(...)?" makes the group optional
    !a|b        any token that is NOT one of these
    _           any word (not punctuation, not a clause-ending word)
    ~N          up to N optional words
    #num        a number
    <nl>        a line break
    suffix ? * +   optional / zero-or-more / one-or-more (as in spaCy)

Speed: spaCy's Matcher tries every pattern at every token, which is too slow
for hundreds of patterns within our 0.5 ms budget. So each compiled pattern is
filed under an ANCHOR (its rarest required word); a message only runs the
small Matchers whose anchor word (or lemma) actually occurs in it.
"""
from __future__ import annotations

import itertools
import os
from dataclasses import dataclass, field
from typing import Dict, FrozenSet, Iterable, List, Optional, Sequence, Set, Tuple

import yaml
from spacy.matcher import Matcher

PATTERN_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "patterns")

CATEGORY_FILES = (
    "active_ideation.yml",
    "passive_ideation.yml",
    "self_harm.yml",
    "medical_emergency.yml",
    "harm_to_others.yml",
    "abuse_or_danger.yml",
    "coded_language.yml",
    "third_party_risk.yml",
    "past_or_ambiguous.yml",
)


class PatternError(ValueError):
    """A pattern file is malformed (raised at build time, never from detect())."""


@dataclass
class Rule:
    id: str
    category: str
    severity: str = "crisis"
    kind: str = "statement"          # statement | concept | life_negated | fixed | side_effect
    negatable: bool = True
    experiencer: str = "auto"        # auto | match | context | self
    on_historical: str = "concern"   # concern | benign | keep
    requires_agent: bool = False     # abuse: a person must be the doer
    hypothetical_ok: bool = False    # suppressed by "what if"/"in case" cues
    patterns: List[str] = field(default_factory=list)
    examples: List[str] = field(default_factory=list)
    # modifiers / exceptions only
    kind_mod: str = ""
    direction: str = "forward"
    window: int = 8
    suppresses: Tuple[str, ...] = ("*",)
    unless: List[str] = field(default_factory=list)
    scope: str = "overlap"           # exceptions: overlap | sentence; AFFIRM modifiers: next (may answer up to two sentences later)
    requires_context: List[str] = field(default_factory=list)  # exceptions: needs one of these nearby
    description: str = ""


def _load_yaml(name: str) -> dict:
    with open(os.path.join(PATTERN_DIR, name), encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    if not isinstance(data, dict):
        raise PatternError(f"{name}: top level must be a mapping")
    return data


# --------------------------------------------------------------------- DSL
Spec = Dict[str, object]
Alt = List[Spec]          # one alternative = a sequence of token specs


class Compiler:
    """Compiles pattern strings to lists of spaCy token patterns."""

    def __init__(self, macros: Dict[str, List[str]], terminators: Sequence[str]):
        self.macros = macros
        self.terminators = sorted(set(terminators))
        self._macro_alts: Dict[str, List[Alt]] = {}
        self.max_variants = 400

    def _any(self) -> Spec:
        return {"IS_PUNCT": False, "IS_SPACE": False, "LOWER": {"NOT_IN": self.terminators}}

    def _macro(self, name: str, stack: Tuple[str, ...]) -> List[Alt]:
        if name in self._macro_alts:
            return self._macro_alts[name]
        if name not in self.macros:
            raise PatternError(f"unknown macro @{name}")
        if name in stack:
            raise PatternError(f"recursive macro @{name}")
        alts: List[Alt] = []
        for entry in self.macros[name]:
            for variant in self.compile(str(entry), stack + (name,)):
                alts.append(variant)
        self._macro_alts[name] = alts
        return alts

    def _item(self, item: str, stack: Tuple[str, ...]) -> List[Alt]:
        """One space-free item -> list of alternatives (each a spec sequence)."""
        op = None
        if len(item) > 1 and item[-1] in "?*+":
            op, item = item[-1], item[:-1]
        if item.startswith("~"):
            n = int(item[1:])
            return [[dict(self._any(), OP="?") for _ in range(n)]]
        neg = item.startswith("!") and len(item) > 1
        if neg:
            item = item[1:]
        lowers: List[str] = []
        lemmas: List[str] = []
        multi: List[Alt] = []
        specials: List[Spec] = []
        for part in item.split("|"):
            if not part:
                raise PatternError(f"empty alternative in {item!r}")
            if part == "_":
                specials.append(self._any())
            elif part == "<nl>":
                lowers.append("\n")
            elif part == "#num":
                specials.append({"LIKE_NUM": True})
            elif part.startswith("@"):
                for alt in self._macro(part[1:], stack):
                    if len(alt) == 1 and set(alt[0]) == {"LOWER"} and isinstance(alt[0]["LOWER"], str):
                        lowers.append(alt[0]["LOWER"])
                    elif len(alt) == 1 and set(alt[0]) == {"LEMMA"} and isinstance(alt[0]["LEMMA"], str):
                        lemmas.append(alt[0]["LEMMA"])
                    else:
                        multi.append(alt)
            elif part.startswith("^"):
                lemmas.append(part[1:])
            else:
                lowers.append(part)
        if neg:
            if multi or specials or lemmas:
                raise PatternError(f"!-items may only list plain words: {item!r}")
            spec: Spec = {"LOWER": {"NOT_IN": sorted(set(lowers))}, "IS_PUNCT": False}
            if op:
                spec["OP"] = op
            return [[spec]]
        alts: List[Alt] = []
        if lowers:
            u = sorted(set(lowers))
            alts.append([{"LOWER": u[0]} if len(u) == 1 else {"LOWER": {"IN": u}}])
        if lemmas:
            u = sorted(set(lemmas))
            alts.append([{"LEMMA": u[0]} if len(u) == 1 else {"LEMMA": {"IN": u}}])
        for s in specials:
            alts.append([dict(s)])
        alts.extend(multi)
        if op:
            new: List[Alt] = []
            for alt in alts:
                if len(alt) == 1 and "OP" not in alt[0]:
                    new.append([dict(alt[0], OP=op)])
                elif op == "?":
                    new.append(alt)
                else:
                    raise PatternError(f"{op} on a multi-word macro in {item!r}")
            if op == "?" and any(len(a) != 1 or "OP" not in a[0] for a in new):
                new.append([])
            alts = new
        return alts

    def _group(self, body: str, op: Optional[str], stack: Tuple[str, ...]) -> List[Alt]:
        """"(can not|could not)" -> alternatives that may be several words long."""
        alts: List[Alt] = []
        for part in _split_top(body, "|"):
            part = part.strip()
            if not part:
                raise PatternError(f"empty alternative in ({body})")
            alts.extend(self.compile(part, stack))
        alts = _merge_simple(alts)
        if op == "?":
            alts.append([])
        elif op:
            raise PatternError(f"only ? may follow a group: ({body}){op}")
        return alts

    def compile(self, pattern: str, stack: Tuple[str, ...] = ()) -> List[Alt]:
        items = _split_items(pattern)
        if not items:
            raise PatternError("empty pattern")
        slots = []
        for it in items:
            if it.startswith("("):
                close = it.rfind(")")
                if close < 0:
                    raise PatternError(f"unbalanced group in {pattern!r}")
                op = it[close + 1:] or None
                slots.append(self._group(it[1:close], op, stack))
            else:
                slots.append(self._item(it, stack))
        out: List[Alt] = []
        for combo in itertools.product(*slots):
            seq: Alt = []
            for alt in combo:
                seq.extend(alt)
            if seq:
                out.append(seq)
        if len(out) > self.max_variants:
            raise PatternError(f"pattern expands to {len(out)} variants: {pattern!r}")
        return out


def _merge_simple(alts: List[Alt]) -> List[Alt]:
    """Fold one-word alternatives into a single IN-spec (keeps patterns few)."""
    lowers: List[str] = []
    lemmas: List[str] = []
    rest: List[Alt] = []
    for alt in alts:
        if len(alt) == 1 and len(alt[0]) == 1:
            (attr, v), = alt[0].items()
            if attr in ("LOWER", "LEMMA"):
                vals = [v] if isinstance(v, str) else (v.get("IN") if isinstance(v, dict) and set(v) == {"IN"} else None)
                if vals is not None:
                    (lowers if attr == "LOWER" else lemmas).extend(vals)
                    continue
        rest.append(alt)
    out: List[Alt] = []
    for attr, vals in (("LOWER", lowers), ("LEMMA", lemmas)):
        if vals:
            u = sorted(set(vals))
            out.append([{attr: u[0]} if len(u) == 1 else {attr: {"IN": u}}])
    return out + rest


def _split_items(pattern: str) -> List[str]:
    """Split on spaces, keeping "( ... )" groups (with a trailing ?) as one item."""
    out: List[str] = []
    depth = 0
    cur = ""
    for ch in pattern:
        if ch == "(":
            if depth == 0 and cur.rstrip("?*+").endswith(")"):
                raise PatternError(f"missing space between groups in {pattern!r}")
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth < 0:
                raise PatternError(f"unbalanced ) in {pattern!r}")
        if ch.isspace() and depth == 0:
            if cur:
                out.append(cur)
            cur = ""
        else:
            cur += ch
    if depth:
        raise PatternError(f"unbalanced ( in {pattern!r}")
    if cur:
        out.append(cur)
    return out


def _split_top(body: str, sep: str) -> List[str]:
    parts, depth, cur = [], 0, ""
    for ch in body:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == sep and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    return parts


# --------------------------------------------------------------------- anchors
def _anchor(seq: Alt, commonness) -> Optional[Tuple[str, Tuple[str, ...]]]:
    best = None
    best_score = None
    for spec in seq:
        if spec.get("OP") in ("?", "*"):
            continue
        for attr in ("LEMMA", "LOWER"):
            v = spec.get(attr)
            if v is None:
                continue
            if isinstance(v, str):
                vals: Tuple[str, ...] = (v,)
            elif isinstance(v, dict) and "IN" in v:
                vals = tuple(v["IN"])
            else:
                continue
            score = max(commonness(x) for x in vals) + 0.01 * len(vals)
            if best_score is None or score < best_score:
                best, best_score = (attr, vals), score
    return best


Req = Tuple[str, FrozenSet[str]]


def _required(seq: Alt) -> List[Req]:
    """The word/lemma sets a pattern cannot match without (one per required token)."""
    out: List[Req] = []
    for spec in seq:
        if spec.get("OP") in ("?", "*"):
            continue
        for attr in ("LEMMA", "LOWER"):
            v = spec.get(attr)
            if isinstance(v, str):
                out.append((attr, frozenset((v,))))
            elif isinstance(v, dict) and set(v) == {"IN"}:
                out.append((attr, frozenset(v["IN"])))
    return out


class RuleSet:
    """Rules compiled into small, pre-gated spaCy Matchers.

    Patterns of one word are looked up in a dict. Longer patterns are grouped
    by their full set of required words; a group's Matcher runs on a sentence
    only when EVERY required word (or lemma) of the group occurs in it, so a
    typical message runs a handful of tiny Matchers instead of thousands of
    patterns.
    """

    def __init__(self, vocab, rules: List[Rule], compiler: Compiler, commonness, transform=None):
        self.rules: Dict[str, Rule] = {}
        self._lex: Dict[str, Dict[str, List[str]]] = {"LOWER": {}, "LEMMA": {}}
        self._matchers: List[Matcher] = []
        self._sigs: List[Tuple[Tuple[bool, FrozenSet[str]], ...]] = []
        self._windows: List[Tuple[bool, FrozenSet[str], Optional[int]]] = []
        self._by_anchor: Dict[str, Dict[str, List[int]]] = {"LOWER": {}, "LEMMA": {}}
        groups: Dict[Tuple[Req, ...], List[Tuple[str, Alt]]] = {}
        n = 0
        for rule in rules:
            if rule.id in self.rules:
                raise PatternError(f"duplicate rule id {rule.id}")
            self.rules[rule.id] = rule
            if not rule.patterns:
                raise PatternError(f"rule {rule.id} has no patterns")
            for p in rule.patterns:
                try:
                    seqs = compiler.compile(str(p))
                except PatternError as exc:
                    raise PatternError(f"{rule.id}: {exc}") from None
                for seq in seqs:
                    n += 1
                    req = _required(seq)
                    if not req:
                        raise PatternError(f"{rule.id}: pattern {p!r} has no required word")
                    if len(seq) == 1 and len(seq[0]) == 1 and "OP" not in seq[0]:
                        attr, vals = req[0]
                        for v in vals:
                            lst = self._lex[attr].setdefault(v, [])
                            if rule.id not in lst:
                                lst.append(rule.id)
                        continue
                    sig = tuple(sorted(set(req), key=lambda r: (r[0], sorted(r[1]))))
                    groups.setdefault(sig, []).append((rule.id, seq))
        self.n_patterns = n

        def rarity(r: Req) -> float:
            return max(commonness(x) for x in r[1]) + 0.01 * len(r[1])

        # Merge signatures that share their two rarest requirements: fewer, slightly
        # larger Matchers; the merged gate keeps only the requirements ALL members have.
        merged: Dict[Tuple, Tuple[Set[Req], List[Tuple[str, Alt]]]] = {}
        for sig, entries in groups.items():
            ordered = sorted(sig, key=rarity)
            key = tuple(ordered[:2])
            if key in merged:
                common, lst = merged[key]
                common.intersection_update(sig)
                lst.extend(entries)
            else:
                merged[key] = (set(sig), list(entries))
        for key, (common, entries) in merged.items():
            m = Matcher(vocab, validate=False)
            by_rule: Dict[str, List[Alt]] = {}
            for rid, seq in entries:
                by_rule.setdefault(rid, []).append(transform(seq) if transform else seq)
            for rid, seqs in by_rule.items():
                m.add(rid, seqs)
            gi = len(self._matchers)
            self._matchers.append(m)
            anchor = min(common, key=rarity)
            attr, vals = anchor
            rest = sorted((r for r in common if r != anchor), key=rarity)
            # the remaining requirements, rarest first, so the gate fails fast
            self._sigs.append(tuple((a == "LOWER", v) for a, v in rest))
            # longest possible match (None = unbounded): the Matcher then runs only on a
            # window around the anchor word, since its cost grows with the tokens it sees
            lens = [None if any(sp.get("OP") in ("+", "*") for sp in seq) else len(seq) for _, seq in entries]
            self._windows.append((attr == "LOWER", vals, None if None in lens else max(lens)))
            for v in vals:
                self._by_anchor[attr].setdefault(v, []).append(gi)
        self._strings = vocab.strings
        self._lex_keys = (frozenset(self._lex["LOWER"]), frozenset(self._lex["LEMMA"]))
        self._anc_keys = (frozenset(self._by_anchor["LOWER"]), frozenset(self._by_anchor["LEMMA"]))

    def could_match(self, lowers: Set[str], lemmas: Set[str]) -> bool:
        """Cheap whole-message pre-check (no Doc needed): can any pattern match at all?"""
        lex_lo_keys, lex_le_keys = self._lex_keys
        if not lex_lo_keys.isdisjoint(lowers) or not lex_le_keys.isdisjoint(lemmas):
            return True
        anc_lo, anc_le = self._by_anchor["LOWER"], self._by_anchor["LEMMA"]
        sigs = self._sigs
        for index, present in ((anc_lo, self._anc_keys[0] & lowers), (anc_le, self._anc_keys[1] & lemmas)):
            for w in present:
                for gi in index[w]:
                    for is_lower, vals in sigs[gi]:
                        if vals.isdisjoint(lowers if is_lower else lemmas):
                            break
                    else:
                        return True
        return False

    def find(self, doc, lowers: Sequence[str], lemmas: Sequence[str],
             spans: Sequence[Tuple[int, int]]) -> List[Tuple[Rule, int, int]]:
        """All matches inside the given token ranges (sentences)."""
        lex_lo, lex_le = self._lex["LOWER"], self._lex["LEMMA"]
        anc_lo, anc_le = self._by_anchor["LOWER"], self._by_anchor["LEMMA"]
        lex_lo_keys, lex_le_keys = self._lex_keys
        anc_lo_keys, anc_le_keys = self._anc_keys
        rules = self.rules
        strings = self._strings
        sigs = self._sigs
        seen: Set[Tuple[str, int, int]] = set()
        out: List[Tuple[Rule, int, int]] = []
        for a, b in spans:
            lo = lowers[a:b]
            le = lemmas[a:b]
            slo = set(lo)
            sle = set(le)
            # one-word rules: only walk the tokens when a key word is present
            if not lex_lo_keys.isdisjoint(slo) or not lex_le_keys.isdisjoint(sle):
                for i in range(b - a):
                    for rids in (lex_lo.get(lo[i]), lex_le.get(le[i])):
                        if rids:
                            for rid in rids:
                                key = (rid, a + i, a + i + 1)
                                if key not in seen:
                                    seen.add(key)
                                    out.append((rules[rid], a + i, a + i + 1))
            hit_lo = anc_lo_keys & slo
            hit_le = anc_le_keys & sle
            if not hit_lo and not hit_le:
                continue
            cands: Set[int] = set()
            for w in hit_lo:
                cands.update(anc_lo[w])
            for w in hit_le:
                cands.update(anc_le[w])
            windows = self._windows
            for gi in cands:
                ok = True
                for is_lower, vals in sigs[gi]:
                    if vals.isdisjoint(slo if is_lower else sle):
                        ok = False
                        break
                if not ok:
                    continue
                is_lower, avals, maxlen = windows[gi]
                wa, wb = a, b
                if maxlen is not None and maxlen < b - a:
                    seq_ = lo if is_lower else le
                    pos = [i for i in range(b - a) if seq_[i] in avals]
                    if pos:
                        wa = max(a, a + pos[0] - maxlen + 1)
                        wb = min(b, a + pos[-1] + maxlen)
                for mid, s, e in self._matchers[gi](doc[wa:wb]):
                    rid = strings[mid]
                    key = (rid, s + wa, e + wa)
                    if key in seen:
                        continue
                    seen.add(key)
                    out.append((rules[rid], s + wa, e + wa))
        out.sort(key=lambda t: (t[1], t[2], t[0].id))
        return out


def count_sets(rules: Iterable[Rule], compiler: Compiler) -> Dict[Tuple[str, FrozenSet[str]], int]:
    """How often each multi-word IN-set occurs in the compiled patterns."""
    counts: Dict[Tuple[str, FrozenSet[str]], int] = {}
    for rule in rules:
        for p in rule.patterns:
            for seq in compiler.compile(str(p)):
                for spec in seq:
                    for attr in ("LOWER", "LEMMA"):
                        v = spec.get(attr)
                        if isinstance(v, dict) and "IN" in v:
                            key = (attr, frozenset(v["IN"]))
                            counts[key] = counts.get(key, 0) + 1
    return counts


def _rule_from(entry: dict, defaults: dict, source: str) -> Rule:
    if not isinstance(entry, dict) or "id" not in entry:
        raise PatternError(f"{source}: every rule needs an id")
    d = dict(defaults)
    d.update(entry)
    pats = d.get("patterns")
    if pats is None and "pattern" in d:
        pats = [d["pattern"]]
    sup = d.get("suppresses", ("*",))
    if isinstance(sup, str):
        sup = (sup,)
    return Rule(
        id=str(d["id"]),
        category=str(d.get("category", "")),
        severity=str(d.get("severity", "crisis")),
        kind=str(d.get("kind", "statement")),
        negatable=bool(d.get("negatable", True)),
        experiencer=str(d.get("experiencer", "auto")),
        on_historical=str(d.get("on_historical", "concern")),
        requires_agent=bool(d.get("requires_agent", False)),
        hypothetical_ok=bool(d.get("hypothetical_ok", False)),
        patterns=[str(p) for p in (pats or [])],
        examples=[str(x) for x in d.get("examples") or []],
        kind_mod=str(d.get("type", "")),
        direction=str(d.get("direction", "forward")),
        window=int(d.get("window", 8)),
        suppresses=tuple(str(x) for x in sup),
        unless=[str(x) for x in d.get("unless") or []],
        scope=str(d.get("scope", "overlap")),
        requires_context=[str(x) for x in d.get("requires_context") or []],
        description=str(d.get("description", "")),
    )


@dataclass
class PatternData:
    macros: Dict[str, List[str]]
    terminators: List[str]
    targets: List[Rule]
    modifiers: List[Rule]
    exceptions: List[Rule]
    modifier_lists: dict
    normalisation: dict
    weak: List[Rule] = field(default_factory=list)
    weak_min_families: int = 2


def load_pattern_data() -> PatternData:
    macros_doc = _load_yaml("_macros.yml")
    macros = {str(k): [str(x) for x in v] for k, v in (macros_doc.get("macros") or {}).items()}
    mods_doc = _load_yaml("modifiers.yml")
    terminators = [str(x) for x in mods_doc.get("terminators") or []]
    targets: List[Rule] = []
    for fname in CATEGORY_FILES:
        doc = _load_yaml(fname)
        defaults = dict(doc.get("defaults") or {})
        defaults.setdefault("category", doc.get("category"))
        for entry in doc.get("rules") or []:
            targets.append(_rule_from(entry, defaults, fname))
    modifiers = [_rule_from(e, {}, "modifiers.yml") for e in mods_doc.get("modifiers") or []]
    exc_doc = _load_yaml("benign_exceptions.yml")
    exceptions = [_rule_from(e, {}, "benign_exceptions.yml") for e in exc_doc.get("exceptions") or []]
    lists = {k: v for k, v in mods_doc.items() if k not in ("modifiers", "terminators")}
    weak_doc = _load_yaml("weak_signals.yml")
    weak = [_rule_from(e, {"category": "past_or_ambiguous", "severity": "concern"}, "weak_signals.yml")
            for e in weak_doc.get("families") or []]
    return PatternData(macros, terminators, targets, modifiers, exceptions, lists,
                       _load_yaml("normalisation.yml"), weak, int(weak_doc.get("min_families", 2)))


def literal_words(rules: Iterable[Rule], macros: Dict[str, List[str]]) -> Set[str]:
    """Every plain word/lemma written in the given rules (for the key vocabulary)."""
    out: Set[str] = set()

    def walk(text: str) -> None:
        for item in text.replace("(", " ").replace(")", " ").replace("|", " | ").split():
            item = item.rstrip("?*+").lstrip("!")
            for part in item.split("|"):
                if part.startswith("@"):
                    for e in macros.get(part[1:], []):
                        walk(e)
                elif part.startswith("^"):
                    out.add(part[1:])
                elif part and part[0].isalpha():
                    out.add(part)

    for r in rules:
        for p in r.patterns:
            walk(p)
    return out
