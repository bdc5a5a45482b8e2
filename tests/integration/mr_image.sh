#!/usr/bin/env bash
# The MR phantom analyses (mr_snr, mr_uniformity, mr_ghosting, mr_slice_width, mr_resolution)
# through the command line on hazen's real scans: peer values, catalogue tests, wrong input.
source "$(dirname "$0")/../lib.sh"
t_tmp
H=$SHARED/mr/hazen
m() { json "$1" "[x['value'] for x in j['measurements'] if x['name']=='$2' and x['image']==${3:-0}][0]"; }

# --- mr_snr: MagNET normalised SNR of the Siemens pair, peer 2130.93 (5 %); GE not normalised,
# peer 183.97. A folder of two files is taken as the pair.
"$BIN" analyze mr_snr "$H/snr/Siemens" --json >"$T_TMP/snr.json" 2>"$T_TMP/err"
check "snr: analyze exits 0" test $? = 0
near "snr: Siemens normalised subtraction vs 2130.93" "$(m "$T_TMP/snr.json" snr_normalised -1)" 2130.93 106
has "snr: judged by the catalogue test mr_snr" "$(cat "$T_TMP/snr.json")" '"test": "mr_snr"'
has "snr: roles" "$(cat "$T_TMP/snr.json")" '"role": "acquisition 2"'
"$BIN" analyze mr_snr "$H/snr/GE" --json >"$T_TMP/ge.json"
near "snr: GE subtraction vs 183.97" "$(m "$T_TMP/ge.json" snr_subtraction -1)" 183.97 1.8

# --- mr_uniformity: IPEM fractional uniformity, peer sag.dcm H 0.46875 V 0.5125 (+/- 0.005).
"$BIN" analyze mr_uniformity "$H/uniformity/sag.dcm" --json >"$T_TMP/u.json"
near "uniformity: sag horizontal vs 0.46875" "$(m "$T_TMP/u.json" uniformity_h)" 0.46875 0.005
near "uniformity: sag vertical vs 0.5125" "$(m "$T_TMP/u.json" uniformity_v)" 0.5125 0.005

# --- mr_ghosting: PE_COL phantom, peer 0.01514 % (0.1 point).
"$BIN" analyze mr_ghosting "$H/ghosting/PE_COL_PHANTOM_BOTTOM_RIGHT" --json >"$T_TMP/g.json"
near "ghosting: PE_COL vs 0.01514 %" "$(m "$T_TMP/g.json" ghosting_pct)" 0.01514 0.1

# --- mr_slice_width: Siemens Avanto, peer 5.48 mm (MATLAB, 0.1 mm); the nominal is the
# SliceThickness tag (5 mm), the reference of the catalogue measure.
"$BIN" analyze mr_slice_width "$H/slicewidth/SLICEWIDTH" --json >"$T_TMP/sw.json"
near "slice width: Avanto vs 5.48 mm" "$(m "$T_TMP/sw.json" slice_width_mm)" 5.48 0.1
near "slice width: reference = nominal 5 mm" "$(json "$T_TMP/sw.json" "[x['reference'] for x in j['measurements'] if x['name']=='slice_width_mm'][0]")" 5 0
near "slice width: horizontal linearity vs 119.50 (MATLAB rods)" "$(m "$T_TMP/sw.json" linearity_h_mm)" 119.50 0.2

# --- mr_resolution: Skyra 512, peer 0.4861 / 0.4800 mm (0.05 mm).
"$BIN" analyze mr_resolution "$H/resolution/RESOLUTION" --json >"$T_TMP/r.json"
near "resolution: h vs 0.4861" "$(m "$T_TMP/r.json" resolution_h_mm)" 0.4861 0.05
near "resolution: v vs 0.4800" "$(m "$T_TMP/r.json" resolution_v_mm)" 0.4800 0.05

# --- Every analysis refuses an MV portal image and another test's phantom with a reason.
MV=$SHARED/mrl/mv/field/square_50mm_offset_2025-09-17.dcm
for a in mr_snr:"a uniform MR phantom" mr_uniformity:"a uniform MR phantom" \
	mr_ghosting:"an MR ghosting phantom" mr_slice_width:"a MagNET slice-width phantom" \
	mr_resolution:"a MagNET resolution phantom"; do
	out=$("$BIN" analyze "${a%%:*}" "$MV" 2>&1)
	rc=$?
	check "${a%%:*}: MV image refused (exit 1)" test $rc = 1
	has "${a%%:*}: says why" "$out" "image 1 does not look like ${a#*:}: its modality is RTIMAGE"
done
out=$("$BIN" --lang fr analyze mr_snr "$MV" 2>&1)
has "mr_snr: says why in French" "$out" "l'image 1 ne ressemble pas à un fantôme IRM uniforme : sa modalité est RTIMAGE"
has "slice width: a flood image has no rods" \
	"$("$BIN" analyze mr_slice_width "$H/uniformity/axial_oil.IMA" 2>&1)" "of 9 rods found"
has "resolution: the slice-width phantom has no square insert" \
	"$("$BIN" analyze mr_resolution "$H/slicewidth/SLICEWIDTH" 2>&1)" "no square insert found"
has "snr: the ghosting bottle is too small" \
	"$("$BIN" analyze mr_snr "$H/ghosting/PE_COL_PHANTOM_BOTTOM_RIGHT" 2>&1)" "do not fit inside the phantom"

# --- Stored and reported like any test.
DB=$T_TMP/qc.db
out=$("$BIN" --db "$DB" analyze mr_uniformity "$H/uniformity/cor.dcm" --save --operator qa)
has "save: session stored" "$out" "saved session 1"
check "save: overlays stored" test "$(sqlite3 "$DB" 'select count(*) from overlays')" -ge 5
"$BIN" --db "$DB" report session 1 -o "$T_TMP/u.pdf" >/dev/null
has "report: the measure label" "$(pdftotext -layout "$T_TMP/u.pdf" - 2>/dev/null)" "Integral uniformity"

t_summary
