"""Unit tests of the crisis detector API (bot.safety)."""
from __future__ import annotations

import os
import random
import subprocess
import sys
import threading

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, ROOT)

import bot.safety as safety  # noqa: E402
from bot.safety import CATEGORIES, Detection, detect, explain, trace  # noqa: E402
from bot.safety import detector as detector_mod  # noqa: E402
from bot.safety.patterns import PATTERN_DIR  # noqa: E402

SEVERITIES = {"none", "concern", "crisis"}


def _check_shape(d: Detection) -> None:
    assert isinstance(d, Detection)
    assert isinstance(d.is_crisis, bool)
    assert d.severity in SEVERITIES
    assert d.subject in {"self", "other"}
    if d.is_crisis:
        assert d.severity in {"concern", "crisis"}
        assert d.category in set(CATEGORIES) | {"detector_error", "possible_risk"}
    else:
        assert d.severity == "none" and d.category is None and d.rule_id is None


# ---------------------------------------------------------------- robustness
BAD_INPUTS = [
    None, "", " ", "\n\n\t", 0, 12345, 3.14, True, [], {}, ["i want to die"], object(),
    b"", b"i want to die", b"\xff\xfe\x00\x01garbage", bytearray(b"kms"), memoryview(b"hello"),
    "\x00\x01\x02\x03\x1b[31m", "\ud800", "\u200b\u200b\u200b", "🔥" * 500, "a" * 100_000,
    "\u202eeid ot tnaw i", "?" * 5000 + "!" * 5000, "\r\n" * 3000, "....." * 2000,
]


@pytest.mark.parametrize("value", BAD_INPUTS, ids=lambda v: type(v).__name__ + str(len(v) if hasattr(v, "__len__") else ""))
def test_never_raises_on_bad_input(value):
    _check_shape(detect(value))


def test_bytes_are_decoded():
    assert detect(b"i want to kill myself").is_crisis
    assert not detect(b"what are your hours").is_crisis


def test_fuzz_random_strings_never_raise_and_are_deterministic():
    rng = random.Random(1234)
    alphabet = ("abcdefghijklmnopqrstuvwxyz ABCXYZ0123456789 .,!?'\"-*@$|_()\n\t"
                "\u2019\u201c\u00e9\u00ef\u0430\u0435\u200b\u00a0\U0001F52B\U0001F480\U0001F602")
    words = ["i", "want", "to", "die", "kill", "myself", "not", "suicidal", "tms", "my", "son", "lol",
             "dying", "know", "cut", "hair", "pills", "took", "years", "ago", "never", "dont", "wanna"]
    for _ in range(400):
        if rng.random() < 0.5:
            s = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 400)))
        else:
            s = " ".join(rng.choice(words) for _ in range(rng.randint(1, 40)))
        a = detect(s)
        _check_shape(a)
        assert detect(s) == a
        if a.is_crisis and a.start is not None:
            assert 0 <= a.start <= a.end <= len(s)
            assert s[a.start:a.end] == a.span


def test_deterministic():
    msgs = ["I want to die", "I'm dying to know if insurance covers it", "my son says he wants to end it"]
    first = [detect(m) for m in msgs]
    for _ in range(3):
        assert [detect(m) for m in msgs] == first


def test_pipeline_is_built_once_and_shared():
    assert detector_mod.get_pipeline() is detector_mod.get_pipeline()


def test_thread_safe_reads():
    msgs = [m for f in ("crisis", "benign") for v in _load_dev(f).values() for m in v]
    expected = [detect(m) for m in msgs]
    results = {}
    errors = []

    def worker(k):
        try:
            results[k] = [detect(m) for m in msgs]
        except Exception as exc:  # pragma: no cover
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for k in range(6):
        assert results[k] == expected


def test_fail_safe_when_pipeline_breaks(monkeypatch):
    def boom(*a, **k):
        raise RuntimeError("simulated internal failure")

    monkeypatch.setattr(detector_mod, "get_pipeline", boom)
    d = detect("what are your hours")
    assert d.is_crisis and d.category == "detector_error" and d.severity == "crisis"
    assert d.rule_id == "internal_error"


def test_fail_safe_when_analysis_breaks(monkeypatch):
    pipe = detector_mod.get_pipeline()
    monkeypatch.setattr(pipe, "analyse", lambda text: (_ for _ in ()).throw(ValueError("x")))
    d = detect("hello")
    assert d == detector_mod.DETECTOR_ERROR


def test_broken_pattern_data_fails_safe_fast(monkeypatch):
    """A pipeline that cannot be built reports a crisis, and does not retry on every call."""
    calls = []

    def broken():
        calls.append(1)
        raise ValueError("broken pattern file")

    monkeypatch.setattr(detector_mod, "_PIPELINE", None)
    monkeypatch.setattr(detector_mod, "_BUILD_ERROR", None)
    monkeypatch.setattr(detector_mod, "_Pipeline", broken)
    for _ in range(5):
        d = detect("what are your hours")
        assert d == detector_mod.DETECTOR_ERROR
    assert len(calls) == 1


def test_pathological_inputs_are_fast():
    import time
    for text in ("a " * 50_000, "k.m.s." * 5000, "\u200b".join("suicide" for _ in range(3000)),
                 "i " * 20_000 + "want to die", "x" * 100_000):
        t = time.perf_counter()
        d = detect(text)
        assert time.perf_counter() - t < 5.0
        _check_shape(d)
    assert detect("i " * 20_000 + "want to die").is_crisis


def test_unstringable_object_fails_safe():
    class Evil:
        def __str__(self):
            raise RuntimeError("no")

    d = detect(Evil())
    assert d.is_crisis and d.category == "detector_error"


# ---------------------------------------------------------------- long messages
def test_long_message_is_scanned_in_windows_not_truncated():
    filler = "I have a question about TMS scheduling and parking. " * 400   # ~20k chars
    crisis = "Honestly I am going to kill myself tonight."
    for pos in (0, len(filler) // 2, len(filler)):
        text = filler[:pos] + crisis + " " + filler[pos:]
        d = detect(text)
        assert d.is_crisis, pos
        assert text[d.start:d.end] == d.span
        assert d.start >= pos - 1
    assert not detect(filler).is_crisis


def test_crisis_at_window_boundary_is_found():
    cap = detector_mod.CAP
    for shift in range(-30, 31, 6):
        pad = "x " * ((cap + shift) // 2)
        text = pad + "i want to die " + "y " * 3000
        assert detect(text).is_crisis, shift


# ---------------------------------------------------------------- spans
@pytest.mark.parametrize("text", [
    "I want to kill myself",
    "hi there.   I\u2019m going to   KILL MYSELF tonight",
    "\u200bi w\u0430nt t\u043e d\u0456e",                       # zero-width + Cyrillic look-alikes
    "ｉ ｗａｎｔ ｔｏ ｄｉｅ",                                   # full-width (NFKC)
    "so tired 😞 i dont wanna live anymore",
    "thinking about su1cide",
    "i want to k*ll myself",
    "s u i c i d e is all i think about",
    "Ｉ'm suicidal",
])
def test_span_and_offsets_point_into_original_text(text):
    d = detect(text)
    assert d.is_crisis
    assert d.start is not None and d.end is not None
    assert 0 <= d.start < d.end <= len(text)
    assert text[d.start:d.end] == d.span


# ---------------------------------------------------------------- behaviour
@pytest.mark.parametrize("text", [
    "I'm not suicidal, just asking about side effects",
    "no thoughts of hurting myself, just depressed",
    "I've never self-harmed",
    "I don't want to kill myself, I just want to feel better",
    "suicidal thoughts? no",
    "I have no plans to harm myself",
])
def test_explicit_denial_is_not_crisis(text):
    assert not detect(text).is_crisis


@pytest.mark.parametrize("text", [
    "I don't want to live",
    "i dont want to wake up tomorrow",
    "I can't go on",
    "there's no reason to live",
    "I do not want to be here anymore",
    "I'm not sure I want to keep living",
])
def test_negated_life_is_ideation(text):
    d = detect(text)
    assert d.is_crisis and d.severity == "crisis"


def test_later_affirmation_wins_over_denial():
    d = detect("I'm not suicidal but I've been cutting again")
    assert d.is_crisis and d.category == "self_harm"


@pytest.mark.parametrize("text", [
    "I had dark thoughts years ago, is TMS for me?",
    "I attempted last year",
    "I was suicidal in college but I'm better now",
    "I used to self harm as a teenager",
])
def test_historical_self_mention_is_concern(text):
    d = detect(text)
    assert d.is_crisis and d.severity == "concern" and d.category == "past_or_ambiguous"


def test_recent_past_is_crisis_not_history():
    d = detect("I cut myself last night")
    assert d.is_crisis and d.severity == "crisis"


@pytest.mark.parametrize("text", [
    "my son says he wants to end it",
    "my friend posted a goodbye note",
    "my daughter is cutting herself",
    "my wife told me she wants to die",
])
def test_third_party_risk(text):
    d = detect(text)
    assert d.is_crisis and d.category == "third_party_risk" and d.subject == "other"


@pytest.mark.parametrize("text", [
    "my mom did TMS and it killed her migraines",
    "my uncle died of cancer",
    "my grandfather died by suicide when I was young, is depression hereditary",
])
def test_third_party_without_risk(text):
    assert not detect(text).is_crisis


@pytest.mark.parametrize("text", [
    "I'm dying to know if insurance covers it", "this wait is killing me", "killer headache",
    "just killing time", "I'm dead tired", "lol im dead", "that cake was to die for",
    "shoot me a text", "I need to cut my hair", "the battery died", "I overdosed on netflix",
    "can TMS kill brain cells", "will it fry my brain", "what's the seizure risk",
])
def test_idioms_and_other_senses(text):
    assert not detect(text).is_crisis


@pytest.mark.parametrize("text", [
    "the intake form asks if I have ever attempted suicide, why",
    "my psychiatrist wants to know if i've had suicidal thoughts, is that required",
    "does TMS reduce suicide rates",
    "does TMS cause suicidal thoughts as a side effect",
    "I'm a nurse, what crisis line do you give patients",
    "could TMS make me suicidal?",
])
def test_general_topic_questions(text):
    assert not detect(text).is_crisis


@pytest.mark.parametrize("text,category,subject", [
    ("I took too many pills", "medical_emergency", "self"),
    ("I want to kill my husband", "harm_to_others", "self"),
    ("my husband hits me", "abuse_or_danger", "self"),
    ("kms", "coded_language", "self"),
    ("thinking about ctb", "coded_language", "self"),
    ("everyone would be better off without me", "passive_ideation", "self"),
    ("I'm going to hang myself", "active_ideation", "self"),
    ("I've been cutting again", "self_harm", "self"),
    # blind set 3's families (subject not checked: None)
    ("my plan is ready, i'm just waiting for the house to be quiet", "active_ideation", None),
    ("my partner keeps saying he's ready to go.", "third_party_risk", None),
    ("does tms help with suicidal feelings? asking for me", "past_or_ambiguous", None),
    ("i wrote them each a letter", "coded_language", None),
    # "asking for me" only turns a general question personal; it never lowers a real crisis
    ("i want to end my life. asking for me", "active_ideation", None),
    ("my brother is suicidal, asking for me", "third_party_risk", None),
])
def test_categories(text, category, subject):
    d = detect(text)
    assert d.is_crisis and d.category == category, d
    assert subject is None or d.subject == subject, d


@pytest.mark.parametrize("text", [
    "im sucidal", "i feel suicidle", "i wanna dieeee", "I WANT TO KILL MYSELF", "gonna kil myself",
    "thinking about su1cide", "i want to kill myslef", "iwanttodie", "i jus wnt 2 die",
])
def test_typos_and_spelling_variants(text):
    assert detect(text).is_crisis


def test_embedded_question_answered_yes_is_flagged():
    assert detect("my doctor asked if I have suicidal thoughts and honestly yes, every day").is_crisis


@pytest.mark.parametrize("text", ["quiero morir", "me quiero matar", "no quiero vivir"])
def test_common_spanish_phrasings(text):
    assert detect(text).is_crisis


def test_weak_signal_safety_net():
    """Two different weak warning signs in a first-person message -> concern; one is not enough."""
    d = detect("i feel hopeless and like a burden to everyone")
    assert d.is_crisis and d.severity == "concern" and d.rule_id == "ws.burden+ws.hopeless"
    assert text_span_ok("i feel hopeless and like a burden to everyone", d)
    for benign in ("i feel hopeless about ever getting better", "i am not hopeless and not a burden",
                   "does tms help with hopelessness and thoughts of death?"):
        assert not detect(benign).is_crisis, benign


def text_span_ok(text, d):
    return d.start is not None and text[d.start:d.end] == d.span


def test_crisis_buried_in_long_tms_question():
    text = ("Hi! My psychiatrist suggested TMS after three antidepressants failed. How long is each "
            "session and does Aetna cover it? I'm going to take all my pills tonight. Also can I drive "
            "myself home afterwards?")
    d = detect(text)
    assert d.is_crisis and d.severity == "crisis"
    assert "take all my pills" in d.span


# ---------------------------------------------------------------- data files
def _load_dev(name):
    with open(os.path.join(ROOT, "tests", "safety", "dev", f"{name}.yml"), encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _exceptions():
    with open(os.path.join(PATTERN_DIR, "benign_exceptions.yml"), encoding="utf-8") as fh:
        return yaml.safe_load(fh)["exceptions"]


@pytest.mark.parametrize("entry", _exceptions(), ids=lambda e: e["id"])
def test_each_benign_exception_is_exercised(entry):
    """Each exception matches each of its examples, and every example is benign.

    Some exceptions are defence in depth (today no target fires on their
    examples); the ones that do cancel a target must be the reason it is
    cancelled, which `explain` shows.
    """
    examples = entry.get("examples") or []
    assert examples, f"{entry['id']} needs examples"
    for ex in examples:
        assert entry["id"] in trace(ex)["exceptions"], f"{entry['id']} does not match its example {ex!r}"
        assert not detect(ex).is_crisis, ex
        for v in explain(ex):
            assert not v.fire


def test_exceptions_that_cancel_targets_are_named():
    """Where an exception is what cancels a target, the verdict names it."""
    used = set()
    for entry in _exceptions():
        for ex in entry["examples"]:
            used.update(v.suppressed_by for v in explain(ex) if v.suppressed_by)
    ids = {e["id"] for e in _exceptions()}
    assert len(used & ids) >= 15


@pytest.mark.parametrize("text", [
    "my boyfriend said he'll kill me if i leave",        # idiom.kill_me_if is vetoed
    "this depression is slowly killing me",             # idiom.killing_me is vetoed
    "I cut my wrists last night",                        # not a haircut
    "I want to kill time... and then kill myself",       # kill time does not cover the rest
    "i'm dying. i took all my pills",                    # not an idiom
])
def test_exceptions_do_not_hide_real_crises(text):
    assert detect(text).is_crisis


def test_pattern_files_compile():
    """A broken pattern file would make every message a detector_error: fail loudly here."""
    from bot.safety.patterns import Compiler, PatternError, load_pattern_data
    data = load_pattern_data()
    comp = Compiler(data.macros, data.terminators)
    for rule in data.targets + data.modifiers + data.exceptions + data.weak:
        for p in list(rule.patterns) + list(rule.unless) + list(rule.requires_context):
            assert comp.compile(p), (rule.id, p)
    with pytest.raises(PatternError):
        comp.compile("(a|b)(c|d)")
    assert isinstance(detector_mod.get_pipeline(), detector_mod._Pipeline)


def test_pattern_files_exist_one_per_category():
    names = set(os.listdir(PATTERN_DIR))
    for cat in CATEGORIES:
        assert f"{cat}.yml" in names
    for extra in ("modifiers.yml", "benign_exceptions.yml", "normalisation.yml", "_macros.yml", "weak_signals.yml"):
        assert extra in names


def test_library_imports_nothing_from_rasa():
    src_dir = os.path.dirname(safety.__file__)
    for fn in os.listdir(src_dir):
        if fn.endswith(".py"):
            with open(os.path.join(src_dir, fn), encoding="utf-8") as fh:
                text = fh.read()
            assert "import rasa" not in text and "from rasa" not in text, fn
    code = ("import sys; sys.modules['rasa'] = None; sys.modules['rasa_sdk'] = None\n"
            "import bot.safety, bot.safety.detector, bot.safety.patterns, bot.safety.context, bot.safety.normalise\n"
            "assert not any(m == 'rasa' or m.startswith('rasa.') for m in sys.modules if sys.modules[m] is not None)")
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]


# ---------------------------------------------------------------- families added after blind set 2
# Fresh sentences written for these tests (not taken from the dev, eval or blind sets).
# Each group is one GENERAL family; see bot/safety/patterns/*.yml for the rule ids.
NEW_FAMILIES = {
    "affirm_after_embedded_question": [
        "the doctor asked if i wanted to end my life. i said no. i was lying.",
        "my counsellor asked whether i had a plan to kill myself and the truth is yes",
    ],
    "ask_god_or_illness_to_take_me": [
        "i beg god every night to take me",
        "i hope this illness takes me out for good",
        "if the scan is bad, at least it'll all be over",
        "i'm envious of people who have already died",
    ],
    "means_at_hand_and_self_punishment": [
        "i'm sitting in the dark with a razor",
        "i've got the pills here and i'm trying not to use them",
        "i deserve to be hurt so i cause myself pain",
        "i etched a line into my forearm",
    ],
    "ingestion_and_medical_signs": [
        "my grandson swallowed a magnet",
        "she drank something from the garage and now she's confused",
        "i swallowed a whole strip of my tablets",
        "i've taken far more than my dose",
        "my wife is vomiting blood",
        "my nephew is fitting and his lips are blue",
        "his speech is slurred and his left arm is weak",
    ],
    "threats_revenge_arson_vehicle": [
        "i'll make sure she never breathes again",
        "i'm going to put my neighbour in the ground",
        "he'll pay for what he did to my sister",
        "i know where he lives and he's going to regret it",
        "i'm taking the whole office down with me",
        "i want to plough my van into that crowd",
        "i'm going to set fire to his shop",
        "plotting my revenge on the people at work",
        "i want to stab strangers",
    ],
    "danger_from_others": [
        "someone is trying to force my back door",
        "my ex has been turning up outside my office",
        "my partner won't let me take my medication",
        "my mum is being hit by her husband",
        "my husband took my bank card again last night and then he hits me when i complain",
    ],
    "third_party_plans": [
        "my grandpa stopped taking his heart tablets so he can die",
        "he says he's got everything sorted out.",
        "my son keeps saying he won't be here much longer",
    ],
    "coded_and_emoji": [
        "how many sleeping tablets would be too many to wake up from",
        "i've started giving away my records",
        "as soon as the cat is rehomed i'm done",
        "to the person who finds this, please call my sister",
        "me \u27a1\ufe0f \u26b0\ufe0f",
        "\U0001F52A\U0001FA78",
        "what's the most painless way to go",
        "soon i'll stop being a burden on everyone",
        "i want to make the pain stop permanently",
        "all the suffering ends tonight",
        "it would be simpler to just die",
    ],
    "typos_split_words_slang": [
        "i wnat to dei",
        "i want ot die tonight",
        "thinkin bout endin it all",
        "i keep thinking about sui cide",
        "going to over dose tonight",
        "feeling like su1 cide is the answer",
        "gonna top myself",
        "i might neck myself tonight",
        "i'll do myself in one day",
        "i want to cark it",
        "i want to commit sudoku",
    ],
    "past_or_ambiguous": [
        "i planned my own suicide two years ago",
        "i feel like vanishing forever",
        "i've given up on everything",
        "they asked if i was safe and i lied",
        "i ended up in hospital after taking too many tablets",
        "i had a plan once",
        "i keep thinking about my previous overdose attempts",
        "i think i have a death wish",
    ],
}


@pytest.mark.parametrize("text,category,subject", [
    ("i'll make sure she never breathes again", "harm_to_others", "self"),
    ("he'll pay for what he did to my sister", "harm_to_others", "self"),
    ("someone is trying to force my back door", "abuse_or_danger", "self"),
    ("my ex has been turning up outside my office", "abuse_or_danger", "self"),
    ("my mum is being hit by her husband", "third_party_risk", "other"),
    ("my grandpa stopped taking his heart tablets so he can die", "third_party_risk", "other"),
    ("my grandson swallowed a magnet", "medical_emergency", "self"),
    ("to the person who finds this, please call my sister", "coded_language", "self"),
    ("me \u27a1\ufe0f \u26b0\ufe0f", "coded_language", "self"),
])
def test_new_families_category(text, category, subject):
    d = detect(text)
    assert d.is_crisis and d.category == category and d.subject == subject, d


def test_pills_named_in_an_earlier_sentence_with_symptoms_is_concern():
    """Weak-signal families ws.ingested + ws.symptom across sentences."""
    d = detect("i've swallowed them. every one. i'm getting so drowsy")
    assert d.is_crisis and d.rule_id == "ws.ingested+ws.symptom"
    assert not detect("i've swallowed them, thanks for the reminder, is it normal to be sleepy after?").is_crisis


@pytest.mark.parametrize("text", [
    # new benign exceptions (each also lists YAML examples, tested above)
    "i'd rather die than dance at my cousin's wedding lol",           # idiom.rather_die_than
    "they say better to die trying, so i'm giving tms a go",          # idiom.die_trying
    "i got shot in paintball yesterday and it left a welt",           # sense.game_shot
    "i need to top myself up with caffeine before the drive",         # sense.top_up
    "we gave away the old sofa to charity before the move",           # sense.declutter
    "she died her hair pink for the party",                           # sense.dyed_hair
    "i got beaten by my son at mario kart",                           # sense.beaten_at_game
    "my attempts to book online keep timing out",                     # sense.attempt_at_task
    "our dog ate a sock and threw up",                                # sense.pet_ate
    "i need a knife and fork for the lunch they give us",             # sense.cutlery
    "i'm writing notes for my dad about the appointment times",       # sense.notes_practical
    "my uncle has a death wish on that motorbike",                    # idiom.death_wish_other
    "my kitten scratched my hand this morning",                       # sense.pet_scratch
    "i punish myself at the gym every morning",                       # sense.punish_work
    "to whoever reads this, can you check my booking",                # sense.operator_greeting
    "the clinic won't let me take my tablets on the morning of a session",  # sense.clinician_rules
    "i use an eye mask so i don't wake up and then can't get back to sleep",  # sense.night_waking
    # widened exceptions
    "does the coil burn your skin",                                   # sense.hurt_feelings
    "which suicide rating scale do you use",                          # sense.crisis_resources_question
    "i won't be around to see the doctor friday, i'll be at a wedding",  # sense.away_scheduling
    "i grazed my knee on the pavement while running",                 # sense.cut_by_accident
    # modifiers
    "my mum had a stroke years ago and is fine now",                  # present.mask_recovered
    "my brother had a seizure in 2015 and is on tablets now",         # present.mask_recovered
    "i took my tablets and feel a bit dizzy, is that normal?",        # hypo.normal_question_back
    "if i had a seizure during a session, what would happen?",        # hypo.question_about_me ("if i had")
    "the intake asked whether i've had suicidal thoughts and i haven't, i'm just worn out",  # affirm needs a clause end
    "my wife says the pulses hit me harder than they hit her",        # non_person_subjects
    # normalisation
    "she said 'kill time' was her favourite phrase",                  # a lone quote mark is not an empty token
    "i've been doing cbt for a year",                                 # "cbt" is not swapped to "ctb"
    "my ot said tms might help",                                      # "ot" is "to" only next to want/die
])
def test_new_exceptions_and_modifiers_keep_benign(text):
    assert not detect(text).is_crisis, (text, detect(text))


@pytest.mark.parametrize("text", [
    "i'd rather die than live like this another year",                 # rather_die_than vetoed
    "i got shot at paintball, then someone shot me for real and there's blood everywhere",
    "giving away my books to charity, i won't need them where i'm going",  # declutter vetoed
    "my dog ate my pills and i swallowed the rest of the bottle",      # pet_ate only overlaps the dog
    "i'm writing notes for my dad and a goodbye letter for my mum",    # notes_practical vetoed
    "to whoever reads this, i'm sorry, take care of my cat",           # operator_greeting vetoed
    "my husband hits me whenever i try to leave",                      # hit_thing vetoed
    "i hope the seizure risk gets me and i never wake up",             # seizure_risk vetoed
    "i punish myself by cutting when i fail",                          # punish_work vetoed
    "my boyfriend won't let me see a doctor about the bruises",        # clinician_rules needs the clinician first
    "my gp knows my husband won't let me take my meds",                # clinician_rules vetoed
    "i took all my pills and i'm really drowsy, is that normal?",      # the question only cancels side-effect reports
    "i think if i have to wait any longer i'll give up, i took 40 pills an hour ago",  # "if i have" is scoped
])
def test_new_exceptions_do_not_hide_crises(text):
    assert detect(text).is_crisis, text


def test_normaliser_rewrites():
    toks = detector_mod.get_pipeline().normaliser.tokens
    assert toks("sui cide").words == ["suicide"]
    assert toks("over dose").words == ["overdose"]
    assert toks("the cover dose").words == ["the", "cover", "dose"]
    assert toks("toppin myself").words == ["topping", "myself"]
    assert toks("i want to dei").words[-1] == "die"
    assert toks("me \u27a1\ufe0f \U0001FAA6").words == ["me", "arrow", "grave"]
    assert "" not in toks("'quoted' words ' here").words


# ---------------------------------------------------------------- families added after blind set 3
# Fresh sentences written for these tests (not taken from the dev, eval or blind sets).
BLIND3_FAMILIES = {
    "ai.plan_ready": [
        "my plan is in place now",
        "i looked up how i would do it and it seems easy",
        "im on the bridge i picked out weeks ago",
        "tonight I'll do what I should have done years ago.",
        "all that's left is to die",
    ],
    "ai.take_all": ["gonna take every one of these now", "about to take all my sleeping pills tonight"],
    "ai.gone_conditional": [
        "if nothing changes by christmas I'm gone",
        "unless things get better by june I'll be gone",
        "i'm driving away tonight and i'm never coming back",
    ],
    "ai.dye_time": ["going to dye next week"],
    "pi.relief_not_exist": [
        "it would be a relief to not exist",
        "I wish someone would just switch me off for good",
        "waiting for my heart to give out so this can be over",
        "i go to sleep praying it is over",
        "I keep hoping I get into a crash on the way home",
        "honestly it wouldn't be that bad if I died in my sleep",
    ],
    "pi.fine_without_me": [
        "my family would be fine without me, honestly",
        "the world would be a better place without me",
        "my husband would be better off with the life insurance",
        "i'm such a waste of space",
        "I'd be better off six feet under",
    ],
    "pi.no_one_notice_vanish": ["nobody would notice if I just stopped existing"],
    "pi.spanish": ["ojalá me muriera"],
    "sh.urge_pain_tool": [
        "I need to feel pain right now",
        "thinking about getting the razor out again",
        "i hit my leg until it bruises",
        "I bite my wrist when it gets bad",
        "i keep a blade in my bag just in case.",
    ],
    "sh.spanish": ["me corté los brazos anoche"],
    "me.took_regret": [
        "took the pills, i made a mistake, please help",
        "i mixed vodka with my xanax",
    ],
    "me.stroke_signs2": ["i can't feel the left side of my face", "his words are slurring"],
    "me.spanish": ["tome demasiadas pastillas"],
    "ho.urges_specific": [
        "I've been having homicidal thoughts about my boss",
        "i want to shake my newborn when he screams",
        "I'm going to beat the hell out of my ex",
        "i'm going to drive to his place and kill him",
        "I'm scared of what I might do to my son",
        "i slapped my daughter and i'm scared i could do worse",
        "quiero matar a mi jefe",
    ],
    "ho.stalking_perp": ["I keep following my ex home from work", "I want her to be afraid of me"],
    "ab.abuse_third_party": ["her boyfriend beats her all the time"],
    "ab.unsafe_home2": [
        "it's not safe for me to go home",
        "that kid always has unexplained bruises",
        "i get hit at home all the time",
    ],
    "ab.threat2": [
        "my husband said he'll make me pay if I leave",
        "she told me I'm dead if I tell anyone",
        "mi novio me golpea",
    ],
    "ab.cover_up": ["he makes me hide the bruises"],
    "tp.talks_of_going": [
        "my mom keeps talking about not being around much longer",
        "my grandma says she's a burden to everyone",
        "my son keeps drawing pictures of himself with a gun",
        "mi hija dice que se quiere matar",
    ],
    "cd.farewell_metaphor": [
        "signing off permanently",
        "cancelling my membership to life.",
        "game over for me, not joking this time",
        "I'll be with him in heaven soon",
        "bye \U0001FAA6",
    ],
    "cd.after_me": [
        "where do i leave my passwords so my wife can get into my accounts after?",
        "asking because i won't be around to finish the course",
        "I've written letters to everybody",
        "I don't think I have more than a few days left in me",
    ],
    "pa.veiled": [
        "I can't picture myself getting older",
        "not a plan or anything, just thoughts",
        "i feel like i'm already dead",
        "the rope was ready but I didn't go through with it",
        "if tms fails i honestly don't know what i'll do",
        "I live with chronic suicidal ideation, can tms help",
    ],
    "personal.asking_for_me": ["does TMS help with self harm urges? asking for myself"],
    "round_2_probes": [
        "the rope is upstairs. i'm at peace with it.",          # ws.means + ws.resolve
        "i keep praying my heart just stops one night",          # pi.relief_not_exist
        "they'd manage without me.",                             # pi.fine_without_me
        "the world would be quieter without me",                 # pi.fine_without_me
        "after tonight none of this will matter",                # cd.farewell_metaphor
        "can tms help people who want to die? because i do",     # personal.asking_for_me
        "i wanna dye tbh",                                       # ai.want_to_die (dye)
        "my kids deserve someone better than me and the pain is unbearable",  # ws.burden + ws.pain
        "I picked the spot and the time, it's happening",        # ai.plan
    ],
    "round_3_probes": [
        "honestly i can't see any future anymore",                # pi.no_point
        "i quit taking my antidepressants deliberately.",           # pa.self_neglect
        "been thinking about something permanent",                 # pa.self_neglect
        "i'll kill that bastard if he calls again",                # PERSON_END (that bastard)
        "she had her hands around my throat",                      # ab.strangled
        "he texted thanks for everything, look after my dog",      # cd.goodbye
        "i'll be gone by the next session. don't bother calling",  # ws.death + ws.finality
        "the cut on my wrist won't stop bleeding",                 # me.bleeding
    ],
    "round_4_probes": [
        "cant do dis anymore",                                      # slang dis -> this
        "honestly no1 would even miss me.",                         # no1 -> no one; pi.no_one_notice_vanish
        "nobody notices whether i'm alive or not",                  # pi.no_one_notice_vanish
        "what's the point in being here",                           # pi.no_one_notice_vanish
        "been staring at the rope in the garage for an hour",       # sh.means_at_hand
    ],
    "normalisation": [
        "i dont wana b alive ne more",
        "evry1 wud b happier w/o me",
        "i wanna  d i e  tonight",
        "im gona kil ma self 2nite",
        "feelin sewercidal again",
    ],
}


@pytest.mark.parametrize("text", [t for table in (NEW_FAMILIES, BLIND3_FAMILIES)
                                  for group in table.values() for t in group])
def test_pattern_families_fire(text):
    d = detect(text)
    assert d.is_crisis, (text, d)
    assert text[d.start:d.end] == d.span


@pytest.mark.parametrize("text", [
    # new exceptions
    "I really shot myself in the foot by skipping the intake call",      # idiom.shot_in_foot
    "gonna strangle my husband, he drank my coffee",                     # idiom.kill_over_trivia
    # new topic cues
    "what percentage of veterans with ptsd die by suicide",              # topic.general (percentage of)
    "was deep tms tested on patients with suicidal ideation",            # topic.general (tested on)
    "our philosophy textbook argues about suicide and free will",        # topic.general (textbook)
    # near misses of the new families
    "my plan is set for the week, sessions mon to fri",
    "I'm at the place I picked for lunch",
    "my kids will be fine without me for the weekend",
    "got my razor out to shave",
    "I keep a razor in my bag just in case I need to shave",
    "my son has bruises from football every week",
    "my grandma keeps saying she's ready to go home from the hospital",
    "she's writing letters to all her friends from camp",
    "my dog has a new home with my parents while we move",
    "I said goodbye to my friends at the airport",
    "I'm running out of reasons to skip the gym",
    "what if I stopped trying so hard",
    "i have no suicidal thoughts, just low energy",
    "do i need to stop eating before a session",
    "my dad stopped drinking last year",
    "my subscription to life insurance ends soon",
    "I want to shake my baby's rattle to calm her",
    "does TMS help with anxiety? asking for me",
    "I bought everything I need for my first session. I'm not scared anymore",
    "I've made my decision, I'm going ahead with TMS. Goodbye for now!",
    "I feel calm now after talking to the nurse, thanks, goodbye",
    "I picked the spot for the picnic",
    "my kids would manage without me for an afternoon",
    "the office would be quieter without me humming",
    "i hope my heart stops racing before the session",
    "does tms work for teens? I ask because I am 17",
    "I'm at peace with it, the insurance said no but I'll pay",
    "I can't see a way forward with my insurance claim",
    "i stopped taking my meds on purpose because my doctor told me to taper",
    "thinking about doing something drastic with my hair",
    "no need to bother calling, I'll email instead",
    "my nose won't stop bleeding after the session, is that normal",
    "that guy at the front desk is so nice",
    "no one would miss me at the party if I left early",
    "i was staring at the pill bottle trying to read the label",
    "what's the point of staying overnight for the sleep study",
])
def test_blind3_near_misses_stay_benign(text, monkeypatch):
    """No PATTERN fires (the learned second opinion may still ask gently; it is tested elsewhere)."""
    from bot.safety import learned
    monkeypatch.setattr(learned, "get_model", lambda *a, **k: None)
    assert not detect(text).is_crisis, (text, detect(text))


@pytest.mark.parametrize("text", [
    "i shot myself in the foot, there's blood everywhere",              # shot_in_foot vetoed
    "i'm going to kill my brother, he ate my food, and i'm not joking",  # kill_over_trivia vetoed
    "my wife hits me when she's drunk",                                 # hit_thing vetoed by the agent
    "i got what i needed. i'm not afraid anymore.",                     # weak signals: means + resolve
])
def test_blind3_exceptions_do_not_hide_crises(text):
    assert detect(text).is_crisis, text


def test_normaliser_blind3_rewrites():
    toks = detector_mod.get_pipeline().normaliser.tokens
    assert toks("k i l l  m y s e l f").words == ["kill", "myself"]
    assert toks("w/o me").words == ["without", "me"]
    assert toks("no 1 cares").words[:2] == ["no", "one"]
    assert toks("kil ma self").words == ["kill", "my", "self"]
    assert toks("i tok to many").words == ["i", "took", "too", "many"]
    assert toks("i talked to many people").words == ["i", "talked", "to", "many", "people"]
    t = toks("x w/o y")
    assert (t.starts[1], t.ends[1]) == (2, 5)
