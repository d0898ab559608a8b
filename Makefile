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
TEST_KAFKA_ENV := KAFKA_PORT=$(TEST_KAFKA_PORT) KAFKA_CONTROLLER_PORT=$$(( $(TEST_KAFKA_PORT) + 1 )) \
	KAFKA_STATE_DIR=$(CURDIR)/.kafka/test PYTHON=$(CURDIR)/$(PY)
PYTEST_ARGS ?=

.PHONY: demo test lint kafka-up kafka-down system-deps bench clean

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt $(VENV)/.runtime
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

demo: $(VENV)/.runtime
	$(PY) -m dashboard

# Debian packages the suite needs: Chromium and its driver for browser tests, CJK fonts so Chinese names
# render in screenshots, Java 17 and Maven for the broker. Installed only when missing.
system-deps:
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v chromedriver >/dev/null || missing="$$missing chromium-driver"; \
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
	KAFKA_TEST_BOOTSTRAP=127.0.0.1:$(TEST_KAFKA_PORT) CITYOPS_REQUIRE_ALL_TESTS=1 \
	  $(PY) -m pytest -ra $(PYTEST_ARGS); rc=$$?; \
	$(TEST_KAFKA_ENV) bash kafka/broker.sh stop; exit $$rc

# A local broker on 127.0.0.1:9092 for running the Procfile against (see README).
kafka-up: $(VENV)/.runtime
	PYTHON=$(CURDIR)/$(PY) bash kafka/broker.sh start

kafka-down:
	bash kafka/broker.sh stop

bench: $(VENV)/.dev
	$(TEST_KAFKA_ENV) bash kafka/broker.sh start
	set +e; KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:$(TEST_KAFKA_PORT) $(PY) -m bench.throughput; rc=$$?; \
	$(TEST_KAFKA_ENV) bash kafka/broker.sh stop; exit $$rc

clean:
	rm -rf $(VENV) .kafka kafka/lib .pytest_cache .mypy_cache .ruff_cache
