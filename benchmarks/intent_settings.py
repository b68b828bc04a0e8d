"""Choose the intent model's C and the fallback threshold.

    .venv/bin/python -m benchmarks.intent_settings [C ...]

C: 5-fold cross-validation on the training data (out-of-fold label accuracy,
intents and faq/<topic>). Out-of-fold accuracy is far below hold-out accuracy
(~0.70 vs ~0.95): most training lines are the only example of their phrasing
(boundary cases, single words like "ok" or "howdy"), so a fold that lacks them
is much harder than what patients type. That is fine for comparing C values
but makes out-of-fold confidences useless for a threshold, so the threshold is
chosen on hold-out 1 (the development hold-out, tests/nlu/faq_holdout.yml) and
hold-out 2 is only reported. The threshold rule: a wrong answer costs a
patient more than "could you rephrase?" with topic buttons, so the chosen
threshold maximises correct - 2 x wrong answers among those kept.
"""
from __future__ import annotations

import sys
from typing import Dict, List, Tuple

import numpy as np

from bot.components.intent_model import LinearIntentClassifier, training_label
from bot.components.linear_text import LinearTextModel, build_pipeline
from tests.helpers import ROOT

THRESHOLDS = [0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5]
WRONG_COST = 2.0


def examples() -> Tuple[List[str], List[str]]:
    from rasa.shared.importers.rasa import RasaFileImporter

    importer = RasaFileImporter(config_file=str(ROOT / "config.yml"),
                                domain_path=str(ROOT / "domain.yml"),
                                training_data_paths=[str(ROOT / "data")])
    retrieval = LinearIntentClassifier.get_default_config()["retrieval_intents"]
    texts, labels = [], []
    for message in importer.get_nlu_data().intent_examples:
        label = training_label(message, retrieval)
        if label and message.get("text"):
            texts.append(message.get("text"))
            labels.append(label)
    return texts, labels


def out_of_fold(texts: List[str], labels: List[str], C: float) -> Tuple[np.ndarray, List[str]]:
    from sklearn.model_selection import StratifiedKFold

    config = {**LinearIntentClassifier.get_default_config(), "C": C}
    classes = sorted(set(labels))
    probabilities = np.zeros((len(texts), len(classes)))
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    y = np.array(labels)
    for train, test in folds.split(texts, y):
        pipeline = build_pipeline(config).fit([texts[i] for i in train], y[train])
        columns = [classes.index(c) for c in pipeline[-1].classes_]
        probabilities[np.ix_(test, columns)] = pipeline.predict_proba([texts[i] for i in test])
    return probabilities, classes


def holdout(name: str) -> Tuple[List[str], List[str]]:
    """(texts, labels) of one of tests/nlu_eval.py's hold-outs."""
    from tests.helpers import nlu_examples
    from tests.nlu_eval import HOLDOUTS

    pairs = [(text, label) for label, lines in nlu_examples(HOLDOUTS[name]).items()
             for text in lines]
    return [t for t, _ in pairs], [label for _, label in pairs]


def threshold_table(model: LinearIntentClassifier, texts: List[str],
                    labels: List[str]) -> List[Tuple[float, float]]:
    """Print what each threshold does; return (score, threshold) pairs."""
    from rasa.shared.nlu.training_data.message import Message

    predictions = []
    for text in texts:
        message = model.process([Message(data={"text": text})])[0]
        intent = message.get("intent")
        name = intent["name"]
        if name in model.retrieval_intents:
            name = message.get("response_selector")[name]["response"]["intent_response_key"]
        predictions.append((name, intent["confidence"]))
    print("threshold  kept-correct  kept-wrong  fallback  score")
    scored = []
    for threshold in THRESHOLDS:
        correct = sum(c >= threshold and p == y for (p, c), y in zip(predictions, labels))
        wrong = sum(c >= threshold and p != y for (p, c), y in zip(predictions, labels))
        fallback = len(labels) - correct - wrong
        score = correct - WRONG_COST * wrong
        scored.append((score, threshold))
        print(f"{threshold:9.2f}  {correct:12d}  {wrong:10d}  {fallback:8d}  {score:6.0f}")
    return scored


def main(argv: List[str]) -> None:
    texts, labels = examples()
    print(f"{len(texts)} training examples, {len(set(labels))} labels")
    accuracies: Dict[float, float] = {}
    for C in [float(a) for a in argv] or [10.0, 30.0, 100.0]:
        probabilities, classes = out_of_fold(texts, labels, C)
        predicted = [classes[i] for i in probabilities.argmax(axis=1)]
        accuracies[C] = float(np.mean([p == y for p, y in zip(predicted, labels)]))
        print(f"C={C:g}: out-of-fold accuracy {accuracies[C]:.3f}")
    best_c = max(accuracies, key=accuracies.get)
    config = {**LinearIntentClassifier.get_default_config(), "C": best_c}
    model = LinearIntentClassifier(config, None, None, LinearTextModel.train(config, texts, labels))
    print(f"\nbest C={best_c:g}; hold-out 1 (development), label and confidence as served:")
    chosen = max(threshold_table(model, *holdout("nlu_holdout")))[1]
    print(f"chosen threshold: {chosen:.2f}\n\nhold-out 2 (reported, not used to choose):")
    threshold_table(model, *holdout("nlu_holdout2"))


if __name__ == "__main__":
    main(sys.argv[1:])
