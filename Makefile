# pwman.secrets developer commands. `make demo` and `make test` work on a fresh clone.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(abspath $(VENV))/bin/python
BIN := $(abspath $(VENV))/bin
TMP := $(CURDIR)/.tmp
COLLECTIONS := $(TMP)/collections
LINK := $(COLLECTIONS)/ansible_collections/pwman/secrets
SANITY_TREE := $(TMP)/sanity/ansible_collections/pwman/secrets
export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
export PYTHONPATH := $(CURDIR)/tests
PYTEST_ARGS ?=
# `make test` runs the suite on two pytest-xdist workers (most tests wait on ansible-playbook and the servers);
# tests that look at host-wide state share one worker (xdist_group). PYTEST_WORKERS= runs it in one process.
PYTEST_WORKERS ?= -n 2 --dist loadgroup

NODE_DEPS := tests/openpgpjs/node_modules/.stamp
# `make demo` and `make sandbox` run in a venv of their own with only what running the collection and the
# local servers takes (requirements-demo.txt), not the test tools of .venv.
DEMO_VENV := $(TMP)/demo-venv
DEMO_BIN := $(DEMO_VENV)/bin
DEMO_COLLECTIONS := $(TMP)/demo/collections

.PHONY: help venv demo-venv node-deps link sandbox demo test sanity ansible-test-sanity lint docs-lint units integration pytest bench clean

help:
	@echo "make demo | test | sanity | units | integration | bench | sandbox | clean"

venv: $(VENV)/.stamp

$(VENV)/.stamp: requirements.txt requirements-dev.txt requirements-ntlm.txt
	@command -v gpg >/dev/null || { echo "gpg (GnuPG) is required: apt-get install gnupg" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt -r requirements-dev.txt
	touch $@

demo-venv: $(DEMO_VENV)/.stamp

$(DEMO_VENV)/.stamp: requirements.txt requirements-demo.txt
	@command -v gpg >/dev/null || { echo "gpg (GnuPG) is required: apt-get install gnupg" >&2; exit 1; }
	$(PYTHON) -m venv $(DEMO_VENV)
	$(DEMO_BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-demo.txt
	touch $@

# openpgp.js 6 (pinned in tests/openpgpjs/package-lock.json): the local Passbolt server's seed and the tests write
# and read data as Passbolt's browser extension does.
node-deps: $(NODE_DEPS)

$(NODE_DEPS): tests/openpgpjs/package.json tests/openpgpjs/package-lock.json
	@command -v node >/dev/null && command -v npm >/dev/null || { echo "Node.js and npm are required: apt-get install nodejs npm" >&2; exit 1; }
	cd tests/openpgpjs && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The collection under ansible_collections/pwman/secrets, as Ansible's loader wants it.
link:
	@mkdir -p $(dir $(LINK))
	@ln -sfn $(CURDIR) $(LINK)

sandbox: demo-venv node-deps link
	cd tests && $(DEMO_BIN)/python -m sandbox.run --env-file $(CURDIR)/.sandbox/env \
		--export ANSIBLE_COLLECTIONS_PATH=$(COLLECTIONS) --export ANSIBLE_PYTHON_INTERPRETER=$(DEMO_BIN)/python \
		--export ANSIBLE_LOCALHOST_WARNING=false --export ANSIBLE_INVENTORY_UNPARSED_WARNING=false

demo: demo-venv node-deps
	rm -rf $(TMP)/demo && mkdir -p $(TMP)/demo
	$(DEMO_BIN)/ansible-galaxy collection build --force --output-path $(TMP)/demo . >/dev/null
	ANSIBLE_COLLECTIONS_PATH=$(DEMO_COLLECTIONS) $(DEMO_BIN)/ansible-galaxy collection install --force \
		-p $(DEMO_COLLECTIONS) $(TMP)/demo/pwman-secrets-*.tar.gz >/dev/null
	cd tests && PATH=$(DEMO_BIN):$$PATH ANSIBLE_COLLECTIONS_PATH=$(DEMO_COLLECTIONS) \
		$(DEMO_BIN)/python -m sandbox.run --env-file $(CURDIR)/.sandbox/env -- \
		ansible-playbook -i localhost, -c local -e ansible_python_interpreter=$(DEMO_BIN)/python pwman.secrets.demo
	@echo
	@echo "Try it yourself: 'make sandbox' starts the three servers (Ctrl-C stops them). In another shell:"
	@echo "  source .sandbox/env"
	@echo "  $(DEMO_BIN)/ansible localhost -m pwman.secrets.opp_item_info -a category=Banking"
	@echo "  $(DEMO_BIN)/ansible localhost -m debug -a \"msg={{ lookup('pwman.secrets.passbolt', 'db-primary', field='username') }}\""
	@echo "Every example of README.md, docs/ and ansible-doc pwman.secrets.<plugin> runs there the same way."

test: sanity pytest

sanity: ansible-test-sanity lint docs-lint

ansible-test-sanity: venv
	bash tools/install_get_pip.sh $(PY)
	rm -rf $(TMP)/sanity && mkdir -p $(SANITY_TREE)
	git ls-files -co --exclude-standard -z | xargs -0 cp --parents -t $(SANITY_TREE)
	@# ansible-test lists files with git: give the copy its own repository.
	cd $(SANITY_TREE) && git init -q && git add -A
	cd $(SANITY_TREE) && PATH=$(BIN):$$PATH $(BIN)/ansible-test sanity --venv --python 3.11 --color no

# The whole collection as .ansible-lint says (profile production; test targets and changelogs left out).
lint: venv link
	PATH=$(BIN):$$PATH $(BIN)/ansible-lint --offline

# Plugin docs (markup, links, fragments) and changelog fragments.
docs-lint: venv link
	PATH=$(BIN):$$PATH $(BIN)/antsibull-docs lint-collection-docs --plugin-docs $(LINK)
	$(BIN)/antsibull-changelog lint

units: venv link node-deps
	$(BIN)/pytest tests/unit $(PYTEST_ARGS)

integration: venv link node-deps
	PATH=$(BIN):$$PATH $(BIN)/pytest tests/integration $(PYTEST_ARGS)

# Units and integration in one run, so the closing line counts every test.
pytest: venv link node-deps
	PATH=$(BIN):$$PATH $(BIN)/pytest $(PYTEST_WORKERS) tests/unit tests/integration $(PYTEST_ARGS)

bench: venv link node-deps
	PATH=$(BIN):$$PATH $(PY) tests/bench/run.py

clean:
	rm -rf $(TMP) .sandbox .pytest_cache
