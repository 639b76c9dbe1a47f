# The two commands a new user runs: `make demo` and `make test`. Both create .venv and install
# the project the same way (torch pinned, see settings.ini).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CONFIG ?= configs/demo.yaml configs/eurusd.yaml
export NUMBA_CACHE_DIR ?= $(CURDIR)/.venv/numba-cache
export MPLBACKEND ?= Agg

# JupyterLab on the workbook, loopback only, new notebooks and notebooks without a kernel on `tsresearch`
# (tests/test_lab.py starts the server with these same flags).
LAB_FLAGS := --ServerApp.ip=127.0.0.1 --MappingKernelManager.default_kernel_name=tsresearch

.PHONY: demo test test-scale install kernel lab export readme clean-nbs check-sync bench distclean

$(STAMP): settings.ini setup.py
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[dev]"
	$(BIN)/python -m ipykernel install --sys-prefix --name tsresearch --display-name "Python (tsresearch)" >/dev/null
	touch $(STAMP)

install: $(STAMP)
kernel: $(STAMP)

lab: $(STAMP)
	PYTHONPATH="$(CURDIR)" $(BIN)/jupyter lab $(LAB_FLAGS) --ServerApp.root_dir="$(CURDIR)" \
	  $(if $(filter 0,$(shell id -u)),--ServerApp.allow_root=True) nbs/index.ipynb   # root: in a container

demo: $(STAMP)
	$(BIN)/tsresearch run $(CONFIG)

test: $(STAMP)
	PATH="$(CURDIR)/$(BIN):$$PATH" bash .ci/check_sync.sh
	$(BIN)/tsresearch run configs/smoke.yaml   # the smoke study end to end; notebook tests then reuse its artifacts
	$(BIN)/nbdev_test --n_workers 2
	$(BIN)/python -m pytest -q --durations=12 tests

# Scale-out checks (issue 14), about 7 min on 2 cores: the tune_smoke study end to end, and the smoke study's fold
# chains as Ray tasks against threads (identical bytes). CI runs them after `make test`.
test-scale: $(STAMP)
	TSRESEARCH_SCALE=1 $(BIN)/python -m pytest -q --durations=5 tests/test_tune_smoke.py tests/test_ray.py::test_ray_executor_gives_the_local_bytes

export: $(STAMP)
	$(BIN)/nbdev_export && $(BIN)/nbdev_clean
	$(MAKE) readme

readme: $(STAMP)
	$(BIN)/jupyter nbconvert --to markdown --stdout --log-level=ERROR nbs/index.ipynb > README.md

bench: $(STAMP)
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/labeling.py
	$(BIN)/python bench/features.py
	$(BIN)/python bench/windows.py
	$(BIN)/python bench/tft.py
	$(BIN)/python bench/train.py
	$(BIN)/python bench/tuning.py
	$(BIN)/python bench/executor.py

distclean:
	rm -rf $(VENV) runs reports/*/ data/staged data/generated
