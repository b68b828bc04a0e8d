"""Production settings, resolved from environment variables only.

Two profiles, chosen by what is set:

* embedded (nothing set): SQLite tracker store at TRACKER_DB (default
  .run/tracker.db), in-memory lock store, one process. What `make run` does.
* production: TRACKER_DB_URL=postgresql://user:pass@host:5432/db (SQL tracker
  store) and REDIS_LOCK_URL=redis://:pass@host:6379/1 (Redis lock store, a
  Redis database of its own). Any number of replicas and SANIC_WORKERS.

Optional: EVENT_BROKER_URL=amqp://user:pass@host:5672/?queue=tms_events
(RabbitMQ via Pika) or kafka://host:9092?topic=tms_events (Kafka), for
analytics.

Secrets (database, Redis and broker passwords, the API token or JWT secret)
never reach a file or a command line: the endpoints file says
`password: ${TMS_TRACKER_DB_PASSWORD}` and Rasa reads the value from the
environment of its own process; the API token is added to Rasa's arguments
inside that process (bot.production.rasa_main).

Anything unsafe or ambiguous is refused with a `ConfigError` that says what
to set: the API enabled without a token, a wildcard CORS origin, more than one
Sanic worker or a shared PostgreSQL without a Redis lock store, the lock
store's Redis database shared with another Redis URL in the environment.
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Tuple
from urllib.parse import parse_qsl, quote, unquote, urlsplit

ROOT = Path(__file__).resolve().parents[2]

TRUE = {"1", "true", "yes", "on"}
FALSE = {"", "0", "false", "no", "off"}
MIN_TOKEN_CHARS = 16
DEFAULT_LOCK_DB = 1
JWT_METHODS = {"HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "ES256", "ES384", "ES512"}

# Rasa's SQLTrackerStore with a cheaper latest-session query (same table and events).
TRACKER_STORE_CLASS = "bot.production.tracker_store.ProductionSQLTrackerStore"
LOCK_STORE_CLASS = "bot.production.lock_store.AtomicRedisLockStore"

# Names of the environment variables the generated endpoints file refers to.
TRACKER_PASSWORD_ENV = "TMS_TRACKER_DB_PASSWORD"
LOCK_PASSWORD_ENV = "TMS_REDIS_LOCK_PASSWORD"
BROKER_PASSWORD_ENV = "TMS_EVENT_BROKER_PASSWORD"
ACTION_TOKEN_REF_ENV = "TMS_ACTION_TOKEN"  # what the endpoints file's action header refers to

# Every variable the launcher reads, with its default and meaning (docs/production.md).
VARIABLES: Dict[str, str] = {
    "MODEL_PATH": "models/tms.tar.gz - the trained model",
    "CREDENTIALS": "credentials.yml - channel configuration",
    "RASA_INTERFACE": "127.0.0.1 - address Rasa listens on (0.0.0.0 in a container)",
    "RASA_PORT": "5005",
    "ACTION_ENDPOINT_URL": "http://127.0.0.1:5055/webhook",
    "TRACKER_DB_URL": "unset = embedded SQLite; postgresql://user:pass@host:5432/db = production",
    "TRACKER_DB": ".run/tracker.db - SQLite file of the embedded profile",
    "REDIS_LOCK_URL": "unset = in-memory locks; redis://[:pass@]host:6379/1 (a dedicated DB)",
    "REDIS_LOCK_KEY_PREFIX": "unset - alphanumeric prefix for lock keys",
    "SINGLE_REPLICA": "false - allow PostgreSQL without Redis locks for exactly one process",
    "EVENT_BROKER_URL": "unset; amqp://user:pass@host:5672/?queue=q or kafka://host:9092?topic=t",
    "SANIC_WORKERS": "1 - worker processes per replica (>1 needs REDIS_LOCK_URL)",
    "TICKET_LOCK_LIFETIME": "60 - seconds a conversation lock lives (longer than the slowest turn)",
    "ENABLE_API": "false - Rasa's HTTP API; true requires RASA_AUTH_TOKEN or JWT_SECRET",
    "RASA_AUTH_TOKEN": "unset - token for the HTTP API (>= 16 characters)",
    "JWT_SECRET": "unset - JWT secret (or public key) for the HTTP API",
    "JWT_METHOD": "HS256",
    "ALLOWED_ORIGINS": "unset = same origin only; comma-separated origins for CORS and socket.io",
    "SESSION_SECRET": "unset = generated into RUN_DIR (embedded only); signs conversation tokens",
    "ACTION_SERVER_TOKEN": "unset = generated into RUN_DIR (embedded only); Rasa -> action server",
    "SESSION_MAX_TURNS": "20 - start a new session (slots carried over) after this many turns; 0 = off",
    "CHECK_TIMEOUT": "30 - seconds to keep retrying the database / Redis / broker checks",
    "RUN_DIR": ".run - where the generated endpoints file goes",
}


class ConfigError(RuntimeError):
    """The launcher refuses to start; the message tells the operator what to fix."""


@dataclass(frozen=True)
class Tracker:
    dialect: str  # "sqlite" | "postgresql"
    db: str  # SQLite path or database name
    host: Optional[str] = None
    port: Optional[int] = None
    username: Optional[str] = None
    password: Optional[str] = None
    query: Tuple[Tuple[str, str], ...] = ()

    def endpoint(self) -> Dict[str, Any]:
        if self.dialect == "sqlite":
            return {"type": TRACKER_STORE_CLASS, "dialect": "sqlite", "db": self.db}
        out: Dict[str, Any] = {"type": TRACKER_STORE_CLASS, "dialect": "postgresql",
                               "url": self.host, "port": self.port, "db": self.db}
        if self.username:
            out["username"] = self.username
        if self.password:
            out["password"] = "${%s}" % TRACKER_PASSWORD_ENV
        if self.query:
            out["query"] = dict(self.query)
        return out

    def describe(self) -> str:
        if self.dialect == "sqlite":
            return f"SQLite {self.db}"
        return f"PostgreSQL {self.username or ''}@{self.host}:{self.port}/{self.db}"


@dataclass(frozen=True)
class Redis:
    host: str
    port: int
    db: int
    username: Optional[str] = None
    password: Optional[str] = None
    ssl: bool = False
    key_prefix: Optional[str] = None

    def endpoint(self) -> Dict[str, Any]:
        out: Dict[str, Any] = {"type": LOCK_STORE_CLASS,
                               "url": self.host, "port": self.port, "db": self.db}
        if self.username:
            out["username"] = self.username
        if self.password:
            out["password"] = "${%s}" % LOCK_PASSWORD_ENV
        if self.ssl:
            out["use_ssl"] = True
        if self.key_prefix:
            out["key_prefix"] = self.key_prefix
        return out

    @property
    def lock_prefix(self) -> str:
        return (f"{self.key_prefix}:" if self.key_prefix else "") + "lock:"

    def describe(self) -> str:
        return f"Redis {self.host}:{self.port}/{self.db}{' (TLS)' if self.ssl else ''}"


@dataclass(frozen=True)
class Broker:
    kind: str  # "pika" | "kafka"
    hosts: Tuple[Tuple[str, int], ...]
    username: Optional[str] = None
    password: Optional[str] = None
    target: str = "tms_events"  # queue (pika) or topic (kafka)
    ssl: bool = False
    vhost: Optional[str] = None

    def endpoint(self) -> Dict[str, Any]:
        if self.kind == "pika":
            host, port = self.hosts[0]
            if self.vhost or self.ssl:  # Rasa builds the AMQP URL from a URL-shaped host
                host = f"{'amqps' if self.ssl else 'amqp'}://{host}" + \
                    (f"/{quote(self.vhost, safe='')}" if self.vhost else "")
            out: Dict[str, Any] = {"type": "pika", "url": host, "port": port,
                                   "queues": [self.target]}
            if self.username:
                out["username"] = self.username
            if self.password:
                out["password"] = "${%s}" % BROKER_PASSWORD_ENV
            return out
        out = {"type": "kafka", "url": [f"{h}:{p}" for h, p in self.hosts],
               "topic": self.target, "client_id": "tms-assistant",
               "security_protocol": "SSL" if self.ssl else "PLAINTEXT"}
        if self.username:
            out["sasl_username"] = self.username
            out["sasl_mechanism"] = "PLAIN"
            out["security_protocol"] = "SASL_SSL" if self.ssl else "SASL_PLAINTEXT"
        if self.password:
            out["sasl_password"] = "${%s}" % BROKER_PASSWORD_ENV
        return out

    def describe(self) -> str:
        hosts = ",".join(f"{h}:{p}" for h, p in self.hosts)
        return f"{'RabbitMQ' if self.kind == 'pika' else 'Kafka'} {hosts} -> {self.target}"


@dataclass(frozen=True)
class Settings:
    model: Path
    credentials: Path
    interface: str
    port: int
    action_url: str
    tracker: Tracker
    lock: Optional[Redis]
    broker: Optional[Broker]
    workers: int
    enable_api: bool
    auth_token: Optional[str] = field(default=None, repr=False)
    jwt_secret: Optional[str] = field(default=None, repr=False)
    jwt_method: str = "HS256"
    origins: Tuple[str, ...] = ()
    lock_lifetime: Optional[int] = None
    check_timeout: float = 30.0
    run_dir: Path = ROOT / ".run"
    action_token: Optional[str] = field(default=None, repr=False)

    @property
    def profile(self) -> str:
        return "production" if self.tracker.dialect == "postgresql" else "embedded"

    def endpoints(self) -> Dict[str, Any]:
        """The endpoints.yml content (secrets as ${VAR} references)."""
        action: Dict[str, Any] = {"url": self.action_url}
        if self.action_token:  # the action server obeys only calls with it
            action["headers"] = {"Authorization": "Bearer ${%s}" % ACTION_TOKEN_REF_ENV}
        out: Dict[str, Any] = {"action_endpoint": action,
                               "tracker_store": self.tracker.endpoint()}
        out["lock_store"] = self.lock.endpoint() if self.lock else {"type": "in_memory"}
        if self.broker:
            out["event_broker"] = self.broker.endpoint()
        return out

    def secret_env(self) -> Dict[str, str]:
        """Environment variables the endpoints file refers to."""
        out = {}
        if self.tracker.password:
            out[TRACKER_PASSWORD_ENV] = self.tracker.password
        if self.lock and self.lock.password:
            out[LOCK_PASSWORD_ENV] = self.lock.password
        if self.broker and self.broker.password:
            out[BROKER_PASSWORD_ENV] = self.broker.password
        if self.action_token:
            out[ACTION_TOKEN_REF_ENV] = self.action_token
        return out

    def rasa_args(self, endpoints_path: Path) -> List[str]:
        """`rasa run` arguments; never a secret (those are added in-process)."""
        args = ["run", "--model", str(self.model), "--endpoints", str(endpoints_path),
                "--credentials", str(self.credentials), "--interface", self.interface,
                "--port", str(self.port)]
        if self.origins:
            args += ["--cors", *self.origins]
        if self.enable_api:
            args.append("--enable-api")
        return args

    def child_env(self, base: Mapping[str, str]) -> Dict[str, str]:
        env = dict(base)
        env.update(self.secret_env())
        env["SANIC_WORKERS"] = str(self.workers)
        env["RASA_TELEMETRY_ENABLED"] = "false"
        env.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
        env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        # One event loop serves one request at a time: TensorFlow's own thread
        # pools only add contention (measured ~11% less CPU per turn with 1/1).
        env.setdefault("TF_INTRA_OP_PARALLELISM_THREADS", "1")
        env.setdefault("TF_INTER_OP_PARALLELISM_THREADS", "1")
        if self.lock_lifetime:
            env["TICKET_LOCK_LIFETIME"] = str(self.lock_lifetime)
        # bot.production.rasa_main reads these; keep them only when the API is on.
        for name in ("RASA_AUTH_TOKEN", "JWT_SECRET", "JWT_METHOD"):
            env.pop(name, None)
        if self.enable_api:
            if self.auth_token:
                env["RASA_AUTH_TOKEN"] = self.auth_token
            if self.jwt_secret:
                env["JWT_SECRET"] = self.jwt_secret
                env["JWT_METHOD"] = self.jwt_method
        env["TMS_ALLOWED_ORIGINS"] = ",".join(self.origins)
        env["RUN_DIR"] = str(self.run_dir)  # bot.keys finds the embedded secrets there
        root = str(ROOT)
        path = env.get("PYTHONPATH", "")
        if root not in path.split(os.pathsep):
            env["PYTHONPATH"] = root + (os.pathsep + path if path else "")
        return env

    def summary(self) -> str:
        lines = [
            f"profile: {self.profile}",
            f"model: {self.model}",
            f"listen: {self.interface}:{self.port} (sanic workers: {self.workers})",
            f"tracker store: {self.tracker.describe()}",
            f"lock store: {self.lock.describe() if self.lock else 'in memory (this process only)'}",
            f"event broker: {self.broker.describe() if self.broker else 'none'}",
            f"action server: {self.action_url}",
            f"HTTP API: {'on (' + ('token' if self.auth_token else 'JWT') + ')' if self.enable_api else 'off'}",
            f"allowed origins: {', '.join(self.origins) if self.origins else 'same origin only'}",
        ]
        return "\n".join(lines)


# -- parsing ---------------------------------------------------------------

def _flag(env: Mapping[str, str], name: str, default: bool = False) -> bool:
    raw = env.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise ConfigError(f"{name} must be true or false, not {raw!r}")


def _int(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from None
    if not low <= value <= high:
        raise ConfigError(f"{name} must be between {low} and {high}, not {value}")
    return value


def _path(env: Mapping[str, str], name: str, default: str) -> Path:
    path = Path(env.get(name) or default).expanduser()
    return path if path.is_absolute() else ROOT / path


def _port(parts: Any, name: str, default: int) -> int:
    try:
        return parts.port or default
    except ValueError:
        raise ConfigError(f"{name} has an invalid port") from None


def parse_tracker(env: Mapping[str, str]) -> Tracker:
    url = (env.get("TRACKER_DB_URL") or "").strip()
    if not url:
        return Tracker("sqlite", str(_path(env, "TRACKER_DB", ".run/tracker.db")))
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "sqlite":
        # sqlite:////abs/path or sqlite:///relative/path
        raw = unquote(parts.path[1:] if parts.path.startswith("/") else parts.path)
        if not raw:
            raise ConfigError("TRACKER_DB_URL=sqlite:///... needs a file path")
        path = Path(raw)
        return Tracker("sqlite", str(path if path.is_absolute() else ROOT / path))
    if scheme not in ("postgresql", "postgres", "postgresql+psycopg2"):
        raise ConfigError(
            f"TRACKER_DB_URL must start with postgresql:// (or sqlite:///), not {scheme}://")
    if not parts.hostname:
        raise ConfigError("TRACKER_DB_URL needs a host: postgresql://user:pass@host:5432/db")
    db = unquote(parts.path.lstrip("/"))
    if not db:
        raise ConfigError("TRACKER_DB_URL needs a database name: postgresql://user:pass@host:5432/db")
    query = tuple(sorted(parse_qsl(parts.query)))
    return Tracker("postgresql", db, parts.hostname, _port(parts, "TRACKER_DB_URL", 5432),
                   unquote(parts.username) if parts.username else None,
                   unquote(parts.password) if parts.password else None, query)


def _redis_target(url: str, name: str) -> Tuple[str, int, int]:
    parts = urlsplit(url)
    db_text = parts.path.strip("/") or str(DEFAULT_LOCK_DB)
    try:
        db = int(db_text)
    except ValueError:
        raise ConfigError(f"{name}: the Redis database must be a number (…/1), not {db_text!r}") from None
    return (parts.hostname or "localhost").lower(), _port(parts, name, 6379), db


def parse_lock(env: Mapping[str, str]) -> Optional[Redis]:
    url = (env.get("REDIS_LOCK_URL") or "").strip()
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss"):
        raise ConfigError(f"REDIS_LOCK_URL must start with redis:// or rediss://, not {parts.scheme}://")
    if not parts.hostname:
        raise ConfigError("REDIS_LOCK_URL needs a host: redis://:password@host:6379/1")
    host, port, db = _redis_target(url, "REDIS_LOCK_URL")
    if not 0 <= db <= 15:
        raise ConfigError(f"REDIS_LOCK_URL: Redis database {db} is out of range (0-15)")
    # The lock store's database must be its own: another Redis use in the same
    # database (a cache with eviction, a tracker store, FLUSHDB by another app)
    # could drop or overwrite conversation locks.
    for name, value in sorted(env.items()):
        if name == "REDIS_LOCK_URL" or not isinstance(value, str):
            continue
        if value.strip().lower().startswith(("redis://", "rediss://")):
            if _redis_target(value.strip(), name) == (host, port, db):
                raise ConfigError(
                    f"REDIS_LOCK_URL and {name} point at the same Redis database "
                    f"({host}:{port}/{db}); give the lock store a database of its own "
                    f"(e.g. …/{db + 1 if db < 15 else 0})")
    prefix = (env.get("REDIS_LOCK_KEY_PREFIX") or "").strip() or None
    if prefix and not prefix.isalnum():
        raise ConfigError("REDIS_LOCK_KEY_PREFIX must be letters and digits only")
    return Redis(host, port, db, unquote(parts.username) if parts.username else None,
                 unquote(parts.password) if parts.password else None,
                 parts.scheme == "rediss", prefix)


def parse_broker(env: Mapping[str, str]) -> Optional[Broker]:
    url = (env.get("EVENT_BROKER_URL") or "").strip()
    if not url:
        return None
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    query = dict(parse_qsl(parts.query))
    user = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password else None
    if scheme in ("amqp", "amqps"):
        if not parts.hostname:
            raise ConfigError("EVENT_BROKER_URL needs a host: amqp://user:pass@host:5672/?queue=tms_events")
        vhost = unquote(parts.path[1:]) if len(parts.path) > 1 else None
        return Broker("pika", ((parts.hostname, _port(parts, "EVENT_BROKER_URL", 5672)),),
                      user, password, query.get("queue", "tms_events"), scheme == "amqps", vhost)
    if scheme in ("kafka", "kafkas"):
        hosts = []
        for item in parts.netloc.rsplit("@", 1)[-1].split(","):
            host, _, port = item.partition(":")
            if not host:
                raise ConfigError("EVENT_BROKER_URL needs a host: kafka://host:9092?topic=tms_events")
            try:
                hosts.append((host, int(port or 9092)))
            except ValueError:
                raise ConfigError("EVENT_BROKER_URL has an invalid port") from None
        return Broker("kafka", tuple(hosts), user, password, query.get("topic", "tms_events"),
                      scheme == "kafkas")
    raise ConfigError(f"EVENT_BROKER_URL must start with amqp:// or kafka://, not {scheme}://")


def parse_origins(env: Mapping[str, str]) -> Tuple[str, ...]:
    """ALLOWED_ORIGINS through the one parser every channel uses (bot.channels.origins)."""
    from bot.channels import origins

    try:
        return origins.parse(env.get(origins.ENV))
    except origins.OriginError as error:
        raise ConfigError(str(error)) from None


def parse_secrets(env: Mapping[str, str], production: bool) -> Optional[str]:
    """SESSION_SECRET and ACTION_SERVER_TOKEN: required in production (replicas and the
    action server must share them); generated into RUN_DIR for the embedded default.
    Returns the action server token."""
    from bot import keys

    try:
        for which in (keys.SESSION_SECRET, keys.ACTION_TOKEN):
            if production and not keys.from_env(which, env):
                raise ConfigError(
                    f"{which[0]} must be set (at least {keys.MIN_CHARS} characters, the same "
                    "for every replica" + (" and the action server" if which is keys.ACTION_TOKEN
                                           else "") + ") with a PostgreSQL tracker store")
            keys.shared_secret(which, env)
        return keys.shared_secret(keys.ACTION_TOKEN, env)
    except keys.SecretError as error:
        raise ConfigError(str(error)) from None


def resolve(env: Optional[Mapping[str, str]] = None) -> Settings:
    """Settings from the environment, or a ConfigError saying what to fix."""
    env = os.environ if env is None else env
    tracker = parse_tracker(env)
    lock = parse_lock(env)
    broker = parse_broker(env)
    workers = _int(env, "SANIC_WORKERS", 1, 1, 64)
    if workers > 1 and lock is None:
        raise ConfigError(
            f"SANIC_WORKERS={workers} needs REDIS_LOCK_URL: worker processes do not share an "
            "in-memory lock store, so two of them could handle the same conversation at once "
            "and lose events (Rasa would silently fall back to 1 worker)")
    if tracker.dialect == "postgresql" and lock is None and not _flag(env, "SINGLE_REPLICA"):
        raise ConfigError(
            "TRACKER_DB_URL is PostgreSQL, which replicas share, but REDIS_LOCK_URL is not set: "
            "without a shared lock store two replicas can handle the same conversation at once "
            "and lose events. Set REDIS_LOCK_URL=redis://:password@host:6379/1, or "
            "SINGLE_REPLICA=true if this is the only Rasa process")
    enable_api = _flag(env, "ENABLE_API")
    token = env.get("RASA_AUTH_TOKEN") or None
    jwt_secret = env.get("JWT_SECRET") or None
    jwt_method = (env.get("JWT_METHOD") or "HS256").strip()
    if enable_api:
        if not token and not jwt_secret:
            raise ConfigError("ENABLE_API=true needs RASA_AUTH_TOKEN or JWT_SECRET "
                              "(the HTTP API can read and change every conversation)")
        if token and len(token) < MIN_TOKEN_CHARS:
            raise ConfigError(f"RASA_AUTH_TOKEN must be at least {MIN_TOKEN_CHARS} characters")
        if jwt_secret and jwt_method.startswith("HS") and len(jwt_secret) < MIN_TOKEN_CHARS:
            raise ConfigError(f"JWT_SECRET must be at least {MIN_TOKEN_CHARS} characters")
        if jwt_method not in JWT_METHODS:
            raise ConfigError(f"JWT_METHOD must be one of {', '.join(sorted(JWT_METHODS))}")
    lifetime = env.get("TICKET_LOCK_LIFETIME", "").strip()
    lock_lifetime = _int(env, "TICKET_LOCK_LIFETIME", 0, 5, 3600) if lifetime else None
    port = _int(env, "RASA_PORT", 5005, 1, 65535)
    interface = (env.get("RASA_INTERFACE") or "127.0.0.1").strip()
    action_url = (env.get("ACTION_ENDPOINT_URL") or "http://127.0.0.1:5055/webhook").strip()
    if not action_url.startswith(("http://", "https://")):
        raise ConfigError("ACTION_ENDPOINT_URL must be an http(s) URL")
    check_timeout = float(_int(env, "CHECK_TIMEOUT", 30, 0, 600))
    _int(env, "SESSION_MAX_TURNS", 20, 0, 100000)  # read by bot.production.sessions
    return Settings(
        model=_path(env, "MODEL_PATH", "models/tms.tar.gz"),
        credentials=_path(env, "CREDENTIALS", "credentials.yml"),
        interface=interface, port=port, action_url=action_url,
        tracker=tracker, lock=lock, broker=broker, workers=workers,
        enable_api=enable_api, auth_token=token if enable_api else None,
        jwt_secret=jwt_secret if enable_api else None, jwt_method=jwt_method,
        origins=parse_origins(env), lock_lifetime=lock_lifetime,
        check_timeout=check_timeout, run_dir=_path(env, "RUN_DIR", ".run"),
        action_token=parse_secrets(env, tracker.dialect == "postgresql"),
    )


def python() -> str:
    return sys.executable
