"""Train bot/safety/learned.py's model from the corpus in learned.yml.

    python -m bot.safety.train_learned           # train and write model/learned.json.gz
    python -m bot.safety.train_learned --check   # exit 1 when the model is stale

scikit-learn is used here only; the written model is plain JSON (vocabulary with
idf and weight per n-gram, bias, threshold, corpus hash) that learned.py scores
without scikit-learn. Deterministic (lbfgs, fixed folds).
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import sys
from pathlib import Path
from typing import Any, Dict, List, Tuple

import yaml

from bot.safety.learned import MODEL_PATH

ROOT = Path(__file__).resolve().parents[2]
CONFIG = Path(__file__).parent / "learned.yml"


def _set_messages(path: Path) -> List[str]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return [str(text) for items in data.values() for text in (items or [])]


def _nlu_examples(directory: Path) -> Dict[str, List[str]]:
    out: Dict[str, List[str]] = {}
    for path in sorted(directory.glob("*.yml")):
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu", []) or []:
            if "intent" not in block or "examples" not in block:
                continue
            intent = str(block["intent"]).split("/")[0]
            for line in str(block["examples"]).splitlines():
                line = line.strip()
                if line.startswith("- "):
                    out.setdefault(intent, []).append(line[2:].strip())
    return out


def corpus(config: Dict[str, Any]) -> Tuple[List[str], List[int], List[bool], List[Path]]:
    """texts, labels (1 crisis), tricky-benign flags, and the files read."""
    texts: List[str] = []
    labels: List[int] = []
    tricky: List[bool] = []
    files: List[Path] = []
    for label, sources in ((1, config["crisis"]), (0, config["benign"])):
        for source in sources:
            if isinstance(source, str):
                path = ROOT / source
                files.append(path)
                items = _set_messages(path)
                flag = label == 0
            elif "nlu_intent" in source:
                directory = ROOT / "data" / "nlu"
                files.extend(sorted(directory.glob("*.yml")))
                items = _nlu_examples(directory).get(source["nlu_intent"], [])
                flag = False
            elif "exception_examples" in source:
                # the benign senses the patterns' exceptions exist for
                path = ROOT / source["exception_examples"]
                files.append(path)
                entries = yaml.safe_load(path.read_text(encoding="utf-8")).get("exceptions") or []
                items = [str(e) for entry in entries for e in entry.get("examples") or []]
                flag = True
            else:
                directory = ROOT / source["nlu_other_intents"]
                files.extend(sorted(directory.glob("*.yml")))
                items = [t for intent, examples in _nlu_examples(directory).items()
                         if intent != "crisis" for t in examples]
                flag = False
            texts.extend(items)
            labels.extend([label] * len(items))
            tricky.extend([flag] * len(items))
    return texts, labels, tricky, sorted(set(files))


def corpus_hash(files: List[Path]) -> str:
    digest = hashlib.sha256(CONFIG.read_bytes())
    for path in files:
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def current_hash() -> str:
    config = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    return corpus_hash(corpus(config)[3])


def _pipeline(model: Dict[str, Any]) -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline, make_union

    vectorizers = [TfidfVectorizer(analyzer=b["analyzer"], ngram_range=tuple(b["ngram"]),
                                   sublinear_tf=True, min_df=model["min_df"])
                   for b in model["blocks"]]
    return make_pipeline(make_union(*vectorizers),
                         LogisticRegression(C=model["C"], class_weight=model["class_weight"],
                                            max_iter=5000))


def export(pipeline: Any, model: Dict[str, Any]) -> Dict[str, Any]:
    """The fitted pipeline as plain data: per block, n-gram -> [idf, weight]; bias."""
    classifier = pipeline[-1]
    weights = classifier.coef_[0]
    blocks, start = [], 0
    for spec, (_, vectorizer) in zip(model["blocks"], pipeline[0].transformer_list):
        vocab = {}
        for term, index in vectorizer.vocabulary_.items():
            vocab[term] = [float(f"{vectorizer.idf_[index]:.7g}"),
                           float(f"{weights[start + index]:.7g}")]
        blocks.append({"analyzer": spec["analyzer"], "ngram": list(spec["ngram"]),
                       "vocab": dict(sorted(vocab.items()))})
        start += len(vectorizer.vocabulary_)
    return {"bias": float(classifier.intercept_[0]), "blocks": blocks}


def train(config: Dict[str, Any]) -> Dict[str, Any]:
    import numpy as np
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    texts, labels, tricky, files = corpus(config)
    y = np.array(labels)
    out_of_fold = cross_val_predict(_pipeline(config["model"]), texts, y, method="predict_proba",
                                    cv=StratifiedKFold(5, shuffle=True, random_state=0))[:, 1]
    benign_scores = out_of_fold[np.array(tricky)]
    threshold = float(np.quantile(benign_scores, 1 - config["max_false_alarm_out_of_fold"]))
    pipeline = _pipeline(config["model"]).fit(texts, y)
    recall_oof = float((out_of_fold[y == 1] >= threshold).mean())
    return {**export(pipeline, config["model"]), "threshold": threshold,
            "corpus_sha256": corpus_hash(files),
            "trained_on": {"crisis": int(y.sum()), "benign": int(len(y) - y.sum()),
                           "tricky_benign": int(sum(tricky))},
            "out_of_fold": {"recall": recall_oof,
                            "tricky_false_alarm": float((benign_scores >= threshold).mean())}}


def main(argv: List[str] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.safety.train_learned")
    parser.add_argument("--check", action="store_true", help="exit 1 when the model is stale")
    args = parser.parse_args(argv)
    if args.check:
        try:
            with gzip.open(MODEL_PATH, "rt", encoding="utf-8") as handle:
                stored = json.load(handle).get("corpus_sha256")
        except OSError:
            stored = None
        fresh = stored == current_hash()
        print("learned safety model is " + ("up to date" if fresh else "STALE: run "
              "`python -m bot.safety.train_learned`"))
        return 0 if fresh else 1
    config = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    model = train(config)
    MODEL_PATH.parent.mkdir(parents=True, exist_ok=True)
    with gzip.GzipFile(MODEL_PATH, "wb", mtime=0) as handle:
        handle.write(json.dumps(model, sort_keys=True, separators=(",", ":")).encode("utf-8"))
    print(f"wrote {MODEL_PATH.relative_to(ROOT)}: threshold {model['threshold']:.3f}, "
          f"trained on {model['trained_on']}, out-of-fold {model['out_of_fold']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
