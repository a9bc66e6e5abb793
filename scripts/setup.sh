#!/usr/bin/env bash
# Creates .venv with the locked dependencies and the project itself. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-python3.11}
command -v "$python" >/dev/null || python=python3
[ -x .venv/bin/python ] || "$python" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip

# llama-cpp-python compiles llama.cpp (about 7 minutes on 2 cores, once: pip caches the wheel;
# PyPI has no Linux wheel of it). A portable AVX2 build: the default native build picks AMX
# kernels that segfault on some Xeons. LLAVA_BUILD=OFF skips the multimodal library (libmtmd),
# which the text-only embedded model never loads.
export CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON -DLLAVA_BUILD=OFF"
export CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)}
.venv/bin/pip install --progress-bar off -r requirements.lock
.venv/bin/pip install --quiet --no-deps -e .
