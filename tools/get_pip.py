"""Stand-in for get-pip.py, for `ansible-test --venv` on machines that cannot reach its download.

ansible-test runs it inside a new, empty virtual environment with pip-install options and
package pins, plus get-pip's own --no-setuptools / --no-wheel flags. We bootstrap pip from
the standard library's ensurepip, then let that pip install the requested pins from PyPI.
"""

import subprocess
import sys

OWN_FLAGS = {"--no-setuptools", "--no-wheel", "--no-pip"}


def main():
    args = [arg for arg in sys.argv[1:] if arg not in OWN_FLAGS]
    subprocess.check_call([sys.executable, "-m", "ensurepip", "--default-pip"], stdout=subprocess.DEVNULL)
    subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet"] + args)


if __name__ == "__main__":
    main()
