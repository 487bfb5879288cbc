#!/usr/bin/env bash
# Download the real datasets of the tutorial, or generate the offline demo data.
#
#   bash download_datasets.sh gtzan_music_speech   # GTZAN Music/Speech (~300 MB)
#   bash download_datasets.sh magnatagatune        # MagnaTagATune (~3 GB of mp3)
#   bash download_datasets.sh all                  # both (not the optional ones below)
#   bash download_datasets.sh gtzan_genre          # optional: GTZAN genre collection (~1.2 GB)
#                                                  # and its fault-filtered split lists
#   bash download_datasets.sh demo [--quick]       # synthetic demo data, offline, in seconds
#   bash download_datasets.sh --list | --check | --help
#
# Paths, URLs, sizes and checksums come from utils/download.py (python -m utils.download),
# the same code the notebooks use. Downloads go to <data>/downloads/<dataset>/NAME.part,
# resume when interrupted, are verified (size and sha256 where known) and then renamed to
# NAME; the archives are then unpacked into <data>/<dataset>/. A second run does nothing.
# Nothing is deleted except this script's own partial (.part) files. A web page served
# instead of a file (a Wi-Fi login page) is kept aside as NAME.rejected, never installed.
# Two runs at once are safe: the second waits for the first.
#
# Environment: MUSICDL_DATA (data folder), PYTHON (interpreter), MUSICDL_SOURCES_FILE
# (a JSON file replacing the built-in source list, e.g. a local mirror),
# MUSICDL_CONNECT_TIMEOUT (seconds, default 20).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$HERE"

if [[ -n "${PYTHON:-}" ]]; then
    PY="$PYTHON"
elif [[ -x .venv/bin/python ]]; then
    PY=.venv/bin/python
else
    PY=python3
fi

usage() {  # the comment block at the top of this file, up to its first line of code
    awk 'NR == 1 { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "${BASH_SOURCE[0]}"
}

pyds() { "$PY" -m utils.download "$@"; }

say() { printf '%s\n' "$*"; }
err() { printf 'error: %s\n' "$*" >&2; }

human() { awk -v b="$1" 'BEGIN { printf "%.1f GB", b / 1e9 }'; }

check_space() {  # check_space DIR BYTES
    # df counts 1024-byte blocks. The comparison stays in whole numbers in bash: awk prints a
    # product as large as 6.95095e+10, which bash arithmetic cannot read.
    local avail_kb
    avail_kb=$(df -Pk "$1" 2>/dev/null | awk 'NR == 2 { print $4 }')
    if [[ ! "$avail_kb" =~ ^[0-9]+$ ]]; then
        say "  (could not measure the free disk space in $1; df said '${avail_kb}'; going on)"
        return 0
    fi
    if (( avail_kb * 1024 < $2 )); then
        err "not enough free disk space in $1: need about $(human "$2"), found $(human "$((avail_kb * 1024))")."
        err "Free some space, or point MUSICDL_DATA at a bigger disk and run this again."
        return 1
    fi
}

file_size() { wc -c < "$1" | tr -d ' '; }

# Python's hashlib (the interpreter is needed anyway) rather than sha256sum, which older
# macOS and some minimal systems lack: there the empty "checksum" made every good download
# fail verification and be removed.
sha256_of() {
    "$PY" -c 'import hashlib, sys
h = hashlib.sha256()
with open(sys.argv[1], "rb") as f:
    for block in iter(lambda: f.read(1 << 20), b""):
        h.update(block)
print(h.hexdigest())' "$1"
}

verify() {  # verify FILE SIZE SHA256[,SHA256...] -> prints a reason and returns 1 on mismatch
    # Several checksums (comma-separated): copies of one archive that mirrors packed anew.
    local file=$1 size=$2 sha=$3 got
    if [[ "$size" != "-" ]]; then
        got=$(file_size "$file")
        if [[ "$got" != "$size" ]]; then
            say "size mismatch: expected $size bytes, found $got"
            return 1
        fi
    fi
    if [[ "$sha" != "-" ]]; then
        got=$(sha256_of "$file") || { say "could not compute the sha256 of $file"; return 1; }
        if [[ ",$sha," != *",$got,"* ]]; then
            say "checksum mismatch: expected sha256 ${sha//,/ or }, found $got"
            return 1
        fi
    fi
}

fetch_url() {  # fetch_url PART URL [--resume] -> sets rc, http_code, content_type
    local out
    local -a resume=()
    [[ "${3:-}" == --resume ]] && resume=(-C -)
    rc=0
    out=$(curl -fL --retry 2 --retry-delay 1 --connect-timeout "${MUSICDL_CONNECT_TIMEOUT:-20}" \
        --speed-limit 1024 --speed-time 60 ${resume[@]+"${resume[@]}"} \
        -w '%{http_code} %{content_type}' \
        -o "$1" "$2") || rc=$?
    http_code=${out%% *}
    [[ "$http_code" == 000 ]] && http_code=""  # no HTTP answer at all
    content_type=${out#* }
}

download_one() {  # download_one DATASET DIR NAME SIZE SHA256 URL...
    local ds=$1 dir=$2 name=$3 size=$4 sha=$5
    shift 5
    local target="$dir/$name" part="$dir/$name.part" why url rc http_code content_type
    local rejected="$dir/$name.rejected" stale="$dir/$name.part.stale" cuts moved
    if [[ -f "$target" ]]; then
        if ! why=$(pyds --inspect "$ds" "$target"); then
            # e.g. a captive portal's page that an older version of this script saved
            mv -f "$target" "$rejected"
            say "  $name: the file already in $dir is $why;"
            say "  $name: moved it aside to $rejected and downloading again"
        elif why=$(verify "$target" "$size" "$sha"); then
            say "  $name: already downloaded"
            return 0
        else
            err "$target exists but fails verification ($why)."
            err "It was not made by this script's last run or is damaged; move it away and run again."
            return 1
        fi
    fi
    for url in "$@"; do
        say "  $name: downloading from $url"
        rc=0 http_code="" content_type="" cuts=0 moved=0
        if [[ -f "$part" && "$size" != "-" && "$(file_size "$part")" == "$size" ]]; then
            : # an earlier run got all of it but stopped before verifying
        else
            while :; do
                fetch_url "$part" "$url" --resume
                if (( rc == 33 )); then  # the server cannot resume: start this file again
                    say "  $name: $url cannot resume; downloading from the start"
                    rm -f "$part"
                    fetch_url "$part" "$url"
                elif (( rc == 22 )) && [[ "$http_code" == 416 && -f "$part" && $moved == 0 ]]; then
                    # "Range Not Satisfiable": the partial file is already as long as the remote
                    # one, or longer (another file, or a page saved by an older run).
                    mv -f "$part" "$stale"
                    moved=1
                    say "  $name: the server answered 416 to resuming $part ($(file_size "$stale") bytes):"
                    say "  $name: it is as long as the remote file or longer. Moved it aside to $stale;"
                    say "  $name: downloading again from the start"
                    continue
                elif (( rc == 18 || rc == 56 )) && (( cuts < 3 )) && [[ -f "$part" ]]; then
                    cuts=$((cuts + 1))  # the connection was cut: go on from where it stopped
                    say "  $name: the connection was cut after $(file_size "$part") bytes; resuming ($cuts of 3)"
                    continue
                fi
                break
            done
        fi
        if (( rc != 0 )); then
            say "  $name: failed from $url (curl exit code $rc${http_code:+, HTTP $http_code}); trying the next source"
            continue
        fi
        if ! why=$(pyds --inspect "$ds" "$part" --content-type "$content_type"); then
            mv -f "$part" "$rejected"
            err "$name from $url is $why. It was NOT installed;"
            err "it is kept as $rejected for you to look at. A Wi-Fi network that wants you to log in"
            err "or accept terms in a browser first (hotel, conference) answers like this: do that, then run this again."
            continue
        fi
        if ! why=$(verify "$part" "$size" "$sha"); then
            err "$name from $url: $why. The bad download was removed and NOT installed."
            rm -f "$part"
            continue
        fi
        mv -f "$part" "$target"
        if [[ -f "$stale" ]]; then
            rm -f "$stale"
            say "  $name: removed the stale partial file $stale"
        fi
        say "  $name: OK ($(file_size "$target") bytes)"
        return 0
    done
    err "$name could not be downloaded from any known source."
    if [[ -f "$part" ]]; then
        err "The partial download $part ($(file_size "$part") bytes) is kept; the next run resumes it."
    fi
    return 1
}

# One run at a time per dataset: a second run waits for the first instead of writing into the
# same .part files. The lock is a folder (mkdir is atomic everywhere) holding the owner's pid.
LOCKS=()
release_locks() {
    local lock
    for lock in "${LOCKS[@]+"${LOCKS[@]}"}"; do rm -rf "$lock"; done
}
trap release_locks EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

take_lock() {  # take_lock DIR
    local lock="$1/.lock" owner="" said=0
    until mkdir "$lock" 2>/dev/null; do
        { owner=$(< "$lock/pid"); } 2>/dev/null || owner=""
        if [[ -n "$owner" ]] && ! kill -0 "$owner" 2>/dev/null; then
            say "  removing the lock of an earlier run (pid $owner) that is no longer running"
            rm -rf "$lock"
            continue
        fi
        if (( ! said )); then
            say "  another run of download_datasets.sh${owner:+ (pid $owner)} is working in $1; waiting for it to finish"
            said=1
        fi
        sleep 1
    done
    printf '%s\n' "$$" > "$lock/pid"
    LOCKS+=("$lock")
}

fetch() {  # fetch DATASET
    # Every step checks its own status: `set -e` is off inside a function called as
    # `fetch NAME || ...` (the `all` case), so failures would otherwise go unnoticed.
    local name=$1 dir dest need fname size sha urls failed=0 plan
    dest=$(pyds --where "$name") || return 1
    if pyds --present "$name"; then
        say "$name: already present in $dest; nothing to do."
        return 0
    fi
    dir=$(pyds --downloads "$name") || return 1
    if ! mkdir -p "$dir" 2>/dev/null || [[ ! -w "$dir" ]]; then
        err "cannot write into $dir (the data folder is read-only or not yours)."
        err "Set MUSICDL_DATA to a writable folder, e.g. MUSICDL_DATA=\$HOME/musicdl-data, and run this again."
        return 1
    fi
    take_lock "$dir"
    if pyds --present "$name"; then  # the run we waited for installed it
        say "$name: already present in $dest; nothing to do."
        return 0
    fi
    need=$(pyds --need-bytes "$name") || return 1
    check_space "$dir" "$need" || return 1
    say "$name: downloading into $dir"
    plan=$(pyds --plan "$name") || return 1
    while IFS=$'\t' read -r fname size sha urls; do
        [[ -z "$fname" ]] && continue
        # shellcheck disable=SC2086  # the urls are space-separated on purpose
        download_one "$name" "$dir" "$fname" "$size" "$sha" $urls || failed=1
    done <<< "$plan"
    if (( failed )); then
        say ""
        pyds --manual "$name"
        return 1
    fi
    say "$name: unpacking into $dest"
    if ! pyds --install "$name"; then
        err "$name was downloaded to $dir but could not be installed (see the message above); nothing was deleted."
        return 1
    fi
    say "$name: done. The downloaded archives in $dir can be deleted to save space."
}

if [[ $# -eq 0 ]]; then
    usage
    exit 2
fi

case "$1" in
    -h|--help) usage ;;
    --list) pyds --list ;;
    --check) pyds --check ;;
    demo) shift; "$PY" -m utils.demo "$@" ;;
    all)
        failed=()
        fetch gtzan_music_speech || failed+=(gtzan_music_speech)
        fetch magnatagatune || failed+=(magnatagatune)
        if (( ${#failed[@]} )); then
            err "not installed: ${failed[*]} (see the messages above)."
            exit 1
        fi
        ;;
    gtzan_music_speech|magnatagatune|gtzan_genre) fetch "$1" ;;
    *)
        err "unknown argument '$1'."
        usage >&2
        exit 2
        ;;
esac
