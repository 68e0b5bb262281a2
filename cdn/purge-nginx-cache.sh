#!/bin/sh
# Purges from the nginx edge's cache (cdn/nginx.conf.template) every object of the given tracks,
# and every cached copy of the URL paths in CADENCE_PURGE_PATHS, for `cadence takedown`
# (CADENCE_CDN_PURGE_COMMAND="cdn/purge-nginx-cache.sh CACHE_DIR").
#
#   [CADENCE_PURGE_PATHS="/v1/releases/UPC/cover ..."] purge-nginx-cache.sh CACHE_DIR [ISRC...]
#
# nginx-light has no purge module, but a cache entry is a plain file whose header holds its key
# in the first few hundred bytes, and nginx treats a deleted file as a miss:
#   media:  "KEY: http<upstream>/media/<token>/<isrc>/<version>/<path>[<slice range>]"
#   covers: "KEY: http<upstream>/v1/releases/<id>/cover?[size=N&]v=<version or empty>"
# So: read the head of each file, delete those whose key names one of the tracks, or whose path is
# one of the paths (any query string: every size and cover version). Only the first 4 KiB of each
# file are read (a 10 GB cache of 1 MiB slices is ~10 000 files). Safe while nginx runs: it opens
# cache files per request.
set -eu

if [ "$#" -lt 1 ]; then
  echo "usage: [CADENCE_PURGE_PATHS=\"PATH...\"] $0 CACHE_DIR [ISRC...]" >&2
  exit 2
fi
dir=$1
shift
paths=${CADENCE_PURGE_PATHS:-}
if [ "$#" -eq 0 ] && [ -z "$paths" ]; then
  echo "usage: [CADENCE_PURGE_PATHS=\"PATH...\"] $0 CACHE_DIR [ISRC...]: name at least one ISRC or path" >&2
  exit 2
fi
if [ ! -d "$dir" ]; then
  echo "$dir: no such cache folder" >&2
  exit 2
fi

tracks=''
for isrc in "$@"; do
  if ! printf '%s' "$isrc" | grep -Eq '^[A-Z]{2}[A-Z0-9]{3}[0-9]{7}$'; then
    echo "$isrc: not an ISRC" >&2
    exit 2
  fi
  tracks="${tracks:+$tracks|}$isrc"
done

# Paths: root-relative, of the characters release ids and routes use; dots are escaped for the
# regular expression (no other character of the allowed set is special in it).
urls=''
set -f # the paths are split on spaces, never globbed
for path in $paths; do
  if ! printf '%s' "$path" | grep -Eq '^/[A-Za-z0-9/:._-]+$'; then
    echo "$path: not a URL path" >&2
    exit 2
  fi
  urls="${urls:+$urls|}$(printf '%s' "$path" | sed 's/\./\\./g')"
done
set +f

pattern=''
[ -n "$tracks" ] && pattern="^KEY: [^ ]*/media/[^/]+/($tracks)/"
# The upstream part of the key (scheme + proxy host) holds no slash, so the path starts the rest.
[ -n "$urls" ] && pattern="${pattern:+$pattern|}^KEY: [^/ ]*($urls)(\\?|\$)"

# nginx names cache files by the MD5 of their key, in levels=1:2 folders; files being filled are
# `<md5>.<number>` and are left alone. `sh -c` per batch of files: paths may hold spaces.
removed=$(find "$dir" -type f ! -name '*.*' -exec sh -c '
  pattern=$1; shift; count=0
  for file in "$@"; do
    if head -c 4096 "$file" 2>/dev/null | grep -aEq "$pattern"; then rm -f -- "$file"; count=$((count + 1)); fi
  done
  echo "$count"' sh "$pattern" {} + | awk '{ total += $1 } END { print total + 0 }')
echo "purged $removed cached objects of $* $paths" | sed 's/  */ /g; s/ $//'
