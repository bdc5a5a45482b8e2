#!/bin/sh
# make bench: speed figures of unityqc on this machine (medians of repeated runs).
set -eu
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "unityqc $(build/unityqc version | cut -d' ' -f2) on $(nproc) cores, $(date -u +%Y-%m-%d)"
build/bench "$tmp"
# Whole commands, process start included.
field=../shared/data/mrl/mv/field/square_50mm_offset_2025-09-17.dcm
median_ms=0
whole() { # LABEL RUNS COMMAND...; leaves the median in median_ms
	label=$1 runs=$2
	shift 2
	line=$(for i in $(seq "$runs"); do
		s=$(date +%s%N)
		"$@" >/dev/null
		e=$(date +%s%N)
		echo $(( (e - s) / 1000 ))
	done | sort -n | awk -v l="$label" '{ a[NR] = $1 } END {
		printf "%-52s median %8.2f ms  min %8.2f  max %8.2f  (n=%d)\n", l, a[int((NR + 1) / 2)] / 1000, a[1] / 1000, a[NR] / 1000, NR }')
	echo "$line"
	median_ms=$(echo "$line" | awk '{ for (i = 1; i < NF; i++) if ($i == "median") print $(i + 1) }')
}
# The scale issue 3 gives for pylinac on this kind of machine: 1.3 s to start, 0.1 s per open
# field. VS_PYLINAC_MS: what pylinac would take for the command just measured.
vs_pylinac() { # PYLINAC_MS WHAT
	awk -v m="$median_ms" -v p="$1" -v w="$2" 'BEGIN {
		printf "    %.0f times faster than pylinac (%s: about %g ms)\n", p / m, w, p }'
}
echo "whole commands:"
# The DICOM dictionary: built in (the default) against DCMTK parsing dicom.dic, on a scan of
# one file (the difference is the parse).
mkdir "$tmp/one" && cp "$field" "$tmp/one/"
dic=$(ls /usr/share/libdcmtk*/dicom.dic | head -1)
whole "  unityqc scan (1 file), built-in dictionary" 25 build/unityqc scan "$tmp/one"
whole "  same, DCMTK parsing $(basename "$dic") (DCMDICTPATH)" 25 env DCMDICTPATH="$dic" build/unityqc scan "$tmp/one"
whole "  unityqc analyze mv_field (real field) --json" 15 build/unityqc analyze mv_field "$field" --json
whole "  unityqc analyze mv_field (5-image MVIC set) --json" 15 build/unityqc analyze mv_field sample-dicom/mvic --json
# The imager writes uncompressed files (every file of ../shared/data/mrl/mv is Explicit VR Little
# Endian); sample-dicom/mvic holds the same kind of set JPEG-LS compressed to keep the repository small.
build/mvgen --mvic-set "$tmp/mvic" >/dev/null
whole "  unityqc analyze mvic_field (5 uncompressed images)" 25 build/unityqc analyze mvic_field "$tmp/mvic"
vs_pylinac 1800 "start 1.3 s + 5 open fields x 0.1 s; target 50 times"
whole "  same, --json (with each file's SHA-256)" 25 build/unityqc analyze mvic_field "$tmp/mvic" --json
whole "  same, --save into SQLite (images hashed, previews)" 15 build/unityqc --db "$tmp/s.db" analyze mvic_field "$tmp/mvic" --save
whole "  unityqc analyze mvic_field (5 JPEG-LS images)" 15 build/unityqc analyze mvic_field sample-dicom/mvic
build/unityqc --db "$tmp/r.db" analyze mvic_field sample-dicom/mvic --save >/dev/null
whole "  unityqc report session (5 images, 6 pages)" 9 build/unityqc --db "$tmp/r.db" report session 1 -o "$tmp/r.pdf"
