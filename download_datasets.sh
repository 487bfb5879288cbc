#!/usr/bin/env bash
# Download the real datasets of the tutorial, or generate the offline demo data.
#
#   bash download_datasets.sh gtzan_music_speech   # GTZAN Music/Speech (~300 MB)
#   bash download_datasets.sh magnatagatune        # MagnaTagATune (~3 GB of mp3)
#   bash download_datasets.sh all                  # both
#   bash download_datasets.sh demo [--quick]       # synthetic demo data, offline, in seconds
#   bash download_datasets.sh --list | --check | --help
#
# Paths, URLs, sizes and checksums come from utils/download.py (python -m utils.download),
# the same code the notebooks use. Downloads go to <data>/downloads/<dataset>/NAME.part,
# resume when interrupted, are verified (size and sha256 where known) and then renamed to
# NAME; the archives are then unpacked into <data>/<dataset>/. A second run does nothing.
# Nothing is deleted except this script's own partial (.part) files.
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

usage() {
    sed -n '2,19p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

pyds() { "$PY" -m utils.download "$@"; }

say() { printf '%s\n' "$*"; }
err() { printf 'error: %s\n' "$*" >&2; }

human() { awk -v b="$1" 'BEGIN { printf "%.1f GB", b / 1e9 }'; }

check_space() {  # check_space DIR BYTES
    local avail
    avail=$(df -Pk "$1" | awk 'NR == 2 { print $4 * 1024 }')
    if [[ -n "$avail" ]] && (( avail < $2 )); then
        err "not enough free disk space in $1: need about $(human "$2"), found $(human "$avail")."
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

verify() {  # verify FILE SIZE SHA256 -> prints a reason and returns 1 on mismatch
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
        if [[ "$got" != "$sha" ]]; then
            say "checksum mismatch: expected sha256 $sha, found $got"
            return 1
        fi
    fi
}

download_one() {  # download_one DIR NAME SIZE SHA256 URL...
    local dir=$1 name=$2 size=$3 sha=$4
    shift 4
    local target="$dir/$name" part="$dir/$name.part" why rc url
    if [[ -f "$target" ]]; then
        if why=$(verify "$target" "$size" "$sha"); then
            say "  $name: already downloaded"
            return 0
        fi
        err "$target exists but fails verification ($why)."
        err "It was not made by this script's last run or is damaged; move it away and run again."
        return 1
    fi
    for url in "$@"; do
        say "  $name: downloading from $url"
        if [[ -f "$part" && "$size" != "-" && "$(file_size "$part")" == "$size" ]]; then
            rc=0  # an earlier run got all of it but stopped before verifying
        else
            rc=0
            curl -fL --retry 2 --retry-delay 1 --connect-timeout "${MUSICDL_CONNECT_TIMEOUT:-20}" \
                --speed-limit 1024 --speed-time 60 -C - -o "$part" "$url" || rc=$?
            if (( rc == 33 )); then  # the server cannot resume: start this file again
                say "  $name: $url cannot resume; downloading from the start"
                rm -f "$part"
                rc=0
                curl -fL --retry 2 --connect-timeout "${MUSICDL_CONNECT_TIMEOUT:-20}" \
                    --speed-limit 1024 --speed-time 60 -o "$part" "$url" || rc=$?
            fi
        fi
        if (( rc != 0 )); then
            say "  $name: failed from $url (curl exit code $rc); trying the next source"
            continue
        fi
        if ! why=$(verify "$part" "$size" "$sha"); then
            err "$name from $url: $why. The bad download was removed and NOT installed."
            rm -f "$part"
            continue
        fi
        mv -f "$part" "$target"
        say "  $name: OK ($(file_size "$target") bytes)"
        return 0
    done
    err "$name could not be downloaded from any known source."
    return 1
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
    mkdir -p "$dir" || return 1
    need=$(pyds --need-bytes "$name") || return 1
    check_space "$dir" "$need" || return 1
    say "$name: downloading into $dir"
    plan=$(pyds --plan "$name") || return 1
    while IFS=$'\t' read -r fname size sha urls; do
        [[ -z "$fname" ]] && continue
        # shellcheck disable=SC2086  # the urls are space-separated on purpose
        download_one "$dir" "$fname" "$size" "$sha" $urls || failed=1
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
    gtzan_music_speech|magnatagatune) fetch "$1" ;;
    *)
        err "unknown argument '$1'."
        usage >&2
        exit 2
        ;;
esac
