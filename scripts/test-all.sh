#!/usr/bin/env bash
# Runs every check and test of the project: the README's test command.
# Installs what a fresh machine lacks (Debian/Ubuntu packages through apt-get, cbindgen through
# cargo) and fails, rather than skipping checks, when something cannot be installed:
# rustfmt and clippy; gcc, g++, make, pkg-config, valgrind (the C API); the pinned cbindgen
# (header drift); python3 with venv (the Python package, the interop test); a headless JDK
# (the Java drop-in library); ffmpeg with x264 (decoder and recording checks); chromium (the
# status page check).
set -euo pipefail
cd "$(dirname "$0")/.."
step() { printf '\n==> %s\n' "$*"; }

apt_updated=0
apt_install() {
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "error: $* missing and no apt-get to install it; install it and run again" >&2
        exit 1
    fi
    if [ "$apt_updated" = 0 ]; then
        apt-get update -qq || { echo "error: apt-get update failed" >&2; exit 1; }
        apt_updated=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" \
        || { echo "error: cannot install $*" >&2; exit 1; }
}

step "tools"
for comp in rustfmt clippy; do
    if ! cargo "${comp/rustfmt/fmt}" --version >/dev/null 2>&1; then
        rustup component add "$comp" || { echo "error: cannot install $comp" >&2; exit 1; }
    fi
done
missing=""
for pair in gcc:gcc g++:g++ make:make pkg-config:pkg-config valgrind:valgrind \
    javac:default-jdk-headless ffmpeg:ffmpeg ffprobe:ffmpeg chromium:chromium; do
    command -v "${pair%%:*}" >/dev/null 2>&1 || missing="$missing ${pair#*:}"
done
python3 -c 'import venv, ensurepip' 2>/dev/null || missing="$missing python3-venv"
if [ -n "$missing" ]; then
    echo "installing:$missing"
    # shellcheck disable=SC2086 # one word per package
    apt_install $(printf '%s\n' $missing | sort -u)
fi
encoders=$(ffmpeg -hide_banner -encoders 2>/dev/null || true)
[[ $encoders == *libx264* ]] \
    || { echo "error: ffmpeg has no libx264 encoder (the H.264 tests need x264)" >&2; exit 1; }
cbindgen_version=$(sed -n 's/^CBINDGEN_VERSION=//p' scripts/gen-header.sh)
if [ "$(cbindgen --version 2>/dev/null | awk '{print $2}')" != "$cbindgen_version" ]; then
    echo "installing cbindgen $cbindgen_version"
    cargo install cbindgen --version "$cbindgen_version" --locked --force \
        || { echo "error: cannot install cbindgen $cbindgen_version" >&2; exit 1; }
fi
cargo --version; rustc --version; python3 --version; javac -version; cbindgen --version

step "format"
cargo fmt --all -- --check
step "clippy"
cargo clippy --workspace --all-targets -- -D warnings
step "unit, simulation, loopback and CLI tests"
cargo test --workspace --exclude pppp-ffi
step "C API: header drift, C examples and C API tests (ASAN/UBSan, valgrind), C++ header check"
scripts/gen-header.sh --verify
cargo test -p pppp-ffi
c_tmp=$(mktemp -d)
scripts/install-c.sh --no-build --profile dev --prefix "$c_tmp/prefix"
PKG_CONFIG_PATH="$c_tmp/prefix/lib/pkgconfig" make -s -f examples/Makefile OUT="$c_tmp" \
    CFLAGS="-O1 -g -Werror"
rm -rf "$c_tmp"
step "Java drop-in: libvstc2_jni.so under both names"
jni_tmp=$(mktemp -d)
scripts/install-jni.sh --no-build --profile dev --libdir "$jni_tmp"
test -f "$jni_tmp/libvstc2_jni.so" && test -f "$jni_tmp/libobject_jni.so"
rm -rf "$jni_tmp"
step "fuzz targets: stable smoke test (seeded inputs and the vectors through every decoder)"
cargo test --manifest-path fuzz/Cargo.toml
step "Python package: pip install ./python, pytest, stubtest, mypy, examples"
scripts/test-python.sh
step "interop: aiopppp 0.2.3 against pppp camera"
scripts/interop-aiopppp.sh
printf '\nall checks passed\n'
