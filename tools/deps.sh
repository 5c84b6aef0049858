#!/bin/sh
# deps.sh - install the Debian packages vigil builds and tests with, and
# build its static musl libraries (libuv, mbedTLS, libssh2 on mbedTLS) and
# the nanopb runtime from Debian bookworm's source packages.
#
#   tools/deps.sh [BUILD_DIR]        (default: build)
#
# Versions are pinned below.  Everything lands in BUILD_DIR/deps; a stamp
# file named after the pinned versions makes a second run a no-op, so
# `make` rebuilds nothing once the cache exists.
#
# The libssh2 security update (1.10.0-3+deb12u1) is published as binary
# packages but its source package is not in the source archive, so vigil
# builds the last source the archive serves, 1.10.0-3, with its Debian
# patches.  vigil only connects to configured hosts with known host keys;
# see README "Security notes".
set -eu

BUILD=${1:-build}
case $BUILD in /*) ;; *) BUILD=$(pwd)/$BUILD ;; esac
DEPS=$BUILD/deps
PREFIX=$DEPS/musl
SRC=$DEPS/src

LIBUV=libuv1=1.44.2-1+deb12u1
MBEDTLS=mbedtls=2.28.3-1
LIBSSH2=libssh2=1.10.0-3
NANOPB=nanopb=0.4.7-2
STAMP=$DEPS/.stamp-uv1.44.2-1u1-mbedtls2.28.3-1-ssh2-1.10.0-3-nanopb0.4.7-2-r2

# Packages for building (musl, cmake, the nanopb generator and its python
# modules, protoc) and for the tests' real peers (logger, rsyslog, sshd,
# python3-protobuf, and the libvirt lab of tests/lab: QEMU, libvirt, a
# kernel and busybox for its guests), plus clang's fuzzer and sanitizer
# runtimes and the glibc development libraries the sanitizer build links
# against.
PKGS="build-essential musl-tools musl-dev cmake dpkg-dev xz-utils nanopb
protobuf-compiler python3 python3-protobuf bsdutils rsyslog openssh-server
openssh-client clang libclang-rt-14-dev libuv1-dev libssh2-1-dev
libmbedtls-dev iproute2 procps psmisc qemu-system-x86 qemu-utils
linux-image-amd64 busybox-static cpio libvirt-daemon-system libvirt-clients"

APT="apt-get -o DPkg::Lock::Timeout=600 -o Acquire::Retries=3"
export DEBIAN_FRONTEND=noninteractive

log() { printf 'deps: %s\n' "$*"; }

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $p"
done

need_src=1
[ -f "$STAMP" ] && need_src=0

if [ -n "$missing" ] || [ $need_src = 1 ]; then
	if [ "$(id -u)" != 0 ]; then
		SUDO=sudo
	else
		SUDO=
	fi
	# A deb-src entry mirroring the configured binary sources.
	if [ $need_src = 1 ] && ! grep -rqs '^Types:.*deb-src\|^deb-src' \
	    /etc/apt/sources.list /etc/apt/sources.list.d; then
		if [ -f /etc/apt/sources.list.d/debian.sources ]; then
			sed 's/^Types: deb$/Types: deb-src/' \
			    /etc/apt/sources.list.d/debian.sources |
				$SUDO tee /etc/apt/sources.list.d/vigil-deb-src.sources \
				>/dev/null
		else
			grep '^deb ' /etc/apt/sources.list | sed 's/^deb /deb-src /' |
				$SUDO tee /etc/apt/sources.list.d/vigil-deb-src.list \
				>/dev/null
		fi
		log "added a deb-src entry"
	fi
	log "apt-get update"
	$SUDO $APT update -q >/dev/null
	if [ -n "$missing" ]; then
		log "installing:$missing"
		$SUDO $APT install -y -q --no-install-recommends $missing >/dev/null
	fi
fi

if [ $need_src = 0 ]; then
	log "cached in $DEPS"
	exit 0
fi

rm -rf "$SRC" "$PREFIX" "$DEPS/glibc" "$DEPS/nanopb"
mkdir -p "$SRC" "$DEPS/nanopb"
cd "$SRC"
for p in $LIBUV $MBEDTLS $LIBSSH2 $NANOPB; do
	log "apt-get source $p"
	$APT source -q --download-only "$p" >/dev/null 2>&1 ||
		$APT source -q --download-only "$p"
done
for d in *.dsc; do
	dpkg-source -q -x "$d" >/dev/null 2>&1
done

JOBS=$(nproc 2>/dev/null || echo 2)
BLOG=$DEPS/build.log
: >"$BLOG"
run() {
	"$@" >>"$BLOG" 2>&1 || {
		tail -n 40 "$BLOG" >&2
		log "failed: $* (full log: $BLOG)"
		exit 1
	}
}

# build_all CC PREFIX: the three libraries with one compiler.  The musl
# prefix is what vigil ships; the glibc prefix only serves the sanitizer
# build (ASan and UBSan have no musl runtime).
build_all() {
	cc=$1
	pfx=$2
	mkdir -p "$pfx/include" "$pfx/lib"
	b=$SRC/build-$(basename "$pfx")
	flags="-O2 -g -ffunction-sections -fdata-sections -fPIC"
	[ "$cc" = musl-gcc ] && flags="-Os -ffunction-sections -fdata-sections"

	log "building libuv 1.44.2 with $cc"
	run cmake -S libuv1-1.44.2 -B "$b/uv" -DCMAKE_C_COMPILER="$cc" \
	    -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_FLAGS="$flags" \
	    -DLIBUV_BUILD_TESTS=OFF -DLIBUV_BUILD_BENCH=OFF
	run cmake --build "$b/uv" --target uv_a -j "$JOBS"
	cp "$b/uv/libuv_a.a" "$pfx/lib/libuv.a"
	cp -r libuv1-1.44.2/include/* "$pfx/include/"

	log "building mbedTLS 2.28.3 with $cc"
	rm -rf "$b/mbedtls"
	cp -r mbedtls-2.28.3 "$b/mbedtls"
	# Let vigil hand mbedTLS the same fixed arena as libssh2.
	run perl "$b/mbedtls/scripts/config.pl" -f \
	    "$b/mbedtls/include/mbedtls/config.h" set MBEDTLS_PLATFORM_MEMORY
	run make -j "$JOBS" -C "$b/mbedtls/library" CC="$cc" CFLAGS="$flags" \
	    libmbedcrypto.a libmbedx509.a libmbedtls.a
	cp "$b/mbedtls/library/"libmbed*.a "$pfx/lib/"
	cp -r "$b/mbedtls/include/mbedtls" "$pfx/include/"

	log "building libssh2 1.10.0 (mbedTLS backend) with $cc"
	run cmake -S libssh2-1.10.0 -B "$b/ssh2" -DCMAKE_C_COMPILER="$cc" \
	    -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_FLAGS="$flags" \
	    -DCRYPTO_BACKEND=mbedTLS -DBUILD_SHARED_LIBS=OFF \
	    -DBUILD_EXAMPLES=OFF -DBUILD_TESTING=OFF \
	    -DENABLE_ZLIB_COMPRESSION=OFF \
	    -DMBEDTLS_INCLUDE_DIR="$pfx/include" \
	    -DMBEDTLS_LIBRARY="$pfx/lib/libmbedtls.a" \
	    -DMBEDX509_LIBRARY="$pfx/lib/libmbedx509.a" \
	    -DMBEDCRYPTO_LIBRARY="$pfx/lib/libmbedcrypto.a"
	run cmake --build "$b/ssh2" -j "$JOBS"
	cp "$b/ssh2/src/libssh2.a" "$pfx/lib/"
	cp libssh2-1.10.0/include/*.h "$pfx/include/"
}

build_all musl-gcc "$PREFIX"
build_all gcc "$DEPS/glibc"

log "nanopb runtime"
cp nanopb-0.4.7/pb.h nanopb-0.4.7/pb_common.h nanopb-0.4.7/pb_common.c \
    nanopb-0.4.7/pb_encode.h nanopb-0.4.7/pb_encode.c \
    nanopb-0.4.7/pb_decode.h nanopb-0.4.7/pb_decode.c "$DEPS/nanopb/"

touch "$STAMP"
log "done: $PREFIX"
