#!/bin/sh
# Regenerates sample-dicom/ with the project's own generator: the weekly MVIC field set
# (Unity traits), re-encoded losslessly as JPEG-LS (dcmcjpls) to keep the repository small.
set -eu
cd "$(dirname "$0")/.."
out=sample-dicom/mvic
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
build/mvgen --mvic-set "$tmp"
mkdir -p "$out"
rm -f "$out"/*.dcm
for f in "$tmp"/*.dcm; do
	dcmcjpls "$f" "$out/$(basename "$f")"
done
cp "$tmp/truth.json" "$out/truth.json"
ls -l "$out"
