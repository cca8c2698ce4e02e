# Sourced by the kernel steps: the one way prereg invokes the kernel's make
# (cross compiler, ccache, build identity), so every step compiles the same way.
# kmake SRCTREE BUILDDIR [make arguments...]
cache=${PREREG_CACHE:-$HOME/.cache/prereg}
export CCACHE_DIR="$cache/ccache" CCACHE_BASEDIR="$cache/kernel" CCACHE_MAXSIZE=5G
export KBUILD_BUILD_USER=prereg KBUILD_BUILD_HOST=prereg
kmake() {
    _src=$1 _out=$2; shift 2
    make -C "$_src" O="$_out" ARCH=powerpc CROSS_COMPILE=powerpc64le-linux-gnu- \
        CC="ccache powerpc64le-linux-gnu-gcc" "$@"
}
