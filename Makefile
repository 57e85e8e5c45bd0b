# Tessera: `make run` and `make test` are the two commands of the README.
SWIFT ?= swift
BIN := .build/debug/tessera
RELEASE_BIN := .build/release/tessera
SHARED ?= $(abspath ../shared)

.PHONY: setup build release run test asan fuzz bench parity check-browser clean

setup:
	@./scripts/setup.sh

build: setup
	$(SWIFT) build

release: setup
	$(SWIFT) build -c release

# The main job: replay the tour notebook headlessly, printing each cell's outputs and
# writing the executed copy (notebooks/tour.executed.ipynb).
run: release
	$(RELEASE_BIN) run notebooks/tour.ipynb -o notebooks/tour.executed.ipynb

# Every test: unit tests per module with the language's own cases (and those of
# $(SHARED)/language-tests when that folder exists), the stdio protocol test that drives a
# real `tessera kernel --stdio`, the Jupyter conformance run (jupyter_kernel_test, wire
# faults, nbclient over notebooks/) in a venv, a Swift package outside the repository that
# trains a network with TesseraNN alone, and a smoke pass of each fuzzer.
# The venv comes first: it holds NVIDIA's NVRTC, with which the unit tests compile the
# CUDA backend's kernels (no GPU needed for that).
NVRTC_DIR = $$(.venv/bin/python -c "import nvidia.cuda_nvrtc as m; print(list(m.__path__)[0] + '/lib')")
test: setup
	./scripts/venv.sh Tests/conformance/requirements.txt
	$(SWIFT) build --build-tests
	TESSERA_CUDA_LIBRARY_PATH="$(NVRTC_DIR)" TESSERA_REQUIRE_NVRTC=1 TESSERA_LANGUAGE_TESTS=$(wildcard $(SHARED)/language-tests) \
		$(SWIFT) test --skip-build --disable-swift-testing
	./scripts/conformance.sh $(BIN)
	./scripts/check-swift-package.sh
	./scripts/fuzz.sh $(FUZZ_SECONDS)

# Seconds each fuzz harness runs in `make test` (a smoke pass over its corpus; `make fuzz`
# runs them for ten minutes each).
FUZZ_SECONDS ?= 5

# The unit tests once more under AddressSanitizer (CI runs it after `make test`).
asan: setup
	TESSERA_LANGUAGE_TESTS=$(wildcard $(SHARED)/language-tests) ./scripts/asan.sh

# libFuzzer over the decoders of hostile input, ten minutes per harness (Fuzz/, corpora in
# Fuzz/corpus, findings in .fuzz/).
fuzz: setup
	./scripts/fuzz.sh $(or $(SECONDS_EACH),600)

# Every notebook in a real JupyterLab (headless Chromium driven by Selenium): run, saved and
# checked cell by cell, screenshots in .check-browser/. Installs Chromium (apt), JupyterLab
# and Selenium (venv) on first use.
check-browser: build
	./scripts/check-browser.sh $(BIN)

bench: release
	./scripts/venv.sh bench/requirements.txt
	python3 bench/spine.py --tessera $(RELEASE_BIN)
	python3 bench/idioms.py --tessera $(RELEASE_BIN)
	.venv/bin/python bench/jupyter.py --tessera $(RELEASE_BIN)
	.venv/bin/python bench/replay.py --tessera $(RELEASE_BIN)
	.venv/bin/python bench/read_csv.py --tessera $(RELEASE_BIN)
	.venv/bin/python bench/metrics.py --tessera $(RELEASE_BIN)
	.venv/bin/python bench/tensor.py --tessera $(RELEASE_BIN)
	.venv/bin/python bench/train.py --tessera $(RELEASE_BIN)
	.venv/bin/python bench/hpo.py --tessera $(RELEASE_BIN)
	.venv/bin/python bench/defaults.py --tessera $(RELEASE_BIN)
	$(RELEASE_BIN) run bench/tune_digits.tsr

# Golden files for TesseraNN's PyTorch parity tests (Tests/TesseraNNTests/Golden): needs
# PyTorch, which the bench venv installs; the files are committed, so `make test` does not.
parity:
	./scripts/venv.sh bench/requirements.txt
	.venv/bin/python scripts/parity.py
	.venv/bin/python scripts/parity_sequences.py

clean:
	rm -rf .build .build-fuzz .build-asan .check-browser
