#!/usr/bin/env bash
# Put tools/get_pip.py where ansible-test looks before downloading, for every pip version
# that the installed ansible-test may ask for.
set -euo pipefail
py="$1"
cache="$HOME/.ansible/test/cache"
mkdir -p "$cache"
versions=$("$py" - <<'PY'
import glob, os, re
import ansible_test
root = os.path.dirname(ansible_test.__file__)
found = set()
for path in glob.glob(os.path.join(root, "_data", "requirements", "*.txt")) + \
        glob.glob(os.path.join(root, "_internal", "*.py")):
    with open(path) as handle:
        text = handle.read()
    found.update(re.findall(r"^pip==([0-9.]+)", text, re.M))
    found.update(re.findall(r"\bpip=['\"]([0-9.]+)['\"]", text))
print(" ".join(sorted(found)))
PY
)
for v in $versions; do
  install -m 0644 "$(dirname "$0")/get_pip.py" "$cache/get_pip_${v//./_}.py"
done
echo "get_pip bootstrap installed for pip: ${versions:-none found}"
