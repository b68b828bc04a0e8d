"""Benchmarks: stock Rasa vs ours (production mode), on this machine, loopback only.

    .venv/bin/python -m benchmarks.bench            # make bench; about 20 min the first time
    .venv/bin/python -m benchmarks.bench --quick    # short smoke run (reuses trained models)

What is compared
* stock: Rasa's default pipeline and policies (a config with no pipeline and
  no policies, as `rasa init` leaves it: Rasa picks its defaults), trained on
  our data and domain, served by plain `rasa run` (in-memory tracker store,
  Rasa's REST channel), one process.
* ours: models/tms.tar.gz (config.yml) served by the production launcher
  (python -m bot.production.serve) on PostgreSQL + Redis from
  scripts/prod/services.sh: one process, SANIC_WORKERS=2, two replicas.
* noguard: ours without bot.components.crisis_guard.CrisisGuard, same
  launcher, one process: the safety layer's cost per REST turn.
All share one action server (python -m bot.production.actions).

Measured: throughput and p50/p95/p99 REST turn latency at 1, 10 and 50
concurrent conversations (each conversation sequential, 10 turns, a crisis
message every 7th turn); server RSS after load; ready time (process start ->
answering); cold training time (fresh Rasa cache); turn 1 vs turn 200 of one
conversation; FAQ hold-out accuracy (tests/nlu_eval.score); crisis recall and
false alarms (the detector's own evaluation, and each model's intent on the
same sentences).

Writes reports/bench.json, reports/bench.md, reports/latency.png. Trained
benchmark models are kept in .run/bench/models with a fingerprint of the data
and config, and reused while those do not change (--retrain forces).
"""
from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

import yaml

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.helpers import (ACTION_SERVER_TOKEN, MODEL, PYTHON, RASA, REPORTS, Server,  # noqa: E402
                           base_env,
                           free_port, rest_say, wait_http)
from tests.production.cluster import (Services, cpu_seconds, machine_cpu,  # noqa: E402
                                      rss_bytes, start_actions, start_replica)
from tests.production.driver import percentile, scripted_text, timed_load  # noqa: E402

BENCH = ROOT / ".run" / "bench"
MODELS = BENCH / "models"
GUARD = "bot.components.crisis_guard.CrisisGuard"
TARGETS = {"throughput_ratio_min": 1.7, "p99_ratio_max": 1.0, "turn200_ratio_max": 1.5}
RUN_ID = hashlib.sha1(str(time.time_ns()).encode()).hexdigest()[:6]
STOCK_CONFIG = {"recipe": "default.v1", "assistant_id": "tms-patient-assistant",
                "language": "en", "pipeline": None, "policies": None}


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


# -- models ---------------------------------------------------------------

def fingerprint(config_text: str) -> str:
    digest = hashlib.sha256(config_text.encode())
    for path in sorted((ROOT / "data").rglob("*")) + [ROOT / "domain.yml"]:
        if path.is_file():
            digest.update(str(path.relative_to(ROOT)).encode())
            digest.update(path.read_bytes())
    for path in sorted((ROOT / "bot" / "components").glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def noguard_config_text() -> str:
    config = yaml.safe_load((ROOT / "config.yml").read_text())
    config["pipeline"] = [c for c in config["pipeline"] if c.get("name") != GUARD]
    return yaml.safe_dump(config, sort_keys=False)


def train(name: str, config_text: str, retrain: bool, cache: Optional[Path] = None,
          cold: bool = True) -> Dict[str, Any]:
    """Train `name` (timed), or reuse a matching earlier one.

    cold: start from an empty Rasa cache (an honest training time). A warm
    `cache` from a model sharing its components makes a variant's training
    nearly free (the no-guard model reuses ours: CrisisGuard is not trainable).
    """
    MODELS.mkdir(parents=True, exist_ok=True)
    model = MODELS / f"{name}.tar.gz"
    record = MODELS / f"{name}.json"
    stamp = fingerprint(config_text)
    if not retrain and model.exists() and record.exists():
        saved = json.loads(record.read_text())
        if saved.get("fingerprint") == stamp:
            log(f"reusing {model.name} (trained in {saved['train_s']:.0f} s)")
            return {"path": str(model), "train_s": saved["train_s"], "reused": True,
                    "cold_cache": saved.get("cold_cache", True)}
    config = BENCH / f"config-{name}.yml"
    config.write_text(config_text)
    cache = cache or BENCH / f"cache-{name}"
    if cold:
        shutil.rmtree(cache, ignore_errors=True)
    log(f"training {name} ({'cold' if cold else 'warm'} cache) ...")
    started = time.time()
    result = subprocess.run(
        [RASA, "train", "--config", str(config), "--domain", "domain.yml", "--data", "data",
         "--out", str(MODELS), "--fixed-model-name", name],
        cwd=ROOT, env=base_env(RASA_CACHE_DIRECTORY=str(cache)), capture_output=True,
        text=True, timeout=3600)
    elapsed = time.time() - started
    if result.returncode != 0 or not model.exists():
        raise RuntimeError(f"training {name} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    record.write_text(json.dumps({"fingerprint": stamp, "train_s": elapsed, "cold_cache": cold}))
    log(f"trained {name} in {elapsed:.0f} s")
    return {"path": str(model), "train_s": elapsed, "reused": False, "cold_cache": cold}


# -- deployments ------------------------------------------------------------

class Deployment:
    def __init__(self, name: str, servers: List[Server], ports: List[int], started: float):
        self.name = name
        self.servers = servers
        self.urls = {f"r{i}": f"http://127.0.0.1:{p}" for i, p in enumerate(ports)}
        self.ready_s = time.time() - started
        # Time to the first answer: "ready" plus however slow the first turn is.
        for port in ports:
            rest_say(port, f"first-{RUN_ID}-{port}", "hello")
        self.first_answer_s = time.time() - started

    def rss_mb(self) -> float:
        return sum(rss_bytes(s.process.pid) for s in self.servers) / 2**20

    def cpu_s(self) -> float:
        return sum(cpu_seconds(s.process.pid) for s in self.servers)

    def stop(self) -> None:
        for server in self.servers:
            server.stop()


def wait_all(servers: List[Server], ports: List[int]) -> None:
    for server, port in zip(servers, ports):
        wait_http(f"http://127.0.0.1:{port}/", server, timeout=600)


def start_stock(model: str, action_port: int, logs: Path) -> Deployment:
    endpoints = BENCH / "endpoints-stock.yml"
    endpoints.write_text(yaml.safe_dump({"action_endpoint": {
        "url": f"http://127.0.0.1:{action_port}/webhook",
        # the action server obeys only calls with the shared token (bot.production.actions)
        "headers": {"Authorization": f"Bearer {ACTION_SERVER_TOKEN}"}}}))
    credentials = BENCH / "credentials-stock.yml"
    credentials.write_text("rest:\n")
    port = free_port()
    started = time.time()
    server = Server("stock", [RASA, "run", "--model", model, "--endpoints", str(endpoints),
                              "--credentials", str(credentials), "--interface", "127.0.0.1",
                              "--port", str(port)], base_env(), logs)
    wait_all([server], [port])
    return Deployment("stock, 1 process", [server], [port], started)


def start_ours(name: str, model: str, action_port: int, logs: Path, services: Dict[str, str],
               replicas: int = 1, workers: int = 1) -> Deployment:
    ports = [free_port() for _ in range(replicas)]
    started = time.time()
    servers = [start_replica(f"{name}-{i}", port, action_port, logs, Path(model), services,
                             wait=False, SANIC_WORKERS=str(workers))
               for i, port in enumerate(ports)]
    wait_all(servers, ports)
    return Deployment(name, servers, ports, started)


def warm_up(deployment: Deployment) -> None:
    for name, url in deployment.urls.items():
        port = int(url.rsplit(":", 1)[1])
        for turn in range(4):
            rest_say(port, f"warm-{RUN_ID}-{name}-{turn % 2}", scripted_text(turn, turn))


def long_conversation(deployment: Deployment, turns: int = 200) -> Dict[str, Any]:
    """One conversation of `turns` turns, back to back; latency of every turn."""
    import aiohttp

    from tests.production.driver import Driver

    async def main() -> List[float]:
        driver = Driver(deployment.urls)
        latencies = []
        sender = f"long-{time.time_ns()}"
        async with aiohttp.ClientSession() as session:
            for turn in range(turns):
                result = await driver.say(session, sender, turn, scripted_text(3, turn))
                if result.outcome == "failed":
                    raise RuntimeError(f"long conversation failed at turn {turn}: {result.error}")
                latencies.append(result.latency * 1000)
        return latencies

    latencies = asyncio.run(main())
    first = sorted(latencies[:10])[5]
    last = sorted(latencies[-10:])[5]
    return {"turns": turns, "turn1_ms": latencies[0], "turn200_ms": latencies[-1],
            "median_turns_1_10_ms": first, "median_turns_191_200_ms": last,
            "ratio_turn200_turn1": latencies[-1] / latencies[0],
            "ratio_median_last10_first10": last / first, "latencies_ms": latencies}


SUPPORT: Dict[str, int] = {}  # name -> pid of shared processes (action server, databases)


def measure_level(deployment: Deployment, level: int, duration: float, round_: int) -> Dict[str, Any]:
    """One load level on one deployment, with CPU accounting.

    server CPU: the deployment's Rasa processes; support: the action server,
    PostgreSQL and Redis; driver: this process; other: everything else busy on
    the machine meanwhile (other people's work), all per completed turn.
    """
    import resource

    def own() -> float:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime

    before = (deployment.cpu_s(), sum(cpu_seconds(p) for p in SUPPORT.values()), own(),
              machine_cpu())
    result = asyncio.run(timed_load(deployment.urls, level, duration, warmup=2.0, seed=round_,
                                    prefix=f"{RUN_ID}-{deployment.name}-r{round_}-c{level}"
                                    .replace(" ", "").replace(",", "")))
    after = (deployment.cpu_s(), sum(cpu_seconds(p) for p in SUPPORT.values()), own(),
             machine_cpu())
    turns = max(1, result["all_turns"])
    server, support, driver = [(a - b) * 1000 / turns for a, b in zip(after[:3], before[:3])]
    busy = after[3][0] - before[3][0]
    wall = after[3][1] - before[3][1]
    result["server_cpu_ms_per_turn"] = server
    result["support_cpu_ms_per_turn"] = support
    result["driver_cpu_ms_per_turn"] = driver
    result["machine_busy_pct"] = 100 * busy / wall if wall else float("nan")
    result["other_cpu_pct"] = 100 * max(0.0, busy - (server + support + driver) * turns / 1000) \
        / wall if wall else float("nan")
    log(f"round {round_} {deployment.name} c={level}: {result['throughput_tps']:.1f} turns/s, "
        f"p50 {result['p50_ms']:.0f} p95 {result['p95_ms']:.0f} p99 {result['p99_ms']:.0f} ms, "
        f"CPU ms/turn server {server:.1f} support {support:.1f} driver {driver:.1f}; machine "
        f"busy {result['machine_busy_pct']:.0f}%, other processes {result['other_cpu_pct']:.0f}%")
    return result


def summarize(rounds: List[Dict[str, Any]]) -> Dict[str, Any]:
    """Rounds of one level: median throughput, percentiles over all rounds' turns."""
    latencies = [x for r in rounds for x in r["latencies_ms"]]
    throughput = sorted(r["throughput_tps"] for r in rounds)
    cpu = sorted(r["server_cpu_ms_per_turn"] for r in rounds)
    support = sorted(r["support_cpu_ms_per_turn"] for r in rounds)
    other = sorted(r["other_cpu_pct"] for r in rounds)
    return {
        "throughput_tps": percentile(throughput, 0.5), "throughput_tps_rounds": throughput,
        "p50_ms": percentile(latencies, 0.50), "p95_ms": percentile(latencies, 0.95),
        "p99_ms": percentile(latencies, 0.99), "turns": sum(r["turns"] for r in rounds),
        "server_cpu_ms_per_turn": percentile(cpu, 0.5),
        "support_cpu_ms_per_turn": percentile(support, 0.5),
        "driver_cpu_ms_per_turn": percentile(sorted(r["driver_cpu_ms_per_turn"] for r in rounds), 0.5),
        "other_cpu_pct": percentile(other, 0.5),
        "failures": sum(r["failures"] for r in rounds),
        "failure_kinds": sorted({k for r in rounds for k in r["failure_kinds"]}),
        "rounds": len(rounds),
    }


# -- quality ------------------------------------------------------------------

QUALITY_SNIPPET = r"""
import asyncio, json, sys, yaml
from pathlib import Path
import tests.nlu_eval as nlu_eval
from tests.nlu_eval import score_all
# The stock pipeline's ResponseSelector has no retrieval_intent, so Rasa files
# its answer under "default" instead of "faq": read either (identical for ours).
original = nlu_eval.predicted_label
def predicted_label(parse):
    selector = parse.get("response_selector") or {}
    if "faq" not in selector and "default" in selector:
        parse = {**parse, "response_selector": {**selector, "faq": selector["default"]}}
    return original(parse)
nlu_eval.predicted_label = predicted_label
model = Path(sys.argv[1])
reports = score_all(model)
report = reports["nlu_holdout"]
from rasa.core.agent import Agent
agent = Agent.load(str(model))
sets = {"crisis": "tests/safety/data/crisis.yml", "benign": "tests/safety/data/benign.yml"}
out = {"faq_accuracy": report["faq_accuracy"], "faq_examples": report["faq_examples"],
       "all_accuracy": report["all_accuracy"]}
if "nlu_holdout2" in reports:
    out["faq_accuracy_holdout2"] = reports["nlu_holdout2"]["faq_accuracy"]
    out["faq_examples_holdout2"] = reports["nlu_holdout2"]["faq_examples"]
async def intents(texts):
    return [((await agent.parse_message(t)).get("intent") or {}).get("name") for t in texts]
for kind, rel in sets.items():
    path = Path(rel)
    if not path.exists():
        continue
    texts = [str(x) for items in (yaml.safe_load(path.read_text()) or {}).values() for x in items or []]
    names = asyncio.run(intents(texts))
    out[f"{kind}_n"] = len(texts)
    out[f"{kind}_as_crisis"] = sum(1 for n in names if n == "crisis")
print("QUALITY " + json.dumps(out))
"""


def model_quality(model: str) -> Dict[str, Any]:
    result = subprocess.run([PYTHON, "-c", QUALITY_SNIPPET, model], cwd=ROOT, env=base_env(),
                            capture_output=True, text=True, timeout=1800)
    for line in result.stdout.splitlines():
        if line.startswith("QUALITY "):
            data = json.loads(line[len("QUALITY "):])
            if data.get("crisis_n"):
                data["crisis_recall"] = data["crisis_as_crisis"] / data["crisis_n"]
            if data.get("benign_n"):
                data["false_alarm_rate"] = data["benign_as_crisis"] / data["benign_n"]
            return data
    raise RuntimeError(f"quality run failed for {model}:\n{result.stderr[-3000:]}")


def detector_eval() -> Dict[str, Any]:
    """bot.safety's own evaluation (tests/safety/test_detector_eval.py), if present."""
    try:
        from tests.safety import test_detector_eval as evaluation
    except Exception as error:  # noqa: BLE001 - not there yet
        return {"available": False, "reason": f"{type(error).__name__}: {error}"}
    out: Dict[str, Any] = {"available": True}
    for name in ("dev", "eval"):
        try:
            recall, false_alarms, _ = evaluation._evaluate(name)
        except BaseException as error:  # noqa: BLE001 - pytest.skip raises BaseException
            out[name] = {"error": f"{type(error).__name__}: {error}"}
            continue
        out[name] = {"recall": recall, "false_alarm_rate": false_alarms}
    return out


# -- reports -----------------------------------------------------------------

def fmt(value: Any, digits: int = 0) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def write_reports(results: Dict[str, Any]) -> None:
    REPORTS.mkdir(exist_ok=True)
    slim = json.loads(json.dumps(results, default=str))
    (REPORTS / "bench.json").write_text(json.dumps(slim, indent=2))
    serving = results["serving"]
    lines = ["# Benchmarks: stock Rasa vs ours", "",
             f"Machine: {results['machine']['cpus']} CPUs, {results['machine']['platform']}; "
             f"{results['started']}; mode: {results['mode']}.", "",
             "## Targets", "", "| target | ours | stock | ratio | goal | met |",
             "|---|---:|---:|---:|---:|:--:|"]
    for target in results["targets"]:
        lines.append(f"| {target['name']} | {fmt(target['ours'], 1)} | {fmt(target['stock'], 1)} | "
                     f"{target['ratio']:.2f} | {target['goal']} | {'yes' if target['met'] else 'NO'} |")
    others = [r["other_cpu_pct"] for d in serving.values() for r in d["levels"].values()]
    if others and max(others) < 5:
        lines += ["", f"The machine was otherwise idle while these were measured (processes "
                      f"outside the benchmark used at most {max(others):.0f}% of its CPU)."]
    elif others:
        lines += ["", f"While these were measured, processes outside the benchmark used "
                      f"{min(others):.0f}-{max(others):.0f}% of the machine's CPU (column 'other' "
                      "below): measured throughput and latency moved with that load. The CPU "
                      "per turn, and the capacity derived from it, do not."]
    capacity = results.get("capacity")
    if capacity:
        lines += ["", "## Capacity from CPU per turn (derived, at 50 concurrent)", "",
                  f"CPU-bound turns/s on an otherwise idle machine with {capacity['cores']} cores: "
                  "each Rasa process uses at most one core (the event loop), and everything "
                  "(servers, action server, PostgreSQL, Redis, load driver) shares the cores.", "",
                  "| deployment | Rasa processes | CPU ms/turn, all | turns/s bound | vs stock |",
                  "|---|---:|---:|---:|---:|"]
        for name, row in capacity["rows"].items():
            lines.append(f"| {name} | {row['processes']} | {row['total_cpu_ms']:.1f} | "
                         f"{row['bound_tps']:.0f} | {row['ratio']:.2f} |")
        lines.append("")
        lines.append(f"With {capacity['more_cores']} cores the same per-turn figures give "
                     f"ours ({capacity['more_cores']} processes) {capacity['more_cores_tps']:.0f} "
                     f"turns/s, {capacity['more_cores_ratio']:.1f}x stock, which cannot use a "
                     "second process at all: its conversations live in one process's memory.")
    lines += ["", "## Throughput and REST turn latency", "",
              f"Median of {results['rounds']} interleaved rounds of {results['duration_per_level_s']:.0f} s "
              "per level (throughput, server CPU); latency percentiles over all rounds' turns.", "",
              "CPU per turn: the deployment's Rasa processes (server) and the shared action server, "
              "PostgreSQL and Redis (support); 'other' is CPU used meanwhile by processes outside "
              "the benchmark, in % of the machine.", "",
              "| deployment | concurrent | turns/s | p50 ms | p95 ms | p99 ms | "
              "server CPU ms/turn | support CPU ms/turn | other % | turns | failures |",
              "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for name, data in serving.items():
        for level, r in data["levels"].items():
            lines.append(f"| {name} | {level} | {r['throughput_tps']:.1f} | {r['p50_ms']:.0f} | "
                         f"{r['p95_ms']:.0f} | {r['p99_ms']:.0f} | "
                         f"{r['server_cpu_ms_per_turn']:.1f} | {r['support_cpu_ms_per_turn']:.1f} | "
                         f"{r['other_cpu_pct']:.0f} | {r['turns']} | {r['failures']} |")
    lines += ["", "## Servers", "", "| deployment | ready s | first answer s | "
              "RSS MiB (all processes, after load) |", "|---|---:|---:|---:|"]
    for name, data in serving.items():
        lines.append(f"| {name} | {data['ready_s']:.1f} | {data['first_answer_s']:.1f} | "
                     f"{data['rss_mb']:.0f} |")
    lines += ["", "## Training", "", "| model | seconds | Rasa cache | measured in an earlier run |",
              "|---|---:|:--:|:--:|"]
    for name, data in results["training"].items():
        lines.append(f"| {name} | {data['train_s']:.0f} | "
                     f"{'cold' if data.get('cold_cache', True) else 'warm (shares ours)'} | "
                     f"{'yes' if data.get('reused') else 'no'} |")
    lines += ["", "## Long conversation (one conversation, turns back to back)", "",
              "| deployment | turn 1 ms | turn 200 ms | median 1-10 ms | median 191-200 ms | "
              "last/first (medians) |", "|---|---:|---:|---:|---:|---:|"]
    for name, data in serving.items():
        lc = data.get("long_conversation")
        if lc:
            lines.append(f"| {name} | {lc['turn1_ms']:.0f} | {lc['turn200_ms']:.0f} | "
                         f"{lc['median_turns_1_10_ms']:.0f} | {lc['median_turns_191_200_ms']:.0f} | "
                         f"{lc['ratio_median_last10_first10']:.2f} |")
    quality = results["quality"]
    lines += ["", "## Quality", "", "| model | FAQ hold-out accuracy | FAQ hold-out 2 accuracy | "
              "crisis sentences -> crisis intent | benign sentences -> crisis intent |",
              "|---|---:|---:|---:|---:|"]
    for name, q in quality.items():
        second = (f"{q['faq_accuracy_holdout2']:.3f} ({q['faq_examples_holdout2']})"
                  if "faq_accuracy_holdout2" in q else "-")
        lines.append(f"| {name} | {q['faq_accuracy']:.3f} ({q['faq_examples']}) | {second} | "
                     f"{fmt(q.get('crisis_recall'), 3)} ({q.get('crisis_as_crisis', '-')}/"
                     f"{q.get('crisis_n', '-')}) | {fmt(q.get('false_alarm_rate'), 3)} "
                     f"({q.get('benign_as_crisis', '-')}/{q.get('benign_n', '-')}) |")
    detector = results["detector"]
    if detector.get("available"):
        for name in ("dev", "eval"):
            d = detector.get(name, {})
            if "recall" in d:
                lines.append(f"\nDetector alone (bot.safety.detect), {name} set: recall "
                             f"{d['recall']:.3f}, false-alarm rate {d['false_alarm_rate']:.3f}.")
    else:
        lines.append(f"\nDetector evaluation not available: {detector.get('reason')}")
    overhead = results.get("safety_overhead")
    if overhead:
        lines += ["", "## Safety layer (CrisisGuard) overhead per REST turn", "",
                  "| concurrent | with guard p50 / p95 ms | without p50 / p95 ms | "
                  "with / without turns/s | with / without server CPU ms/turn |",
                  "|---:|---:|---:|---:|---:|"]
        for level, row in overhead.items():
            lines.append(f"| {level} | {row['with_p50']:.1f} / {row['with_p95']:.1f} | "
                         f"{row['without_p50']:.1f} / {row['without_p95']:.1f} | "
                         f"{row['with_tps']:.1f} / {row['without_tps']:.1f} | "
                         f"{row['with_cpu_ms']:.1f} / {row['without_cpu_ms']:.1f} |")
    lines += ["", "## Notes", ""] + [f"- {note}" for note in results["notes"]]
    (REPORTS / "bench.md").write_text("\n".join(lines) + "\n")
    plot(results)


def plot(results: Dict[str, Any]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    serving = results["serving"]
    figure, (left, right) = plt.subplots(1, 2, figsize=(14, 5.5))
    names = list(serving)
    levels = sorted({int(l) for d in serving.values() for l in d["levels"]})
    width = 0.8 / max(1, len(names))
    for index, name in enumerate(names):
        xs, p50, p99 = [], [], []
        for position, level in enumerate(levels):
            r = serving[name]["levels"].get(str(level))
            if r:
                xs.append(position + index * width)
                p50.append(r["p50_ms"])
                p99.append(r["p99_ms"])
        left.bar(xs, p99, width * 0.9, color=f"C{index}", alpha=0.35)
        left.bar(xs, p50, width * 0.9, color=f"C{index}", label=name)
    left.set_xticks([p + width * (len(names) - 1) / 2 for p in range(len(levels))])
    left.set_xticklabels([f"{l} concurrent" for l in levels])
    left.set_ylabel("REST turn latency (ms)")
    left.set_yscale("log")
    left.set_title("p50 (solid) and p99 (light) turn latency")
    left.legend(fontsize=7, ncol=2)
    for name, data in serving.items():
        lc = data.get("long_conversation")
        if lc:
            right.plot(range(1, len(lc["latencies_ms"]) + 1), lc["latencies_ms"], label=name,
                       linewidth=1)
    right.set_xlabel("turn of one conversation")
    right.set_ylabel("latency (ms)")
    right.set_title("one long conversation")
    right.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(REPORTS / "latency.png", dpi=110)
    plt.close(figure)


# -- main -------------------------------------------------------------------

def targets(serving: Dict[str, Any]) -> List[Dict[str, Any]]:
    """The brief's targets, for each multi-process way of running ours."""
    stock = serving["stock, 1 process"]["levels"]
    out = []
    for name in ("ours, SANIC_WORKERS=2", "ours, 2 replicas"):
        ours = serving.get(name, {}).get("levels", {})
        s50, o50 = stock.get("50"), ours.get("50")
        if s50 and o50:
            ratio = o50["throughput_tps"] / s50["throughput_tps"]
            out.append({"name": f"throughput at 50 concurrent, turns/s: {name} vs stock 1 process",
                        "ours": o50["throughput_tps"], "stock": s50["throughput_tps"],
                        "ratio": ratio, "goal": f">= {TARGETS['throughput_ratio_min']}",
                        "met": ratio >= TARGETS["throughput_ratio_min"]})
        for level in ("1", "10", "50"):
            if level in stock and level in ours:
                ratio = ours[level]["p99_ms"] / stock[level]["p99_ms"]
                out.append({"name": f"p99 latency at {level} concurrent, ms: {name} vs stock",
                            "ours": ours[level]["p99_ms"], "stock": stock[level]["p99_ms"],
                            "ratio": ratio, "goal": f"<= {TARGETS['p99_ratio_max']}",
                            "met": ratio <= TARGETS["p99_ratio_max"]})
    one = serving.get("ours, 1 process", {}).get("long_conversation")
    stock_long = serving["stock, 1 process"].get("long_conversation")
    if one:
        ratio = one["ratio_median_last10_first10"]
        out.append({"name": "turn 200 vs turn 1 (medians of turns 191-200 / 1-10), ms, ours 1 process",
                    "ours": one["median_turns_191_200_ms"], "stock":
                    stock_long["median_turns_191_200_ms"] if stock_long else None,
                    "ratio": ratio, "goal": f"<= {TARGETS['turn200_ratio_max']}",
                    "met": ratio <= TARGETS["turn200_ratio_max"]})
    return out


PROCESSES = {"stock, 1 process": 1, "ours, 1 process": 1, "ours, SANIC_WORKERS=2": 2,
             "ours, 2 replicas": 2, "noguard, 1 process": 1}


def capacity(serving: Dict[str, Any], cores: int, more_cores: int = 4) -> Dict[str, Any]:
    """CPU-bound throughput from the measured CPU per turn at 50 concurrent."""
    rows: Dict[str, Any] = {}

    def bound(server: float, total: float, processes: int, cpus: int) -> float:
        return min(processes * 1000 / server, cpus * 1000 / total)

    for name, data in serving.items():
        level = data["levels"].get("50")
        if not level:
            continue
        processes = PROCESSES.get(name, 1)
        server = level["server_cpu_ms_per_turn"]
        total = (server + level.get("support_cpu_ms_per_turn", 0.0)
                 + level.get("driver_cpu_ms_per_turn", 0.9))
        rows[name] = {"processes": processes, "server_cpu_ms": server, "total_cpu_ms": total,
                      "bound_tps": bound(server, total, processes, cores)}
    stock = rows.get("stock, 1 process")
    for row in rows.values():
        row["ratio"] = row["bound_tps"] / stock["bound_tps"] if stock else float("nan")
    out: Dict[str, Any] = {"cores": cores, "rows": rows, "more_cores": more_cores}
    ours = rows.get("ours, SANIC_WORKERS=2") or rows.get("ours, 1 process")
    if ours and stock:
        out["more_cores_tps"] = bound(ours["server_cpu_ms"], ours["total_cpu_ms"], more_cores,
                                      more_cores)
        out["more_cores_ratio"] = out["more_cores_tps"] / stock["bound_tps"]
    return out


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench")
    parser.add_argument("--quick", action="store_true", help="short smoke run")
    parser.add_argument("--duration", type=float, default=None, help="seconds per load level")
    parser.add_argument("--rounds", type=int, default=None,
                        help="interleaved measurement rounds (default 2; --quick: 1)")
    parser.add_argument("--retrain", action="store_true", help="retrain the benchmark models")
    parser.add_argument("--report-only", action="store_true",
                        help="re-render reports/bench.md and latency.png from reports/bench.json")
    parser.add_argument("--no-train-ours", action="store_true",
                        help="do not time a cold training of ours (report it as unknown)")
    args = parser.parse_args(argv)
    if args.report_only:
        results = json.loads((REPORTS / "bench.json").read_text())
        results["capacity"] = capacity(results["serving"], results["machine"]["cpus"] or 2)
        results["targets"] = targets(results["serving"])
        write_reports(results)
        log(f"re-rendered {REPORTS / 'bench.md'} and latency.png")
        return 0
    duration = args.duration or (4.0 if args.quick else 10.0)
    rounds = args.rounds or (1 if args.quick else 2)
    long_turns = 40 if args.quick else 200
    levels = [1, 10, 50]
    BENCH.mkdir(parents=True, exist_ok=True)
    ours_model = os.environ.get("MODEL_PATH") or str(MODEL)
    if not Path(ours_model).is_absolute():
        ours_model = str(ROOT / ours_model)
    if not Path(ours_model).exists():
        print(f"bench: {ours_model} is missing: run `make train`", file=sys.stderr)
        return 2
    results: Dict[str, Any] = {
        "started": time.strftime("%Y-%m-%d %H:%M:%S"), "mode": "quick" if args.quick else "full",
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                    "python": platform.python_version()},
        "duration_per_level_s": duration, "rounds": rounds, "training": {}, "serving": {}, "quality": {},
        "notes": [],
    }
    started = time.time()
    results["training"]["stock"] = train("stock", yaml.safe_dump(STOCK_CONFIG, sort_keys=False),
                                         args.retrain)
    shutil.rmtree(BENCH / "cache-stock", ignore_errors=True)
    family_cache = BENCH / "cache-ours"
    if not args.no_train_ours and not args.quick:
        results["training"]["ours"] = train("ours", (ROOT / "config.yml").read_text(),
                                            args.retrain, family_cache, cold=True)
    results["training"]["noguard"] = train("noguard", noguard_config_text(), args.retrain,
                                           family_cache, cold=False)
    stock_model = results["training"]["stock"]["path"]
    noguard_model = results["training"]["noguard"]["path"]
    if "ours" in results["training"]:
        # Same config.yml as models/tms.tar.gz, trained now: the same data and
        # config as the no-guard variant, so the guard's overhead is all that differs.
        ours_model = results["training"]["ours"]["path"]
    results["models"] = {"stock": stock_model, "ours": ours_model, "noguard": noguard_model}

    logs = BENCH / "logs"
    logs.mkdir(exist_ok=True)
    backup = {p: p.read_bytes() for p in (REPORTS / f"{name}.{ext}" for name in ("nlu_holdout", "nlu_holdout2")
                                     for ext in ("json", "md"))
              if p.exists()}
    log("quality: FAQ hold-out and crisis sentences, stock and ours ...")
    results["quality"]["stock"] = model_quality(stock_model)
    results["quality"]["ours"] = model_quality(ours_model)
    for path, data in backup.items():
        path.write_bytes(data)
    results["detector"] = detector_eval()

    services = Services.start("bench-services")
    action_port = free_port()
    actions = start_actions(action_port, logs)
    SUPPORT.update(services.pids())
    SUPPORT["actions"] = actions.process.pid
    plans = [
        ("stock, 1 process", lambda: start_stock(stock_model, action_port, logs), levels),
        ("ours, 1 process", lambda: start_ours("ours, 1 process", ours_model, action_port, logs,
                                               services.env), levels),
        ("ours, SANIC_WORKERS=2", lambda: start_ours("ours, SANIC_WORKERS=2", ours_model,
                                                     action_port, logs, services.env,
                                                     workers=2), levels),
        ("ours, 2 replicas", lambda: start_ours("ours, 2 replicas", ours_model, action_port,
                                                logs, services.env, replicas=2), levels),
        ("noguard, 1 process", lambda: start_ours("noguard, 1 process", noguard_model,
                                                  action_port, logs, services.env), [1, 10]),
    ]
    deployments: Dict[str, Deployment] = {}
    try:
        # Started one after the other (ready times measured on an otherwise idle
        # set of servers), then kept running: the load rounds interleave the
        # deployments, so a burst of outside load hits them all alike.
        for name, start, _ in plans:
            deployments[name] = start()
            log(f"{name}: ready in {deployments[name].ready_s:.1f} s, first answer after "
                f"{deployments[name].first_answer_s:.1f} s")
            warm_up(deployments[name])
        raw: Dict[str, Dict[int, List[Dict[str, Any]]]] = {
            name: {level: [] for level in plan_levels} for name, _, plan_levels in plans}
        names = [name for name, _, _ in plans]
        for round_ in range(rounds):
            rotated = names[round_ % len(names):] + names[:round_ % len(names)]
            for level in levels:
                for name in rotated:
                    if level in raw[name]:
                        raw[name][level].append(
                            measure_level(deployments[name], level, duration, round_))
        for name, deployment in deployments.items():
            results["serving"][name] = {
                "ready_s": deployment.ready_s, "first_answer_s": deployment.first_answer_s,
                "levels": {str(level): summarize(rs) for level, rs in raw[name].items()},
                "rss_mb": deployment.rss_mb()}
        for name in ("stock, 1 process", "ours, 1 process"):
            lc = long_conversation(deployments[name], long_turns)
            results["serving"][name]["long_conversation"] = lc
            log(f"{name} long conversation: turn 1 {lc['turn1_ms']:.0f} ms, turn {long_turns} "
                f"{lc['turn200_ms']:.0f} ms; medians {lc['median_turns_1_10_ms']:.0f} -> "
                f"{lc['median_turns_191_200_ms']:.0f} ms")
    finally:
        for deployment in deployments.values():
            deployment.stop()
        actions.stop()
        services.stop()

    with_guard = results["serving"]["ours, 1 process"]["levels"]
    without = results["serving"]["noguard, 1 process"]["levels"]
    results["safety_overhead"] = {
        level: {"with_p50": with_guard[level]["p50_ms"], "with_p95": with_guard[level]["p95_ms"],
                "without_p50": without[level]["p50_ms"], "without_p95": without[level]["p95_ms"],
                "with_tps": with_guard[level]["throughput_tps"],
                "without_tps": without[level]["throughput_tps"],
                "with_cpu_ms": with_guard[level]["server_cpu_ms_per_turn"],
                "without_cpu_ms": without[level]["server_cpu_ms_per_turn"]}
        for level in ("1", "10") if level in with_guard and level in without}
    results["targets"] = targets(results["serving"])
    results["capacity"] = capacity(results["serving"], os.cpu_count() or 2)
    results["notes"] = [
        "All processes (servers, PostgreSQL, Redis, the load driver) share this machine's CPUs; "
        "the load driver runs on the same cores as the servers.",
        "stock = Rasa's default pipeline and policies on our data, `rasa run`, in-memory tracker "
        "store, Rasa's REST channel. ours = config.yml via the production launcher on PostgreSQL "
        "+ Redis (locks), with bounded sessions (SESSION_MAX_TURNS=20) and the speed-ups in "
        "bot/production/speedups.py.",
        "Each conversation is sequential (10 turns, a crisis message every 7th turn); "
        "'concurrent' is the number of conversations in flight. With two replicas each turn "
        "goes to the replica with fewer requests in flight (like nginx least_conn in "
        "scripts/prod/nginx.conf); SANIC_WORKERS=2 shares one socket between the workers.",
        "ready = the HTTP server answers; ours warms its models before it accepts connections "
        "(bot/production/speedups.py), stock does not, so 'first answer' (start -> first REST "
        "reply) is the comparable start-up figure.",
        "ours is served from the model trained in this run (same config.yml as "
        "models/tms.tar.gz) when it was trained, so it differs from 'noguard' only by the guard.",
        "Turn 200 vs turn 1 uses the medians of turns 191-200 and 1-10 (single turns are noisy); "
        "raw turn 1 / turn 200 are in the table and in bench.json.",
        f"Whole run: {(time.time() - started) / 60:.1f} min.",
    ]
    write_reports(results)
    log(f"wrote {REPORTS / 'bench.md'}, bench.json, latency.png")
    for target in results["targets"]:
        log(f"{'met ' if target['met'] else 'MISSED'} {target['name']}: ratio {target['ratio']:.2f} "
            f"({target['goal']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
