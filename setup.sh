#!/usr/bin/env bash
# einsim setup: installs the Debian packages einsim needs (when missing),
# configures and builds. Options:
#   --test       also run the test suite (ctest)
#   --sanitize   build with ASan+UBSan into build-asan/ (combine with --test)
#   --fuzz       build the libFuzzer targets with clang into build-fuzz/
#   --no-install skip the package check
#   --target T   build only target T (e.g. einsim), not every test and benchmark
# Environment: BUILD_DIR (default build/, or build-asan/ / build-fuzz/), JOBS.
set -euo pipefail
cd "$(dirname "$0")"

run_tests=0 sanitize=0 fuzz=0 install=1 target=""
while [ "$#" -gt 0 ]; do
  arg="$1"; shift
  case "$arg" in
    --target) target="${1:?setup.sh: --target needs a target name}"; shift ;;
    --target=*) target="${arg#--target=}" ;;
    --test) run_tests=1 ;;
    --sanitize) sanitize=1 ;;
    --fuzz) fuzz=1 ;;
    --no-install) install=0 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "setup.sh: unknown option '$arg' (try --help)" >&2; exit 2 ;;
  esac
done

packages=(build-essential cmake ninja-build pkg-config libsystemc-dev libyaml-cpp-dev
          libboost-graph-dev catch2 libcli11-dev nlohmann-json3-dev libfmt-dev
          libsqlite3-dev libjs-vega chromium libopenmpi-dev openmpi-bin
          libonnx-dev libprotobuf-dev protobuf-compiler)
if [ "$fuzz" = 1 ]; then packages+=(clang libclang-rt-14-dev); fi

if [ "$install" = 1 ]; then
  missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "setup.sh: installing ${missing[*]}"
    sudo_cmd=()
    if [ "$(id -u)" != 0 ]; then sudo_cmd=(sudo); fi
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
fi

jobs="${JOBS:-$(nproc)}"
cmake_args=(-G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo)
if [ "$sanitize" = 1 ]; then
  build="${BUILD_DIR:-build-asan}"
  cmake_args+=(-DEINSIM_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug -DEINSIM_BENCH=OFF)
elif [ "$fuzz" = 1 ]; then
  build="${BUILD_DIR:-build-fuzz}"
  cmake_args+=(-DEINSIM_FUZZ=ON -DEINSIM_TESTS=ON -DEINSIM_BENCH=OFF
               -DCMAKE_CXX_COMPILER=clang++)
else
  build="${BUILD_DIR:-build}"
fi

cmake -S . -B "$build" "${cmake_args[@]}" >/dev/null
if [ -n "$target" ]; then
  cmake --build "$build" -j "$jobs" --target "$target"
else
  cmake --build "$build" -j "$jobs"
fi

if [ "$run_tests" = 1 ]; then
  export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1
  if [ "$sanitize" = 1 ]; then
    export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
    export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  fi
  ctest --test-dir "$build" --output-on-failure -j "$jobs"
fi
