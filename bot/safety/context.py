"""ConText-style reasoning: does a matched crisis phrase really describe a crisis?

Why: the same words mean different things in context. "suicidal" is a crisis
in "I'm suicidal", a denial in "I'm not suicidal", history in "I was suicidal
in college", a third party in "my son is suicidal" and a general question in
"does TMS cause suicidal thoughts?". Following the ConText algorithm (Harkema
et al. 2009) each target is checked against modifier triggers (negation,
pseudo-negation, historical, present, hypothetical/causal question, topic,
experiencer) found in the SAME sentence, within the trigger's scope, which
ends at a termination word ("but", "however") or the sentence end.

Deliberate asymmetries, because a miss can cost a life:
  * negation only cancels a target when it is directly attached to it (only
    filler words like "have any thoughts of" in between) and the target is
    negatable: "don't want to live" is itself a target, never a denial;
  * anything the rules cannot place defaults to "self" and to crisis;
  * history turns a crisis into "concern" (still flagged), never into benign,
    except for purely medical history ("I had a seizure as a kid").
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, FrozenSet, List, Optional, Sequence, Set, Tuple

from .patterns import Rule

# modifier types
NEG, POSTNEG, PSEUDO = "NEG", "POSTNEG", "PSEUDO"
HIST, HIST_RESOLVED, PRESENT = "HIST", "HIST_RESOLVED", "PRESENT"
CAUSE, CAUSE_BACK, HYPO, HYPO_Q, TOPIC, TOPIC_MSG, EFFICACY = "CAUSE", "CAUSE_BACK", "HYPO", "HYPO_Q", "TOPIC", "TOPIC_MSG", "EFFICACY"
SELF, OTHER, GENERIC = "SELF", "OTHER", "GENERIC"
UNLESS, REQUIRE, EMBED, AFFIRM = "UNLESS", "REQUIRE", "EMBED", "AFFIRM"
PRESENT_MASK, HYPO_Q_BACK = "PRESENT_MASK", "HYPO_Q_BACK"
PERSONAL = "PERSONAL"   # "asking for me": a general-looking question is about the writer
MOD_TYPES = {PERSONAL, NEG, POSTNEG, PSEUDO, HIST, HIST_RESOLVED, PRESENT, CAUSE, CAUSE_BACK, HYPO, HYPO_Q, TOPIC_MSG,
             TOPIC, EFFICACY, SELF, OTHER, GENERIC, UNLESS, PRESENT_MASK, HYPO_Q_BACK}


@dataclass(frozen=True)
class Mod:
    type: str
    rule: Rule
    start: int
    end: int


@dataclass(frozen=True)
class Verdict:
    """What one target means in context. `fire` False = suppressed (with reason)."""

    fire: bool
    category: Optional[str]
    severity: str
    subject: str
    rule: Rule
    start: int
    end: int
    suppressed_by: Optional[str] = None


class DocView:
    """Per-message token facts the context rules need (computed once)."""

    __slots__ = ("lowers", "sent", "clause", "comma")

    def __init__(self, lowers: Sequence[str], sent_ids: Sequence[int], terminators: FrozenSet[str]):
        self.lowers = lowers
        self.sent = sent_ids
        clause: List[int] = []
        comma: List[int] = []
        c = 0
        k = 0
        prev_sent = -1
        for i, w in enumerate(lowers):
            if sent_ids[i] != prev_sent:
                c += 1
                prev_sent = sent_ids[i]
            if w in terminators:
                c += 1
            clause.append(c)
            if w in (",", ";", ":", "\u2026", "-", "(", ")"):
                k += 1
            comma.append(k)
        self.clause = clause
        self.comma = comma


class ContextRules:
    """Applies the modifier logic. Word lists come from modifiers.yml."""

    def __init__(self, lists: dict):
        def s(key: str) -> FrozenSet[str]:
            return frozenset(str(x) for x in lists.get(key) or [])

        self.neg_filler = s("negation_filler")
        self.link_filler = s("linkage_filler")
        pr = lists.get("pronouns") or {}
        self.pron: Dict[str, str] = {}
        for cls, key in ((SELF, "self"), (OTHER, "other"), (GENERIC, "generic")):
            for w in pr.get(key) or []:
                self.pron[str(w)] = cls
        self.neg_window = int(lists.get("negation_window", 4))
        self.exp_window = int(lists.get("experiencer_window", 12))
        self.link_window = int(lists.get("linkage_window", 5))
        self.postneg_window = int(lists.get("postnegation_window", 3))
        self.nonperson = frozenset(str(x) for x in lists.get("non_person_subjects") or [])

    # ------------------------------------------------------------ helpers
    def _in_match_experiencer(self, lowers: Sequence[str], s: int, e: int) -> Optional[str]:
        for i in range(s, e):
            c = self.pron.get(lowers[i])
            if c:
                return c
        return None

    def _context_experiencer(self, dv: DocView, mods: List[Mod], s: int, linked: bool) -> Tuple[Optional[str], Optional[Mod]]:
        best: Optional[Mod] = None
        sent = dv.sent[s]
        for m in mods:
            if m.type not in (SELF, OTHER, GENERIC) or m.end > s or dv.sent[m.start] != sent:
                continue
            if s - m.end > self.exp_window:
                continue
            if best is None or m.end > best.end or (m.end == best.end and m.start < best.start):
                best = m
        if best is None:
            return None, None
        if linked:
            # "asks me about suicide": an object "me" after a verb does not own the concept
            if dv.lowers[best.end - 1] == "me" and best.start > 0 and dv.lowers[best.start - 1] not in self.link_filler:
                return None, best
            gap = dv.lowers[best.end:s]
            if len(gap) > self.link_window or any(w not in self.link_filler for w in gap):
                return None, best
        return best.type, best

    def _negated(self, dv: DocView, mods: List[Mod], s: int, e: int) -> Optional[Mod]:
        pseudo = [(m.start, m.end) for m in mods if m.type == PSEUDO]
        for m in mods:
            if m.type == NEG and m.end <= s and dv.clause[m.end - 1] == dv.clause[s]:
                if any(a <= m.start and m.end <= b for a, b in pseudo):
                    continue
                gap = dv.lowers[m.end:s]
                if len(gap) <= self.neg_window and all(w in self.neg_filler for w in gap):
                    return m
            elif m.type == POSTNEG and m.start >= e:
                gap = dv.lowers[e:m.start]
                if len(gap) <= self.postneg_window and all(not w.isalnum() or w in self.neg_filler for w in gap):
                    return m
        return None

    @staticmethod
    def _in_scope(dv: DocView, m: Mod, s: int, e: int) -> bool:
        """Same clause as the target and within the modifier's window/direction."""
        r = m.rule
        if m.type in (HIST, HIST_RESOLVED, PRESENT):
            a = m.end - 1 if m.end <= s else m.start
            if dv.comma[a] != dv.comma[s if m.end <= s else e - 1]:
                return False
        if m.end <= s:
            if r.direction == "backward":
                return False
            if dv.clause[m.end - 1] != dv.clause[s]:
                return False
            return s - m.end <= r.window
        if m.start >= e:
            if r.direction == "forward":
                return False
            if dv.clause[m.start] != dv.clause[e - 1]:
                return False
            return m.start - e <= r.window
        return True  # overlaps the target

    # ------------------------------------------------------------ verdict
    def judge(self, dv: DocView, rule: Rule, s: int, e: int, mods: List[Mod],
              exceptions: List[Tuple[Rule, int, int]]) -> Verdict:
        """Verdict for one target match doc[s:e] given the sentence's modifiers/exceptions."""
        sent = dv.sent[s]

        def out(fire: bool, category=None, severity="none", subject="self", why=None) -> Verdict:
            return Verdict(fire, category, severity, subject, rule, s, e, why)

        # 1. explicit benign exceptions (idioms, other senses) that overlap the target
        for xr, xs, xe in exceptions:
            overlap = xs < e and s < xe
            if (overlap or xr.scope == "sentence") and dv.sent[xs] == sent:
                sup = xr.suppresses
                if "*" in sup or rule.category in sup or rule.id in sup or rule.kind in sup:
                    return out(False, why=xr.id)

        # modifiers of this sentence (not those inside the target itself)
        smods = [m for m in mods if dv.sent[m.start] == sent and not (s <= m.start and m.end <= e)]

        # 2. explicit denial ("suicidal? no" may cross the "?" sentence break)
        hist_resolved = any(m.type == HIST_RESOLVED and self._in_scope(dv, m, s, e) for m in smods)
        if rule.negatable:
            near = [m for m in mods if (m.end <= s or m.start >= e) and (
                dv.sent[m.start] == sent or (m.type == POSTNEG and m.start >= e))]
            neg = self._negated(dv, near, s, e)
            if neg is not None:
                if hist_resolved:
                    return out(True, "past_or_ambiguous", "concern", "self")
                return out(False, why=neg.rule.id)

        # 3. experiencer
        exp: Optional[str]
        if rule.experiencer == "self":
            exp = SELF
        else:
            exp = self._in_match_experiencer(dv.lowers, s, e) if rule.experiencer in ("auto", "match") else None
            if exp is None and rule.experiencer in ("auto", "context"):
                exp, _ = self._context_experiencer(dv, smods, s, linked=(rule.kind == "concept"))
                if exp is None and rule.kind == "concept":
                    exp = "unlinked"
            if exp is None:
                exp = "default"

        if rule.requires_agent:
            agent = None
            for m in smods:
                if m.type in (OTHER, GENERIC) and m.end <= s and s - m.end <= self.exp_window and dv.clause[m.end - 1] == dv.clause[s]:
                    if agent is None or m.end > agent.end:
                        agent = m
            # "it hit me", "this hurts me": a thing between the person and the verb is the doer
            if agent is None or any(w in self.nonperson for w in dv.lowers[agent.end:s]):
                return out(False, why="context.no_person_agent")

        # 4. hypothetical / causal / topic questions
        # "(he is) fine now": that "now" says the thing is over, not happening now
        # "does TMS help with suicidal thoughts? asking for me": the question is personal,
        # so topic / treatment-question cues may not cancel it (gentle concern reply instead)
        personal = any(m.type == PERSONAL and sent <= dv.sent[m.start] <= sent + 1 for m in mods)

        def general(why: str) -> Verdict:
            if personal:
                return out(True, "past_or_ambiguous", "concern", "self")
            return out(False, why=why)

        masks = [(m.start, m.end) for m in smods if m.type == PRESENT_MASK]
        present = any(m.type == PRESENT and self._in_scope(dv, m, s, e)
                      and not any(a <= m.start and m.end <= b for a, b in masks) for m in smods)
        cause = next((m for m in smods if (m.type == CAUSE and m.start <= s)
                      or (m.type == CAUSE_BACK and m.start >= e and m.start - e <= m.rule.window
                          and not present and (rule.kind == "concept" or rule.hypothetical_ok))), None)
        if cause is not None:
            return general(cause.rule.id)
        embed = next((m for m in smods if m.type == EMBED and m.end <= s), None)
        # answered yes afterwards: same sentence, or the next two for strong answers
        # ("...asked if I'm planning to kill myself. The answer is yes.")
        if embed is not None and not any(
                m.type == AFFIRM and m.start >= e and (dv.sent[m.start] == sent or (
                    m.rule.scope == "next" and sent < dv.sent[m.start] <= sent + 2)) for m in mods):
            return out(False, why=embed.rule.id)
        hypo = next((m for m in smods if m.type == HYPO and m.end <= s), None)
        topic = next((m for m in smods if m.type == TOPIC), None)
        if topic is None and rule.kind == "concept":
            topic = next((m for m in mods if m.type == TOPIC_MSG), None)
        eff = next((m for m in smods if m.type == EFFICACY and m.end <= s), None)
        if hypo is not None and (rule.hypothetical_ok or rule.kind == "concept"):
            return general(hypo.rule.id)
        if rule.hypothetical_ok:
            # the cue may run into the target: "if I [had a seizure] during TMS..."
            hq = next((m for m in smods if m.type == HYPO_Q and m.start < s and self._in_scope(dv, m, s, e)), None)
            if hq is None and rule.kind == "side_effect":
                # "I took my pills and feel dizzy, is that normal?": a side-effect question
                hq = next((m for m in smods if m.type == HYPO_Q_BACK and m.start >= e
                           and m.start - e <= m.rule.window), None)
            if hq is not None:
                return out(False, why=hq.rule.id)
        if exp == GENERIC and rule.kind != "concept" and not rule.hypothetical_ok and any(
                dv.lowers[i] in ("you", "your", "yourself", "u", "ur") for i in range(max(0, s - self.exp_window), s)):
            # "does TMS help if you want to die every day": generic "you" is often the writer
            return out(True, "past_or_ambiguous", "concern", "self")
        if exp == GENERIC:
            if rule.hypothetical_ok:
                return out(False, why="context.generic_hypothetical")
            why = topic or eff or hypo
            if why is not None:
                return general(why.rule.id)
            if rule.kind == "concept":
                return general("context.generic_concept")
            return out(True, "past_or_ambiguous", "concern", "self")
        if exp in ("unlinked", "default"):
            why = topic or (eff if exp == "unlinked" else None)
            if why is not None and rule.category not in ("medical_emergency", "abuse_or_danger"):
                return general(why.rule.id)
            exp = SELF

        hist = any(m.type in (HIST, HIST_RESOLVED) and self._in_scope(dv, m, s, e) for m in smods)
        historical = hist and not present

        # 5. someone else
        if exp == OTHER and rule.kind == "concept":
            prof = next((m for m in smods if m.type == TOPIC and m.rule.id == "topic.professional"), None)
            if prof is not None:
                # a professional remark about someone else's condition ("we had a patient overdose")
                return out(False, why=prof.rule.id)
        if exp == OTHER:
            # someone else's distant past ("my aunt attempted in the 90s") is not a current risk;
            # a bare past tense ("she said she was done") is not enough to decide that
            strong = any(m.type in (HIST, HIST_RESOLVED) and m.rule.id != "hist.past_tense_close"
                         and self._in_scope(dv, m, s, e) for m in smods)
            if strong and not present:
                return out(False, why="context.third_party_history")
            return out(True, "third_party_risk", "crisis", "other")

        # 6. the person themself
        if historical:
            if rule.on_historical == "benign":
                return out(False, why="context.historical_medical")
            if rule.on_historical == "concern":
                return out(True, "past_or_ambiguous", "concern", "self")
        return out(True, rule.category, rule.severity, "self")
