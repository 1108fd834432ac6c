# Two set-up commands on a fresh machine with only Python >= 3.11:
#   make demo   (offline DeepSeek-shock scenario on the embedded broker + chDB)
#   make test
# Both create and reuse .venv; nothing is installed by hand.
PYTHON ?= python3
VENV   := .venv
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: venv browser demo run test bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "liqwatch needs Python >= 3.11; set PYTHON=python3.11")'
	@test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@rm -f $(VENV)/.installed-* && touch $@

venv: $(STAMP)

demo: venv
	$(VENV)/bin/liqwatch demo

run: venv
	$(VENV)/bin/liqwatch run

# Debian's Chromium for the web board's browser test; installed when we are root with apt,
# else that one test is skipped with the reason.
browser:
	@test -x /usr/bin/chromium || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
	  && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
	  || echo "chromium not installed: the web board's browser test will be skipped"

test: venv browser
	$(VENV)/bin/python -m pytest

bench: venv
	$(VENV)/bin/python bench/replay_throughput.py

clean:
	rm -rf $(VENV) .liqwatch .pytest_cache
