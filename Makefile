# Balcão Virtual — the two commands that matter: `make run` and `make test`.
SHELL := /bin/bash
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
AZURITE_DIR := .azurite
PORT ?= 7071
SWA_PORT ?= 4280

.PHONY: install install-python install-node install-browser install-infra run test test-fast lint fmt bench clean azurite settings teams-package teams-icons vendor-altcha

install: install-python install-node install-browser

install-python: $(VENV)/.installed
$(VENV)/.installed: requirements.txt requirements-dev.txt
	@command -v $(PY) >/dev/null || { echo "Python 3.11 is required"; exit 1; }
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

# --ignore-scripts: nothing runs at install time. The SWA CLI's optional keytar (a credential store it
# needs only to deploy) would otherwise compile against Node headers downloaded from the internet.
install-node: node_modules/.installed
node_modules/.installed: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

# Debian's Chromium for the browser tests (Playwright cannot download its own browser here).
install-browser:
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; fi; }

# Checkov and pycep pin many packages: they live in their own virtual environment.
install-infra: .venv-infra/.installed
.venv-infra/.installed: requirements-infra.txt
	test -x .venv-infra/bin/python || $(PY) -m venv .venv-infra
	.venv-infra/bin/pip install --quiet --disable-pip-version-check -r requirements-infra.txt
	touch $@

# local.settings.json from the sample, with a fresh random token key and a local VAPID key pair for Web
# Push (never committed).
settings: local.settings.json
local.settings.json: local.settings.sample.json
	@$(BIN)/python -c "import json,base64,os; s=json.load(open('local.settings.sample.json')); \
	s['Values']['BALCAO_TOKEN_KEYS']='k1:'+base64.b64encode(os.urandom(32)).decode(); \
	s['Values']['BALCAO_ALTCHA_KEY']=base64.b64encode(os.urandom(32)).decode(); \
	s['Values']['BALCAO_ALWAYS_OPEN']=os.environ.get('ALWAYS_OPEN', s['Values']['BALCAO_ALWAYS_OPEN']); \
	from adapters.notice_push import new_vapid_keys; \
	s['Values']['PUSH_VAPID_PUBLIC_KEY'], s['Values']['PUSH_VAPID_PRIVATE_KEY'] = new_vapid_keys(); \
	json.dump(s, open('local.settings.json','w'), indent=2)"
	@echo "local.settings.json criado"

# Starts Azurite (data kept in .azurite/), loads the demo units, runs the dev host (API on :$(PORT)) and the
# SWA CLI in front of it, as the Static Web App is in Azure: pages, production headers, sign-in emulation,
# /api proxied. ALWAYS_OPEN=true keeps every unit open for a demo at any hour.
run: install-python install-node settings
	@mkdir -p $(AZURITE_DIR)
	@node_modules/.bin/azurite --silent --disableTelemetry --skipApiVersionCheck --loose \
	  --location $(AZURITE_DIR) --blobHost 127.0.0.1 --queueHost 127.0.0.1 --tableHost 127.0.0.1 \
	  --blobKeepAliveTimeout=300 --queueKeepAliveTimeout=300 --tableKeepAliveTimeout=300 \
	  > $(AZURITE_DIR)/azurite.log 2>&1 & echo $$! > $(AZURITE_DIR)/pid; \
	trap 'kill $$(cat $(AZURITE_DIR)/pid) $$DEVHOST $$SWA 2>/dev/null' EXIT INT TERM; \
	for i in $$(seq 50); do (echo > /dev/tcp/127.0.0.1/10002) 2>/dev/null && break; sleep 0.2; done; \
	export $$($(BIN)/python -c "import json; v=json.load(open('local.settings.json'))['Values']; print(' '.join(f'{k}={x}' for k,x in v.items() if k=='AzureWebJobsStorage' or k.startswith('BALCAO_CONFIG')))"); \
	$(BIN)/python -m adapters.config_source infra/config/balcao.json || exit 1; \
	$(BIN)/python infra/site_config.py emulator --site site --out .swa > /dev/null || exit 1; \
	$(if $(ALWAYS_OPEN),BALCAO_ALWAYS_OPEN=$(ALWAYS_OPEN)) $(BIN)/python -m devhost --port $(PORT) --quiet & DEVHOST=$$!; \
	for i in $$(seq 100); do (echo > /dev/tcp/127.0.0.1/$(PORT)) 2>/dev/null && break; sleep 0.2; done; \
	NO_UPDATE_NOTIFIER=1 node_modules/.bin/swa start site --swa-config-location .swa \
	  --api-devserver-url http://127.0.0.1:$(PORT) --host 127.0.0.1 --port $(SWA_PORT) \
	  > $(AZURITE_DIR)/swa.log 2>&1 & SWA=$$!; \
	for i in $$(seq 150); do (echo > /dev/tcp/127.0.0.1/$(SWA_PORT)) 2>/dev/null && break; sleep 0.2; done; \
	echo ""; echo "Balcão Virtual: http://127.0.0.1:$(SWA_PORT)/  (SWA CLI; login em /.auth/login/aad)"; \
	echo "API no dev host: http://127.0.0.1:$(PORT)/api  (Ctrl+C para parar)"; \
	wait $$DEVHOST

# Two workers (the machine has two cores); each starts its own Azurite and dev hosts on free ports.
# A test file stays on one worker, in order: its module-scoped system is started once.
test: install install-infra
	$(BIN)/python -m pytest -n 2 --dist loadfile

# The unit tier: the use cases on the in-memory fakes (tests/usecases), the domain's rules, the fakes'
# side of the ports' contract suite and the architecture checks. No Azurite, no host, no browser.
FAST := tests/usecases tests/domain tests/contract/ports tests/contract/test_architecture.py
test-fast: install-python
	$(BIN)/python -m pytest -n 2 -m "not azurite" $(FAST)

# Secret scan: detect-secrets' credential detectors (storage keys, private keys, tokens...) over every file
# git tracks. The generic entropy and keyword detectors are off: they flag alphabets and test fixtures.
# The Azurite development account key is public (documented by Microsoft for the storage emulator): it
# is allowed explicitly, by value, and nothing else is.
AZURITE_DEV_KEY := Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==
SECRET_SCAN := $(BIN)/detect-secrets-hook --disable-plugin Base64HighEntropyString \
  --disable-plugin HexHighEntropyString --disable-plugin KeywordDetector --exclude-secrets '$(AZURITE_DEV_KEY)'

lint: install-python
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/bandit -q -r function_app.py domain adapters functions devhost bench --severity-level high
	git ls-files -z | xargs -0 $(SECRET_SCAN)

fmt: install-python
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The ALTCHA worker the pages solve the proof of work with (site/assets/js/proof.js, issue 16): the pinned
# npm package's own file, committed (site/ is deployed as it is); tests/site/test_altcha_vendored.py checks it.
vendor-altcha: install-node
	cp node_modules/altcha/dist/workers/pbkdf2.js node_modules/altcha/LICENSE.txt site/assets/vendor/altcha/

bench: install
	$(BIN)/python -m bench $(SECTIONS)

# The Teams app package (appPackage/ filled from the deployment's settings; see infra/teams_package.py):
#   azd env get-values > .azure/teams.env && make teams-package ENV_FILE=.azure/teams.env
# Standard library only, so it runs before anything is installed.
TEAMS_PACKAGE ?= appPackage/build/appPackage.zip
teams-package:
	$(PY) infra/teams_package.py $(if $(ENV_FILE),--env-file $(ENV_FILE)) --out $(TEAMS_PACKAGE)

# Redraws appPackage/color.png and outline.png (committed; the test checks they match the script).
teams-icons:
	$(PY) infra/teams_icons.py

clean:
	rm -rf $(AZURITE_DIR) test-artifacts bench-results .pytest_cache .mypy_cache .ruff_cache .swa .build
