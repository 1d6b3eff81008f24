# PayPort: `make run` serves the app, `make test` passes every test. Both set everything up first.
VENV ?= .venv
PY := $(VENV)/bin/python
PYTEST := $(VENV)/bin/pytest
export PICCOLO_CONF := app.piccolo_conf
# pytest-xdist workers for the unit and browser tests: `make test TEST_WORKERS=0` runs them in one process.
TEST_WORKERS ?= auto

.PHONY: run test test-unit test-contract test-e2e setup browser fonts axe docs-ui migrate bench clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

setup: $(VENV)/.installed

browser:
	@test -x /usr/bin/chromium || scripts/install-chromium
	@scripts/install-caddy

# The PDF's fonts come from Debian packages (see README, "Invoice PDF").
fonts:
	@scripts/install-fonts

# JavaScript pinned in package-lock.json: axe-core, injected by the e2e accessibility checks, and swagger-ui-dist,
# the API reference page. --ignore-scripts: no package runs code at install (swagger-ui-dist's analytics would).
node_modules/.installed: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund --silent
	touch $@

axe: node_modules/.installed

# /api/v1/docs serves Swagger UI from /static, never from a CDN: copy the pinned files there (not committed).
SWAGGER_UI := src/app/static/vendor/swagger-ui
SWAGGER_FILES := swagger-ui-bundle.js swagger-ui-standalone-preset.js swagger-ui.css LICENSE NOTICE

$(SWAGGER_UI)/.copied: node_modules/.installed
	mkdir -p $(SWAGGER_UI)
	cp $(addprefix node_modules/swagger-ui-dist/,$(SWAGGER_FILES)) $(SWAGGER_UI)/
	touch $@

docs-ui: $(SWAGGER_UI)/.copied

migrate: setup
	$(VENV)/bin/payport migrate

run: setup fonts docs-ui
	$(VENV)/bin/payport run

test: setup browser fonts test-unit test-contract test-e2e

# pytest exits 5 when it collects nothing: say so loudly instead of failing or passing silently.
test-unit: setup fonts docs-ui
	$(PYTEST) tests/unit -q -rs -p no:playwright -n $(TEST_WORKERS) || { rc=$$?; [ $$rc -eq 5 ] && echo "WARNING: no unit tests collected"; [ $$rc -eq 5 ]; }

# The gateway's calls against the sandbox, and against Stripe's test mode when STRIPE_TEST_SECRET_KEY is set
# (-rs prints why that leg was skipped otherwise).
test-contract: setup
	$(PYTEST) tests/contract -q -rs -p no:playwright || { rc=$$?; [ $$rc -eq 5 ] && echo "WARNING: no contract tests collected"; [ $$rc -eq 5 ]; }

# Browser tests run in their own process: pytest-playwright's sync API breaks pytest-asyncio after it.
test-e2e: setup browser fonts axe docs-ui
	$(PYTEST) tests/e2e -q -rs -n $(TEST_WORKERS) || { rc=$$?; [ $$rc -eq 5 ] && echo "WARNING: no e2e tests collected"; [ $$rc -eq 5 ]; }

# Every bench on SQLite then PostgreSQL (BENCH_POSTGRES_URL), one VERDICT line per target, a summary; fails on a miss.
bench: setup fonts
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) data test-results .pytest_cache node_modules $(SWAGGER_UI)
