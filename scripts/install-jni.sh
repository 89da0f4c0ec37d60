#!/usr/bin/env bash
# Builds and installs the Java drop-in library under both names the vendor SDKs load:
#   LIBDIR/libvstc2_jni.so    System.loadLibrary("vstc2_jni")  (vstc2.nativecaller.NativeCaller)
#   LIBDIR/libobject_jni.so   System.loadLibrary("object_jni") (object.p2pipcam.nativecaller.NativeCaller)
# Both are the same library (one registers its natives on whichever class exists).
#
# usage: scripts/install-jni.sh [--libdir DIR] [--profile release|dev] [--no-build]
#                               [--target-dir DIR] [--target TRIPLE]
#   --libdir     where to put the two files (default /usr/local/lib; for an Android app:
#                app/src/main/jniLibs/<abi>)
#   --profile    cargo profile to build and install (default release)
#   --no-build   install what is already built
#   --target-dir cargo's target directory (default: asked from cargo)
#   --target     a cross target already built (e.g. aarch64-linux-android by cargo-ndk)
set -euo pipefail
cd "$(dirname "$0")/.."
libdir=/usr/local/lib profile=release build=1 target_dir="" target=""
while [ $# -gt 0 ]; do
    case "$1" in
        --libdir) libdir=$2; shift 2 ;;
        --profile) profile=$2; shift 2 ;;
        --no-build) build=0; shift ;;
        --target-dir) target_dir=$2; shift 2 ;;
        --target) target=$2; shift 2 ;;
        -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
        *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done
if [ "$build" = 1 ]; then
    cargo build --locked -p pppp-jni --lib --profile "$profile" ${target:+--target "$target"}
fi
if [ -z "$target_dir" ]; then
    target_dir=${CARGO_TARGET_DIR:-$(cargo metadata --format-version 1 --no-deps |
        sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')}
fi
dir=$target_dir/${target:+$target/}$([ "$profile" = dev ] && echo debug || echo "$profile")
[ -f "$dir/libvstc2_jni.so" ] || { echo "$dir/libvstc2_jni.so not found (build first, or drop --no-build)" >&2; exit 1; }
install -d "$libdir"
install -m 755 "$dir/libvstc2_jni.so" "$libdir/libvstc2_jni.so"
install -m 755 "$dir/libvstc2_jni.so" "$libdir/libobject_jni.so"
echo "installed libvstc2_jni.so and libobject_jni.so into $libdir"
