# Shared by the step scripts that cross-build a Debian source for the test
# host (build-qemu, build-libvirt). Source it after defining log() and
# archive_problem(); both exit 75 for a problem of Debian's archive, which
# the runner reports as such rather than as a test failure.

# fetch_verified URL FILE SHA256: download URL to FILE unless FILE already
# has the pinned hash; retried, since the mirrors are sometimes briefly
# inconsistent.
fetch_verified() {
    _url=$1 _file=$2 _sha=$3
    if echo "$_sha  $_file" | sha256sum -c --status 2>/dev/null; then
        return 0
    fi
    log "downloading $_url"
    _ok=
    for _i in 1 2 3 4 5; do
        if curl -fsSL --retry 2 -o "$_file.tmp" "$_url"; then _ok=1; break; fi
        log "download failed (attempt $_i), retrying in $((_i * 5)) s"; sleep $((_i * 5))
    done
    [ -n "$_ok" ] || archive_problem "cannot download $_url"
    echo "$_sha  $_file.tmp" | sha256sum -c --status ||
        archive_problem "$(basename "$_file") from the mirror does not have the pinned sha256"
    mv "$_file.tmp" "$_file"
}

# make_sysroot DIR LOG PACKAGES...: a ppc64el sysroot of Debian's packages
# (and their dependencies), extracted, not installed. Made once per package
# list; DIR/.complete marks a finished one.
make_sysroot() {
    _dir=$1 _log=$2; shift 2
    [ -f "$_dir/.complete" ] && return 0
    log "making the ppc64el sysroot ($*)"
    rm -rf "$_dir" "$_dir.tmp"
    _inc=$(echo "$@" | tr ' ' ,)
    _ok=
    for _i in 1 2 3; do
        if mmdebstrap --quiet --mode=root --arch=ppc64el --variant=extract \
            --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr --include="$_inc" \
            "$DEBIAN_SUITE" "$_dir.tmp" "$DEBIAN_MIRROR" >"$_log" 2>&1; then
            _ok=1; break
        fi
        log "mmdebstrap failed (attempt $_i; Debian's ppc64el indexes may be briefly inconsistent)"
        tail -n 5 "$_log" >&2; rm -rf "$_dir.tmp"; sleep $((_i * 10))
    done
    [ -n "$_ok" ] || archive_problem "cannot make the ppc64el sysroot (log: $_log)"
    # Absolute symlinks point into the build host's own /usr: make them
    # relative, so the cross linker finds the sysroot's libraries.
    find "$_dir.tmp" -type l -lname '/*' | while read -r _l; do
        ln -sfn "$(realpath -m --relative-to="$(dirname "$_l")" "$_dir.tmp$(readlink "$_l")")" "$_l"
    done
    touch "$_dir.tmp/.complete"
    mv "$_dir.tmp" "$_dir"
}
