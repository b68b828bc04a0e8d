"""Deployment files, checked without a container engine.

docker-compose.yml parses (with YAML merge keys) and has the expected services
and wiring; the image's CMD is exactly the launcher command the scale test
runs; nginx's configuration passes `nginx -t` (when nginx is installed) with
the service names pointed at loopback.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest
import yaml

from bot.production.serve import LAUNCH_COMMAND
from bot.production.settings import resolve
from tests.helpers import PYTHON, ROOT
from tests.production.cluster import launch_args

COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
NGINX = ROOT / "scripts" / "prod" / "nginx.conf"


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load(COMPOSE.read_text())


def dockerfile_instructions():
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            out.append((keyword.upper(), rest.strip()))
    return out


def test_image_cmd_is_exactly_the_launcher_the_tests_run():
    cmds = [rest for keyword, rest in dockerfile_instructions() if keyword == "CMD"]
    assert len(cmds) == 1
    assert json.loads(cmds[0]) == LAUNCH_COMMAND == ["python", "-m", "bot.production.serve"]
    assert launch_args() == [PYTHON, *LAUNCH_COMMAND[1:]]


def test_image_is_locked_down():
    instructions = dockerfile_instructions()
    users = [rest for keyword, rest in instructions if keyword == "USER"]
    assert users and users[-1] not in ("root", "0")
    assert any(keyword == "HEALTHCHECK" for keyword, _ in instructions)
    env = " ".join(rest for keyword, rest in instructions if keyword == "ENV")
    assert "RASA_TELEMETRY_ENABLED=false" in env
    assert "RASA_INTERFACE" not in env, "the image keeps the launcher's loopback default"
    for secret in ("PASSWORD", "TOKEN", "SECRET"):
        assert secret not in env
    ignored = (ROOT / ".dockerignore").read_text().split()
    for path in (".venv", ".git", ".run", ".env", "tests"):
        assert path in ignored


def test_compose_services_and_wiring(compose):
    services = compose["services"]
    assert set(services) == {"postgres", "redis", "rasa-1", "rasa-2", "actions", "nginx"}
    for name in ("rasa-1", "rasa-2"):
        service = services[name]
        assert "command" not in service and "entrypoint" not in service  # the image's CMD
        env = service["environment"]
        assert env["TRACKER_DB_URL"].startswith("postgresql://tms:${POSTGRES_PASSWORD")
        assert env["REDIS_LOCK_URL"].startswith("redis://:${REDIS_PASSWORD")
        assert env["REDIS_LOCK_URL"].endswith("@redis:6379/1")
        assert env["ACTION_ENDPOINT_URL"] == "http://actions:5055/webhook"
        assert env["ENABLE_API"] == "false"
        assert "ports" not in service
        assert service["networks"] == ["backend"]
        assert {"postgres", "redis", "actions"} <= set(service["depends_on"])
    assert services["actions"]["command"] == ["python", "-m", "bot.production.actions"]
    assert services["actions"]["environment"]["ACTION_HOST"] == "0.0.0.0"
    # the replicas and the action server share the token (compose refuses without it)
    assert services["actions"]["environment"]["ACTION_SERVER_TOKEN"] == \
        services["rasa-1"]["environment"]["ACTION_SERVER_TOKEN"] == \
        "${ACTION_SERVER_TOKEN:?set ACTION_SERVER_TOKEN}"
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"nginx"}
    assert compose["networks"]["backend"]["internal"] is True
    assert "scripts/prod/nginx.conf" in services["nginx"]["volumes"][0]
    # The lock store's Redis database is used by nothing else.
    redis_urls = [value for service in services.values()
                  for value in (service.get("environment") or {}).values()
                  if isinstance(value, str) and value.startswith("redis://")]
    assert all(url.endswith("/1") for url in redis_urls)


def test_compose_environment_is_accepted_by_the_launcher(compose):
    env = {key: str(value) for key, value in compose["services"]["rasa-1"]["environment"].items()}
    env = {key: re.sub(r"\$\{(\w+)[^}]*\}", lambda m: {"POSTGRES_PASSWORD": "pg-pass",
                                                        "REDIS_PASSWORD": "redis-pass",
                                                        "SANIC_WORKERS": "1",
                                                        "SESSION_MAX_TURNS": "20",
                                                        "SESSION_SECRET": "s" * 32,
                                                        "ACTION_SERVER_TOKEN": "a" * 32,
                                                        }.get(m.group(1), ""),
                          value) for key, value in env.items()}
    settings = resolve(env)
    assert settings.profile == "production" and settings.interface == "0.0.0.0"
    assert settings.lock.db == 1 and settings.tracker.host == "postgres"
    assert not settings.enable_api


def test_no_secret_literals_in_compose():
    text = COMPOSE.read_text()
    for line in text.splitlines():
        if re.search(r"(PASSWORD|TOKEN|SECRET)\s*:", line):
            assert "${" in line, line


def test_nginx_config_is_sticky_for_socketio_and_hides_the_api():
    text = NGINX.read_text()
    sticky = re.search(r"upstream rasa_sticky \{(.*?)\}", text, re.S).group(1)
    assert "ip_hash;" in sticky and "rasa-1:5005" in sticky and "rasa-2:5005" in sticky
    socketio = re.search(r"location /socket.io/ \{(.*?)\}", text, re.S).group(1)
    assert "rasa_sticky" in socketio and "Upgrade $http_upgrade" in socketio
    assert re.search(r"location / \{\s*return 404;", text)


@pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed")
def test_nginx_config_passes_nginx_t(tmp_path):
    conf = NGINX.read_text().replace("rasa-1:5005", "127.0.0.1:5005") \
        .replace("rasa-2:5005", "127.0.0.1:5006").replace("/tmp/", f"{tmp_path}/")
    path = tmp_path / "nginx.conf"
    path.write_text(conf)
    result = subprocess.run(["nginx", "-t", "-c", str(path), "-p", str(tmp_path)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
