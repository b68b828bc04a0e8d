"""Production settings and the launcher: profiles, refusals, no secrets on disk."""
from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest
import yaml

from bot.production import rasa_main, serve
from bot.production.settings import (LOCK_PASSWORD_ENV, LOCK_STORE_CLASS, TRACKER_PASSWORD_ENV,
                                     TRACKER_STORE_CLASS, ConfigError, resolve)
from tests.helpers import PYTHON, ROOT, base_env

PG = "postgresql://tms:s3cret-pass@db.internal:5433/tms"
# Production (PostgreSQL) needs the shared secrets in the environment.
KEYS = {"SESSION_SECRET": "s" * 32, "ACTION_SERVER_TOKEN": "a" * 32}
REDIS = "redis://:r3dis-pass@cache.internal:6380/2"


def test_embedded_profile_is_the_default():
    settings = resolve({})
    assert settings.profile == "embedded"
    endpoints = settings.endpoints()
    assert endpoints["tracker_store"] == {"type": TRACKER_STORE_CLASS, "dialect": "sqlite",
                                          "db": str(ROOT / ".run" / "tracker.db")}
    assert endpoints["lock_store"] == {"type": "in_memory"}
    assert "event_broker" not in endpoints
    assert settings.interface == "127.0.0.1" and settings.port == 5005
    args = settings.rasa_args(Path("/x/endpoints.yml"))
    assert "--enable-api" not in args and "--cors" not in args
    assert settings.workers == 1


def test_tracker_db_path_and_sqlite_url():
    assert resolve({"TRACKER_DB": "/tmp/t.db"}).tracker.db == "/tmp/t.db"
    assert resolve({"TRACKER_DB_URL": "sqlite:////var/lib/tms/t.db"}).tracker.db == "/var/lib/tms/t.db"


def test_production_profile_keeps_secrets_out_of_the_endpoints_file():
    settings = resolve({"TRACKER_DB_URL": PG + "?sslmode=require", "REDIS_LOCK_URL": REDIS, **KEYS})
    assert settings.profile == "production"
    endpoints = settings.endpoints()
    assert endpoints["tracker_store"] == {
        "type": TRACKER_STORE_CLASS, "dialect": "postgresql", "url": "db.internal", "port": 5433,
        "db": "tms", "username": "tms", "password": "${%s}" % TRACKER_PASSWORD_ENV,
        "query": {"sslmode": "require"}}
    assert endpoints["lock_store"] == {"type": LOCK_STORE_CLASS, "url": "cache.internal",
                                       "port": 6380, "db": 2,
                                       "password": "${%s}" % LOCK_PASSWORD_ENV}
    text = yaml.safe_dump(endpoints)
    assert "s3cret" not in text and "r3dis" not in text
    env = settings.child_env({})
    assert env[TRACKER_PASSWORD_ENV] == "s3cret-pass" and env[LOCK_PASSWORD_ENV] == "r3dis-pass"
    assert env["SANIC_WORKERS"] == "1" and env["RASA_TELEMETRY_ENABLED"] == "false"


def test_percent_encoded_credentials():
    settings = resolve({"TRACKER_DB_URL": "postgresql://u%40x:p%2Fw%3A@h/db", "SINGLE_REPLICA": "true", **KEYS})
    assert settings.tracker.username == "u@x" and settings.tracker.password == "p/w:"


@pytest.mark.parametrize("env, fragment", [
    ({"SANIC_WORKERS": "2"}, "SANIC_WORKERS=2 needs REDIS_LOCK_URL"),
    ({"SANIC_WORKERS": "two"}, "SANIC_WORKERS must be a whole number"),
    ({"SANIC_WORKERS": "0"}, "between 1 and 64"),
    ({"TRACKER_DB_URL": PG}, "REDIS_LOCK_URL is not set"),
    ({"TRACKER_DB_URL": "mysql://u:p@h/db"}, "must start with postgresql://"),
    ({"TRACKER_DB_URL": "postgresql://u:p@h:5432/", "SINGLE_REPLICA": "1"}, "needs a database name"),
    ({"REDIS_LOCK_URL": "http://h:6379/1"}, "redis:// or rediss://"),
    ({"REDIS_LOCK_URL": "redis://h:6379/x"}, "must be a number"),
    ({"REDIS_LOCK_URL": REDIS, "REDIS_CACHE_URL": "redis://:x@cache.internal:6380/2"},
     "same Redis database"),
    ({"REDIS_LOCK_URL": "redis://h/1", "REDIS_LOCK_KEY_PREFIX": "a-b"}, "letters and digits"),
    ({"ENABLE_API": "true"}, "needs RASA_AUTH_TOKEN or JWT_SECRET"),
    ({"ENABLE_API": "true", "RASA_AUTH_TOKEN": "short"}, "at least 16"),
    ({"ENABLE_API": "true", "JWT_SECRET": "x" * 20, "JWT_METHOD": "none"}, "JWT_METHOD"),
    ({"ENABLE_API": "maybe"}, "true or false"),
    ({"ALLOWED_ORIGINS": "*"}, "'*' is not allowed"),
    ({"ALLOWED_ORIGINS": "https://*.clinic.example"}, "'*' is not allowed"),
    ({"ALLOWED_ORIGINS": "clinic.example"}, "is not an origin"),
    ({"EVENT_BROKER_URL": "http://h"}, "amqp:// or kafka://"),
    ({"ACTION_ENDPOINT_URL": "ftp://h"}, "http(s) URL"),
    ({"TICKET_LOCK_LIFETIME": "1"}, "between 5 and 3600"),
])
def test_unsafe_or_unclear_settings_are_refused(env, fragment):
    with pytest.raises(ConfigError, match=None) as error:
        resolve(env)
    assert fragment in str(error.value)


def test_single_replica_postgres_without_redis_is_an_explicit_choice():
    settings = resolve({"TRACKER_DB_URL": PG, "SINGLE_REPLICA": "true", **KEYS})
    assert settings.lock is None and settings.endpoints()["lock_store"] == {"type": "in_memory"}


def test_workers_with_redis_and_lock_lifetime():
    settings = resolve({**KEYS, "TRACKER_DB_URL": PG, "REDIS_LOCK_URL": REDIS, "SANIC_WORKERS": "3",
                        "TICKET_LOCK_LIFETIME": "30"})
    env = settings.child_env({"SANIC_WORKERS": "9"})
    assert env["SANIC_WORKERS"] == "3" and env["TICKET_LOCK_LIFETIME"] == "30"


def test_api_token_is_passed_in_process_only():
    token = "t" * 24
    settings = resolve({"ENABLE_API": "true", "RASA_AUTH_TOKEN": token})
    args = settings.rasa_args(Path("e.yml"))
    assert "--enable-api" in args and token not in " ".join(args)
    env = settings.child_env({})
    assert env["RASA_AUTH_TOKEN"] == token
    assert rasa_main.secret_args(args, env) == ["--auth-token", token]
    jwt = resolve({"ENABLE_API": "true", "JWT_SECRET": "j" * 32})
    assert rasa_main.secret_args(jwt.rasa_args(Path("e.yml")), jwt.child_env({})) == [
        "--jwt-secret", "j" * 32, "--jwt-method", "HS256"]


def test_api_secrets_are_dropped_when_the_api_is_off():
    settings = resolve({"RASA_AUTH_TOKEN": "t" * 24})
    env = settings.child_env({"RASA_AUTH_TOKEN": "t" * 24, "JWT_SECRET": "j" * 32})
    assert "RASA_AUTH_TOKEN" not in env and "JWT_SECRET" not in env
    with pytest.raises(SystemExit):
        rasa_main.secret_args(["run", "--enable-api"], {})


def test_allowed_origins_reach_cors_and_socketio():
    settings = resolve({"ALLOWED_ORIGINS": "https://clinic.example, https://www.clinic.example/"})
    args = settings.rasa_args(Path("e.yml"))
    index = args.index("--cors")
    assert args[index + 1:index + 3] == ["https://clinic.example", "https://www.clinic.example"]
    assert settings.child_env({})["TMS_ALLOWED_ORIGINS"] == \
        "https://clinic.example,https://www.clinic.example"


@pytest.mark.parametrize("url, expected", [
    ("amqp://rasa:pw@mq:5672/?queue=tms", {"type": "pika", "url": "mq", "port": 5672,
                                           "queues": ["tms"], "username": "rasa",
                                           "password": "${TMS_EVENT_BROKER_PASSWORD}"}),
    ("amqps://rasa:pw@mq/clinic", {"type": "pika", "url": "amqps://mq/clinic", "port": 5672,
                                   "queues": ["tms_events"], "username": "rasa",
                                   "password": "${TMS_EVENT_BROKER_PASSWORD}"}),
    ("kafka://k1:9092,k2:9093?topic=tms", {"type": "kafka", "url": ["k1:9092", "k2:9093"],
                                           "topic": "tms", "client_id": "tms-assistant",
                                           "security_protocol": "PLAINTEXT"}),
])
def test_event_broker(url, expected):
    settings = resolve({"EVENT_BROKER_URL": url})
    assert settings.endpoints()["event_broker"] == expected
    if "pw" in url:
        assert settings.child_env({})["TMS_EVENT_BROKER_PASSWORD"] == "pw"


def test_endpoints_file_is_private_and_stale_files_are_removed(tmp_path):
    settings = resolve({"RUN_DIR": str(tmp_path), "TRACKER_DB_URL": PG, "REDIS_LOCK_URL": REDIS, **KEYS})
    stale = tmp_path / "endpoints.999999.yml"
    stale.write_text("old")
    path = serve.write_endpoints(settings)
    assert path.name == f"endpoints.{os.getpid()}.yml"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not stale.exists()
    text = path.read_text()
    assert "s3cret" not in text and "r3dis" not in text
    assert yaml.safe_load(text)["tracker_store"]["password"] == "${%s}" % TRACKER_PASSWORD_ENV


def launcher(env: dict, *args: str) -> subprocess.CompletedProcess:
    clean = base_env()
    for key in ("TRACKER_DB_URL", "REDIS_LOCK_URL", "SANIC_WORKERS", "ENABLE_API",
                "RASA_AUTH_TOKEN", "JWT_SECRET", "ALLOWED_ORIGINS", "EVENT_BROKER_URL"):
        clean.pop(key, None)
    clean.update(KEYS)
    clean.update(env)
    return subprocess.run([PYTHON, "-m", "bot.production.serve", *args], cwd=ROOT, env=clean,
                          capture_output=True, text=True, timeout=120)


def test_launcher_refuses_with_a_clear_message_and_status_2(tmp_path):
    model = tmp_path / "model.tar.gz"
    model.write_bytes(b"x")
    common = {"RUN_DIR": str(tmp_path), "MODEL_PATH": str(model)}
    result = launcher({**common, "ENABLE_API": "true"})
    assert result.returncode == 2
    assert "refusing to start: ENABLE_API=true needs RASA_AUTH_TOKEN" in result.stderr
    result = launcher({**common, "TRACKER_DB_URL": "postgresql://u:p@127.0.0.1:1/tms",
                       "REDIS_LOCK_URL": "redis://127.0.0.1:1/1", "CHECK_TIMEOUT": "0"})
    assert result.returncode == 2
    assert "refusing to start: tracker store: cannot connect" in result.stderr
    assert "p@127" not in result.stderr + result.stdout  # no password in the log
    result = launcher({**common, "MODEL_PATH": str(tmp_path / "missing.tar.gz")})
    assert result.returncode == 2 and "not found" in result.stderr


def test_launcher_check_passes_for_the_embedded_profile(tmp_path):
    model = tmp_path / "model.tar.gz"
    model.write_bytes(b"x")
    result = launcher({"RUN_DIR": str(tmp_path), "MODEL_PATH": str(model),
                       "TRACKER_DB": str(tmp_path / "t.db")}, "--check")
    assert result.returncode == 0, result.stderr
    assert "checks passed" in result.stderr
    assert "profile: embedded" in result.stderr


def test_launcher_checks_postgres_and_redis_for_real(services, tmp_path):
    model = tmp_path / "model.tar.gz"
    model.write_bytes(b"x")
    common = {"RUN_DIR": str(tmp_path), "MODEL_PATH": str(model), "CHECK_TIMEOUT": "0"}
    ok = launcher({**common, "TRACKER_DB_URL": services["TRACKER_DB_URL"],
                   "REDIS_LOCK_URL": services["REDIS_LOCK_URL"]}, "--check")
    assert ok.returncode == 0, ok.stderr
    assert "reachable, dedicated" in ok.stderr
    wrong = services["TRACKER_DB_URL"].replace("tms:", "tms:wrong", 1)
    bad = launcher({**common, "TRACKER_DB_URL": wrong,
                    "REDIS_LOCK_URL": services["REDIS_LOCK_URL"]}, "--check")
    assert bad.returncode == 2 and "password authentication failed" in bad.stderr
    no_redis = launcher({**common, "TRACKER_DB_URL": services["TRACKER_DB_URL"],
                         "REDIS_LOCK_URL": services["REDIS_LOCK_URL"].replace(
                             services["REDIS_PASSWORD"], "nope")}, "--check")
    assert no_redis.returncode == 2 and "lock store" in no_redis.stderr
    # The lock store's Redis database must hold nothing but locks.
    import redis

    client = redis.Redis.from_url(services["REDIS_LOCK_URL"])
    client.set("cache:something", "1")
    try:
        shared = launcher({**common, "TRACKER_DB_URL": services["TRACKER_DB_URL"],
                           "REDIS_LOCK_URL": services["REDIS_LOCK_URL"]}, "--check")
        assert shared.returncode == 2 and "not conversation locks" in shared.stderr
    finally:
        client.delete("cache:something")
        client.close()


def test_rasa_parses_the_final_arguments():
    from rasa.__main__ import create_argument_parser

    token = "t" * 24
    settings = resolve({"ENABLE_API": "true", "RASA_AUTH_TOKEN": token,
                        "ALLOWED_ORIGINS": "https://clinic.example"})
    args = settings.rasa_args(Path("/x/endpoints.yml"))
    args += rasa_main.secret_args(args, settings.child_env({}))
    parsed = create_argument_parser().parse_args(args)
    assert parsed.enable_api is True and parsed.auth_token == token
    assert parsed.cors == ["https://clinic.example"]
    assert parsed.interface == "127.0.0.1" and parsed.endpoints == "/x/endpoints.yml"
    off = create_argument_parser().parse_args(resolve({}).rasa_args(Path("e.yml")))
    assert off.enable_api is False and off.auth_token is None and off.cors is None


@pytest.mark.parametrize("missing", ["SESSION_SECRET", "ACTION_SERVER_TOKEN"])
def test_production_refuses_without_the_shared_secrets(missing):
    env = {"TRACKER_DB_URL": PG, "REDIS_LOCK_URL": REDIS, **KEYS}
    del env[missing]
    with pytest.raises(ConfigError) as error:
        resolve(env)
    assert missing in str(error.value)
    with pytest.raises(ConfigError):
        resolve({**env, missing: "short"})


def test_embedded_secrets_are_generated_private_and_the_action_token_is_a_reference(tmp_path):
    run_dir = tmp_path / "run"
    settings = resolve({"RUN_DIR": str(run_dir)})
    assert run_dir.stat().st_mode & 0o777 == 0o700
    for name in ("session_secret", "action_server_token"):
        assert (run_dir / name).stat().st_mode & 0o777 == 0o600
    token = (run_dir / "action_server_token").read_text().strip()
    assert settings.action_token == token and len(token) >= 32
    assert resolve({"RUN_DIR": str(run_dir)}).action_token == token  # generated once, then kept
    action = settings.endpoints()["action_endpoint"]
    assert action["headers"] == {"Authorization": "Bearer ${TMS_ACTION_TOKEN}"}
    assert token not in yaml.safe_dump(settings.endpoints())
    assert settings.child_env({})["TMS_ACTION_TOKEN"] == token
