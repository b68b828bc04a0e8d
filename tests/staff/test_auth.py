"""Staff accounts and authentication (bot/staff/auth.py, store.py, __main__.py): no server."""
from __future__ import annotations

import subprocess

import pytest
import sqlalchemy as sa

from bot.staff import auth, hours, store
from tests import helpers

PASSWORD = "correct horse battery staple"


@pytest.fixture
def eng(tmp_path, monkeypatch):
    monkeypatch.setenv("TRACKER_DB", str(tmp_path / "tracker.db"))
    monkeypatch.delenv("TRACKER_DB_URL", raising=False)
    engine = store.engine()
    store.put_user(engine, "sam", "Sam", "staff", auth.hash_password(PASSWORD))
    return engine


def test_password_hash_is_argon2id_salted_and_verifies():
    first, second = auth.hash_password(PASSWORD), auth.hash_password(PASSWORD)
    assert first.startswith("$argon2id$") and first != second  # salted
    assert PASSWORD not in first
    assert auth.verify_password(first, PASSWORD)
    assert not auth.verify_password(first, PASSWORD + "x")
    assert not auth.verify_password("not a hash", PASSWORD)
    with pytest.raises(auth.AuthError):
        auth.hash_password("short")


@pytest.mark.parametrize("name, ok", [("sam", True), ("Sam.Lee", True), ("a", False),
                                      ("sam lee", False), ("<script>", False), ("x" * 65, False)])
def test_usernames(name, ok):
    if ok:
        assert auth.check_username(name) == name.lower()
    else:
        with pytest.raises(auth.AuthError):
            auth.check_username(name)


def test_login_creates_a_session_stored_only_as_a_hash(eng):
    token, staff = auth.login(eng, "SAM", PASSWORD, "10.0.0.1")
    assert staff.username == "sam" and staff.display_name == "Sam" and staff.role == "staff"
    with eng.connect() as conn:
        stored = [row[0] for row in conn.execute(sa.select(store.sessions.c.token_hash))]
    assert stored == [auth.token_hash(token)] and token not in stored
    again = auth.session(eng, token)
    assert again is not None and again.csrf_token == staff.csrf_token
    assert auth.session(eng, token + "x") is None
    assert auth.session(eng, None) is None and auth.session(eng, "x" * 500) is None
    auth.logout(eng, again)
    assert auth.session(eng, token) is None
    assert [row["action"] for row in store.read_audit(eng)] == ["logout", "login"]


def test_wrong_password_and_unknown_user_give_the_same_error(eng):
    with pytest.raises(auth.AuthError) as wrong:
        auth.login(eng, "sam", "not the password", "10.0.0.1")
    with pytest.raises(auth.AuthError) as unknown:
        auth.login(eng, "nobody", "not the password", "10.0.0.1")
    assert str(wrong.value) == str(unknown.value) == "wrong username or password"


def test_expired_and_disabled_sessions_end(eng, monkeypatch):
    token, _ = auth.login(eng, "sam", PASSWORD, "10.0.0.1")
    with eng.begin() as conn:
        conn.execute(store.sessions.update().values(expires_at=store.now() - 1))
    assert auth.session(eng, token) is None
    token, _ = auth.login(eng, "sam", PASSWORD, "10.0.0.1")
    assert store.disable_user(eng, "sam")
    assert auth.session(eng, token) is None
    with pytest.raises(auth.AuthError):
        auth.login(eng, "sam", PASSWORD, "10.0.0.1")


def test_login_rate_limit_per_username_and_per_address(eng):
    for _ in range(auth.LOGIN_MAX_FAILURES):
        with pytest.raises(auth.AuthError):
            auth.login(eng, "sam", "wrong password!", "10.0.0.1")
    with pytest.raises(auth.RateLimited):  # even the right password now
        auth.login(eng, "sam", PASSWORD, "10.0.0.2")
    # another user from the same address still gets in, until the address is blocked too
    store.put_user(eng, "kim", "Kim", "admin", auth.hash_password(PASSWORD))
    assert auth.login(eng, "kim", PASSWORD, "10.0.0.1")[1].is_admin
    for index in range(auth.LOGIN_MAX_FAILURES_PER_ADDRESS):
        try:
            auth.login(eng, f"guess{index}", "wrong password!", "10.0.0.9")
        except auth.AuthError:
            pass
    with pytest.raises(auth.RateLimited):
        auth.login(eng, "kim", PASSWORD, "10.0.0.9")
    # the window passes
    with eng.begin() as conn:
        conn.execute(store.login_failures.update().values(at=store.now() - auth.LOGIN_WINDOW - 1))
    assert auth.login(eng, "sam", PASSWORD, "10.0.0.1")


def test_csrf_comparison():
    assert auth.csrf_ok("abc", "abc")
    assert not auth.csrf_ok("abc", "abd")
    assert not auth.csrf_ok("abc", None) and not auth.csrf_ok("abc", 123)
    assert not auth.csrf_ok("", "") and not auth.csrf_ok(None, "abc")


def test_cli_adds_lists_and_disables_users(tmp_path):
    env = {"TRACKER_DB": str(tmp_path / "cli.db")}
    added = subprocess.run([helpers.PYTHON, "-m", "bot.staff", "add-user", "Sam", "--name", "Sam",
                            "--role", "admin", "--password-stdin"], input=PASSWORD + "\n",
                           cwd=helpers.ROOT, env=helpers.base_env(**env), capture_output=True,
                           text=True, timeout=60)
    assert added.returncode == 0, added.stderr
    assert "created admin account 'sam'" in added.stdout and PASSWORD not in added.stdout
    short = subprocess.run([helpers.PYTHON, "-m", "bot.staff", "add-user", "bob", "--password-stdin"],
                           input="short\n", cwd=helpers.ROOT, env=helpers.base_env(**env),
                           capture_output=True, text=True, timeout=60)
    assert short.returncode == 2 and "12 characters" in short.stderr
    listed = helpers.run([helpers.PYTHON, "-m", "bot.staff", "list-users"], timeout=60, **env)
    assert listed.stdout.split() == ["sam", "admin", "Sam"]
    disabled = helpers.run([helpers.PYTHON, "-m", "bot.staff", "disable-user", "sam"], timeout=60, **env)
    assert disabled.returncode == 0
    assert "(disabled)" in helpers.run([helpers.PYTHON, "-m", "bot.staff", "list-users"],
                                       timeout=60, **env).stdout


def test_clinic_hours():
    from datetime import datetime, timezone
    week = {"timezone": "America/New_York", "days": ["mon", "tue", "wed", "thu", "fri"],
            "open": "08:00", "close": "18:00"}
    friday_10am_ny = datetime(2026, 12, 4, 15, 0, tzinfo=timezone.utc)
    assert hours.open_at(friday_10am_ny, week)
    assert not hours.open_at(datetime(2026, 12, 4, 23, 30, tzinfo=timezone.utc), week)  # 6:30pm
    assert not hours.open_at(datetime(2026, 12, 5, 15, 0, tzinfo=timezone.utc), week)  # Saturday
    assert hours.open_at(friday_10am_ny, None)
    assert hours.open_now({"STAFF_HOURS_OVERRIDE": "closed"}) is False
    assert hours.open_now({"STAFF_HOURS_OVERRIDE": "open"}) is True
