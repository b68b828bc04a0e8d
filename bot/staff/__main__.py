"""Staff accounts from the command line (the only way to create one).

    python -m bot.staff add-user sam --name "Sam" [--role admin]   # asks for the password
    echo "$PASSWORD" | python -m bot.staff add-user sam --name Sam --password-stdin
    python -m bot.staff list-users
    python -m bot.staff disable-user sam

Accounts live in the tracker database (TRACKER_DB_URL, else TRACKER_DB), so
run it with the same environment as the assistant. Re-adding a user sets a
new password and role and ends that user's sessions.
"""
from __future__ import annotations

import argparse
import getpass
import sys
from typing import List, Optional

from bot.staff import auth, store


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password (12+ characters): ")
    if first != getpass.getpass("Again: "):
        raise auth.AuthError("the two passwords differ")
    return first


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.staff", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    add = commands.add_parser("add-user", help="create an account or reset its password")
    add.add_argument("username")
    add.add_argument("--name", help="shown to patients: '<name> from <clinic> joined'")
    add.add_argument("--role", choices=store.ROLES, default="staff")
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    commands.add_parser("list-users")
    disable = commands.add_parser("disable-user", help="block an account and end its sessions")
    disable.add_argument("username")
    args = parser.parse_args(argv)
    try:
        eng = store.engine()
        if args.command == "add-user":
            username = auth.check_username(args.username)
            name = (args.name or username).strip()[:64]
            if not name:
                raise auth.AuthError("--name must not be empty")
            password_hash = auth.hash_password(_password(args.password_stdin))
            created = store.put_user(eng, username, name, args.role, password_hash)
            print(f"{'created' if created else 'updated'} {args.role} account '{username}' "
                  f"(shown as '{name}')")
        elif args.command == "list-users":
            for user in store.list_users(eng):
                flag = " (disabled)" if user["disabled"] else ""
                print(f"{user['username']}\t{user['role']}\t{user['display_name']}{flag}")
        elif args.command == "disable-user":
            if not store.disable_user(eng, auth.check_username(args.username)):
                raise auth.AuthError(f"no account '{args.username}'")
            print(f"disabled '{args.username}'")
    except auth.AuthError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
