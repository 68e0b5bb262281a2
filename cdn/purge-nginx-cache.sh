#!/bin/sh
# Purges every object of the given tracks from the nginx edge's cache (cdn/nginx.conf.template),
# for `cadence takedown` (CADENCE_CDN_PURGE_COMMAND="cdn/purge-nginx-cache.sh CACHE_DIR").
#
#   purge-nginx-cache.sh CACHE_DIR ISRC [ISRC...]
#
# nginx-light has no purge module, but a cache entry is a plain file whose header holds its key
# ("KEY: http<upstream>/media/<token>/<isrc>/<version>/<path>[<slice range>]") in the first few
# hundred bytes, and nginx treats a deleted file as a miss. So: read the head of each file, delete
# those whose key names one of the tracks. Only the first 4 KiB of each file are read (a 10 GB
# cache of 1 MiB slices is ~10 000 files). Safe while nginx runs: it opens cache files per request.
set -eu

if [ "$#" -lt 2 ]; then
  echo "usage: $0 CACHE_DIR ISRC [ISRC...]" >&2
  exit 2
fi
dir=$1
shift
if [ ! -d "$dir" ]; then
  echo "$dir: no such cache folder" >&2
  exit 2
fi

alternatives=''
for isrc in "$@"; do
  if ! printf '%s' "$isrc" | grep -Eq '^[A-Z]{2}[A-Z0-9]{3}[0-9]{7}$'; then
    echo "$isrc: not an ISRC" >&2
    exit 2
  fi
  alternatives="${alternatives:+$alternatives|}$isrc"
done
pattern="^KEY: [^ ]*/media/[^/]+/($alternatives)/"

# nginx names cache files by the MD5 of their key, in levels=1:2 folders; files being filled are
# `<md5>.<number>` and are left alone. `sh -c` per batch of files: paths may hold spaces.
removed=$(find "$dir" -type f ! -name '*.*' -exec sh -c '
  pattern=$1; shift; count=0
  for file in "$@"; do
    if head -c 4096 "$file" 2>/dev/null | grep -aEq "$pattern"; then rm -f -- "$file"; count=$((count + 1)); fi
  done
  echo "$count"' sh "$pattern" {} + | awk '{ total += $1 } END { print total + 0 }')
echo "purged $removed cached objects of $*"
