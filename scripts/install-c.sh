#!/usr/bin/env bash
# Builds and installs the C library of pppp:
#   PREFIX/include/pppp.h                      the pppp C API
#   PREFIX/include/pppp/{PPCS,PPPP}_*.h        the vendor-compatible CS2 API headers
#   LIBDIR/libpppp.so.VERSION                  the shared library (SONAME libpppp.so.MAJOR)
#   LIBDIR/libpppp.so.MAJOR, libpppp.so        links to it
#   LIBDIR/libPPCS_API.so, libPPPP_API.so      the vendor library names, links to it
#   LIBDIR/libpppp.a                           the static library
#   LIBDIR/pkgconfig/pppp.pc                   for pkg-config
#
# usage: scripts/install-c.sh [--prefix DIR] [--libdir DIR] [--destdir DIR]
#                             [--profile release|debug] [--no-build] [--target-dir DIR]
#   --prefix     where to install (default /usr/local)
#   --libdir     library directory (default PREFIX/lib)
#   --destdir    staging root prepended to every path (packaging); pppp.pc keeps PREFIX
#   --profile    cargo profile to build and install (default release)
#   --no-build   install what is already built
#   --target-dir cargo's target directory (default: asked from cargo)
set -euo pipefail
cd "$(dirname "$0")/.."
prefix=/usr/local libdir="" destdir="" profile=release build=1 target_dir=""
while [ $# -gt 0 ]; do
    case "$1" in
        --prefix) prefix=$2; shift 2 ;;
        --libdir) libdir=$2; shift 2 ;;
        --destdir) destdir=$2; shift 2 ;;
        --profile) profile=$2; shift 2 ;;
        --no-build) build=0; shift ;;
        --target-dir) target_dir=$2; shift 2 ;;
        -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
        *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done
libdir=${libdir:-$prefix/lib}
case "$(uname -s)" in
    Linux|*BSD) ;;
    *) echo "this script installs ELF shared libraries (Linux, BSD)" >&2; exit 1 ;;
esac
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n1)
major=${version%%.*}
if [ "$build" = 1 ]; then
    cargo build --locked -p pppp-ffi --profile "$profile"
fi
if [ -z "$target_dir" ]; then
    target_dir=${CARGO_TARGET_DIR:-$(cargo metadata --format-version 1 --no-deps |
        sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')}
fi
dir=$target_dir/$([ "$profile" = dev ] && echo debug || echo "$profile")
for f in libpppp_ffi.so libpppp_ffi.a; do
    [ -f "$dir/$f" ] || { echo "$dir/$f not found (build first, or drop --no-build)" >&2; exit 1; }
done
inc=$destdir$prefix/include
lib=$destdir$libdir
install -d "$inc/pppp" "$lib/pkgconfig"
install -m 644 include/pppp.h "$inc/pppp.h"
install -m 644 include/PPCS_API.h include/PPCS_Type.h include/PPCS_Error.h \
    include/PPPP_API.h include/PPPP_Error.h "$inc/pppp/"
install -m 755 "$dir/libpppp_ffi.so" "$lib/libpppp.so.$version"
install -m 644 "$dir/libpppp_ffi.a" "$lib/libpppp.a"
for link in "libpppp.so.$major:libpppp.so.$version" "libpppp.so:libpppp.so.$major" \
    "libPPCS_API.so:libpppp.so.$major" "libPPPP_API.so:libpppp.so.$major"; do
    ln -sfn "${link#*:}" "$lib/${link%%:*}"
done
sed -e "s|@PREFIX@|$prefix|" -e "s|@LIBDIR@|$libdir|" -e "s|@INCLUDEDIR@|$prefix/include|" \
    -e "s|@VERSION@|$version|" -e "s|@PRIVATE_LIBS@|-lgcc_s -lutil -lrt -lpthread -lm -ldl -lc|" \
    ffi/pppp.pc.in > "$lib/pkgconfig/pppp.pc"
echo "installed pppp $version C library into $destdir$prefix (libraries in $lib)"
