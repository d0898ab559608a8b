# The two commands of the README:
#   make demo   install into .venv and run the whole product in one process (no Kafka needed)
#   make test   install everything, start a real Kafka broker and headless Chromium, run lint + the suite
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# The test broker listens on its own ports and state dir, so a broker from `make kafka-up` can keep running.
TEST_KAFKA_PORT ?= 19092
# A second listener, SASL_PLAINTEXT with SCRAM, for the security tests; a throwaway test-only password.
TEST_KAFKA_SASL_PORT ?= 19094
TEST_KAFKA_SCRAM_USER := cityops
TEST_KAFKA_SCRAM_PASSWORD := cityops-test-secret
TEST_KAFKA_ENV := KAFKA_PORT=$(TEST_KAFKA_PORT) KAFKA_CONTROLLER_PORT=$$(( $(TEST_KAFKA_PORT) + 1 )) \
	KAFKA_SASL_PORT=$(TEST_KAFKA_SASL_PORT) KAFKA_SCRAM_USER=$(TEST_KAFKA_SCRAM_USER) \
	KAFKA_SCRAM_PASSWORD=$(TEST_KAFKA_SCRAM_PASSWORD) \
	KAFKA_STATE_DIR=$(CURDIR)/.kafka/test PYTHON=$(CURDIR)/$(PY)
PYTEST_ARGS ?=
# The browser tests' screenshots (the wall at 1080p and 4K, its alarm through a deuteranope's eyes, the demo at each
# scenario's key moment in each language, ...): kept here after a run (the last run's only), to be looked at.
SCREENSHOTS ?= $(CURDIR)/.artifacts/screenshots

.PHONY: demo test lint kafka-up kafka-down kafka-demo system-deps bench clean

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt requirements-confluent.txt $(VENV)/.runtime
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

demo: $(VENV)/.runtime
	$(PY) -m dashboard

# Debian packages the suite needs: Chromium and its driver for browser tests, kcat (a librdkafka client, for the
# partitioner test of docs/telemetry.md), CJK fonts so Chinese names render in screenshots, Java 17 and Maven
# for the broker. Installed only when missing.
system-deps:
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v chromedriver >/dev/null || missing="$$missing chromium-driver"; \
	command -v kcat >/dev/null || missing="$$missing kcat"; \
	fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || missing="$$missing fonts-noto-cjk"; \
	command -v java >/dev/null || missing="$$missing openjdk-17-jre-headless"; \
	command -v mvn >/dev/null || missing="$$missing maven"; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q $$missing; \
	fi

lint: $(VENV)/.dev
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

test: $(VENV)/.dev system-deps lint
	$(TEST_KAFKA_ENV) bash kafka/broker.sh start
	set +e; \
	rm -rf $(SCREENSHOTS); mkdir -p $(SCREENSHOTS); \
	KAFKA_TEST_BOOTSTRAP=127.0.0.1:$(TEST_KAFKA_PORT) CITYOPS_REQUIRE_ALL_TESTS=1 CITYOPS_SCREENSHOTS=$(SCREENSHOTS) \
	  KAFKA_TEST_SASL_BOOTSTRAP=127.0.0.1:$(TEST_KAFKA_SASL_PORT) KAFKA_TEST_SASL_USERNAME=$(TEST_KAFKA_SCRAM_USER) \
	  KAFKA_TEST_SASL_PASSWORD=$(TEST_KAFKA_SCRAM_PASSWORD) \
	  $(PY) -m pytest -ra $(PYTEST_ARGS); rc=$$?; \
	$(TEST_KAFKA_ENV) bash kafka/broker.sh stop; exit $$rc

# A local broker on 127.0.0.1:9092 for running the Procfile against (see README).
kafka-up: $(VENV)/.runtime
	PYTHON=$(CURDIR)/$(PY) bash kafka/broker.sh start

kafka-down:
	bash kafka/broker.sh stop

# The Procfile against the local broker, with the 60x simulator (so the simulated clock on every process).
kafka-demo: $(VENV)/.dev
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:9092 CITYOPS_CLOCK=simulated \
	  HOST=127.0.0.1 $(PY) -m honcho start -p 8050

# Every benchmark of issue 8 and one table (bench/__main__.py); bench.peers needs quix-streams
# (bench/requirements-peers.txt, never the product's requirements).
bench: $(VENV)/.dev
	$(PY) -m pip install -q -r bench/requirements-peers.txt
	$(TEST_KAFKA_ENV) bash kafka/broker.sh start
	set +e; KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:$(TEST_KAFKA_PORT) $(PY) -m bench $(BENCH_ARGS); rc=$$?; \
	$(TEST_KAFKA_ENV) bash kafka/broker.sh stop; exit $$rc

clean:
	rm -rf $(VENV) .kafka kafka/lib .pytest_cache .mypy_cache .ruff_cache
