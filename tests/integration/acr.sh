#!/usr/bin/env bash
# The ACR phantom analysis through the command line on the real scans of shared/data/mr/hazen/acr:
# hazen's values (data README) within the issue's tolerances, slice order from the positions,
# verdicts from the catalogue, and clear refusals. Where we differ from hazen beyond the
# tolerance (Siemens slice thickness and slice-1 position, vertical lengths of slice 1 on GE and
# Siemens, SNR) the unit tests (tests/unit/test_acr_peer.c) hold the evidence from the pixels.
source "$(dirname "$0")/../lib.sh"
t_tmp
ACR=$SHARED/mr/hazen/acr

m() { json "$1" "[x['value'] for x in j['measurements'] if x['name']=='$2'][0]"; }
verdict() { json "$1" "[x['verdict'] for x in j['measurements'] if x['name']=='$2'][0]"; }
slice1() { json "$1" "[i['path'].split('/')[-1] for i in j['images'] if i['role'].startswith('slice 1:')][0]"; }

for v in GE Siemens PhilipsAchieva SiemensSolaFit; do
	"$BIN" analyze acr "$ACR/$v" --json --test acr >"$T_TMP/$v.json" 2>"$T_TMP/err"
	check "$v: analyze acr exits 0" test $? = 0
	check "$v: 11 images" test "$(json "$T_TMP/$v.json" "len(j['images'])")" = 11
done

# Slice 1 comes from the positions and the insert: the GE series runs the other way.
check "GE: slice 1 is 10.dcm (lowest z, instance 11)" test "$(slice1 "$T_TMP/GE.json")" = 10.dcm
for v in Siemens PhilipsAchieva SiemensSolaFit; do
	check "$v: slice 1 is 0.dcm" test "$(slice1 "$T_TMP/$v.json")" = 0.dcm
done

# PIU within 1.5 percentage points of hazen.
near "GE: PIU vs hazen 83.78" "$(m "$T_TMP/GE.json" uniformity_piu_pct)" 83.78 1.5
near "Siemens: PIU vs hazen 67.49" "$(m "$T_TMP/Siemens.json" uniformity_piu_pct)" 67.49 1.5
near "Philips: PIU vs hazen 80.66" "$(m "$T_TMP/PhilipsAchieva.json" uniformity_piu_pct)" 80.66 1.5
near "SolaFit: PIU vs hazen 95.77" "$(m "$T_TMP/SiemensSolaFit.json" uniformity_piu_pct)" 95.77 1.5
# Ghosting within 0.1 percentage point.
near "GE: ghosting vs hazen 0.485" "$(m "$T_TMP/GE.json" ghosting_pct)" 0.485 0.1
near "Siemens: ghosting vs hazen 0.035" "$(m "$T_TMP/Siemens.json" ghosting_pct)" 0.035 0.1
# Slice thickness within 0.3 mm (Siemens: see the unit test).
near "Philips: slice thickness vs hazen 5.36" "$(m "$T_TMP/PhilipsAchieva.json" slice_thickness_mm)" 5.36 0.3
near "SolaFit: slice thickness vs hazen 5.39" "$(m "$T_TMP/SiemensSolaFit.json" slice_thickness_mm)" 5.39 0.3
# Slice positions within 0.5 mm (Siemens slice 1: see the unit test).
near "Siemens: slice 11 position vs hazen -1.56" "$(m "$T_TMP/Siemens.json" slice_position_s11_mm)" -1.56 0.5
near "Philips: slice 1 position vs hazen 1.37" "$(m "$T_TMP/PhilipsAchieva.json" slice_position_s1_mm)" 1.37 0.5
near "Philips: slice 11 position vs hazen -3.12" "$(m "$T_TMP/PhilipsAchieva.json" slice_position_s11_mm)" -3.12 0.5
near "SolaFit: slice 1 position vs hazen -0.2" "$(m "$T_TMP/SiemensSolaFit.json" slice_position_s1_mm)" -0.2 0.5
near "SolaFit: slice 11 position vs hazen -1.37" "$(m "$T_TMP/SiemensSolaFit.json" slice_position_s11_mm)" -1.37 0.5
# Lengths within 1 mm (vertical on slice 1 of GE and Siemens: see the unit test).
near "GE: slice 1 horizontal vs hazen 190.93" "$(m "$T_TMP/GE.json" length_s1_h_mm)" 190.93 1
near "GE: slice 5 horizontal vs hazen 190.42" "$(m "$T_TMP/GE.json" length_s5_h_mm)" 190.42 1
near "GE: slice 5 vertical vs hazen 189.41" "$(m "$T_TMP/GE.json" length_s5_v_mm)" 189.41 1
near "Siemens: slice 1 horizontal vs hazen 191.41" "$(m "$T_TMP/Siemens.json" length_s1_h_mm)" 191.41 1
near "Philips: slice 1 horizontal vs hazen 190.43" "$(m "$T_TMP/PhilipsAchieva.json" length_s1_h_mm)" 190.43 1
near "Philips: slice 1 vertical vs hazen 189.45" "$(m "$T_TMP/PhilipsAchieva.json" length_s1_v_mm)" 189.45 1
near "SolaFit: slice 1 horizontal vs hazen 190.43" "$(m "$T_TMP/SiemensSolaFit.json" length_s1_h_mm)" 190.43 1
near "SolaFit: slice 1 vertical vs hazen 190.43" "$(m "$T_TMP/SiemensSolaFit.json" length_s1_v_mm)" 190.43 1
# Best resolved hole array as listed.
near "GE: resolution vs hazen 0.9" "$(m "$T_TMP/GE.json" resolution_mm)" 0.9 0.001
near "Philips: resolution vs hazen 1.0" "$(m "$T_TMP/PhilipsAchieva.json" resolution_mm)" 1.0 0.001
# Rotation: hazen -1.0 with the opposite sign convention (ours counter-clockwise on screen).
near "Siemens: rotation vs hazen 1.0 (sign)" "$(m "$T_TMP/Siemens.json" rotation_deg)" 1.0 0.2

# Verdicts from the catalogue's ACR criteria.
check "GE: PIU 84 % is below 87.5 %: ACTION" test "$(verdict "$T_TMP/GE.json" uniformity_piu_pct)" = ACTION
check "SolaFit: PIU 95.6 %: OK" test "$(verdict "$T_TMP/SiemensSolaFit.json" uniformity_piu_pct)" = OK
check "Philips: lengths within 190 ± 2 mm: OK" test "$(verdict "$T_TMP/PhilipsAchieva.json" length_s1_v_mm)" = OK
check "Philips: slice thickness 5.3 mm: OK" test "$(verdict "$T_TMP/PhilipsAchieva.json" slice_thickness_mm)" = OK
check "SNR is a trend value (no levels)" test "$(verdict "$T_TMP/GE.json" snr)" = NO_TOL
has "GE: an overlay per ROI in the text output" "$("$BIN" analyze acr "$ACR/GE" --test acr)" "role slice 7: uniformity, ghosting, SNR"
has "GE: the roles in French" "$("$BIN" --lang fr analyze acr "$ACR/GE" --test acr)" "rôle coupe 7 : uniformité, images fantômes, RSB"

# Refusals with a reason.
out=$("$BIN" analyze acr "$SHARED/mrl/mv/field/square_50mm_offset_2025-09-17.dcm" 2>&1)
check "MV image: exit 1" test $? = 1
has "MV image: says why" "$out" "does not look like a slice of the ACR phantom: its modality is RTIMAGE"
out=$("$BIN" --lang fr analyze acr "$SHARED/mrl/mv/field/square_50mm_offset_2025-09-17.dcm" 2>&1)
has "MV image: says why in French" "$out" "l'image 1 ne ressemble pas à une coupe du fantôme ACR : sa modalité est RTIMAGE"
out=$("$BIN" analyze acr "$ACR/SiemensSolaFitLocalizer" 2>&1)
check "sagittal localiser: exit 1" test $? = 1
has "sagittal localiser: says why" "$out" "the ACR phantom series has 11 slices, not 1"
out=$("$BIN" analyze acr "$ACR/GE" "$ACR/Siemens/5.dcm" 2>&1)
check "12 images: exit 1" test $? = 1
has "12 images: says why" "$out" "takes 1 to 11 images, not 12"
out=$("$BIN" analyze acr "$ACR/GE/"{0,1,2,3,4,5,6,7,8,9}.dcm "$ACR/Siemens/0.dcm" 2>&1)
check "two series mixed: exit 1" test $? = 1
has "two series mixed: says why" "$out" "has another size than image 1"

t_summary
