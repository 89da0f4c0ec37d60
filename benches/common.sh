# Shared by the benchmark scripts (sourced, not run): builds what they run.

# Builds the release `pppp` and libpppp, installs libpppp under $1/prefix and compiles the C
# client benches/c_sessions.c against it as $1/c_sessions.
build_c_client() {
    local out=$1
    cargo build -q --release -p pppp-cli -p pppp-ffi
    scripts/install-c.sh --no-build --profile release --prefix "$PWD/$out/prefix" >/dev/null
    cc -O2 -std=c11 -o "$out/c_sessions" benches/c_sessions.c \
        -I"$out/prefix/include" -L"$out/prefix/lib" -Wl,-rpath,"$PWD/$out/prefix/lib" \
        -lpppp -lpthread
}
