#!/usr/bin/env bash
# Print the path of a Python 3.10 interpreter (Rasa 3.6 refuses 3.11+):
# PATH first, then pyenv's versions. Exit 1 with a clear message if none.
set -u
is_310() { "$1" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 10) else 1)' >/dev/null 2>&1; }
for candidate in python3.10 python3 python; do
  path=$(command -v "$candidate" 2>/dev/null) || continue
  if is_310 "$path"; then echo "$path"; exit 0; fi
done
roots=()
command -v pyenv >/dev/null 2>&1 && roots+=("$(pyenv root 2>/dev/null)")
roots+=("${PYENV_ROOT:-$HOME/.pyenv}" /root/.pyenv /opt/pyenv)
for root in "${roots[@]}"; do
  for path in "$root"/versions/3.10*/bin/python3.10; do
    [ -x "$path" ] && is_310 "$path" && { echo "$path"; exit 0; }
  done
done
echo "error: Python 3.10 not found (Rasa 3.6 needs 3.10). Install it (e.g. 'pyenv install 3.10.13') and retry." >&2
exit 1
