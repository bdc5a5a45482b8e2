#!/usr/bin/env bash
# picket_fence and isocentre through the real program: generated sets of known truth (Unity
# traits, files without file meta, JPEG-LS and RLE re-encodings), pylinac's real images against
# its values, other MLCs from a site catalogue, wrong input, save and report.
source "$(dirname "$0")/../lib.sh"
t_tmp
MVGEN=${MVGEN:-$TOP/build/mvgen}
PYL=$SHARED/mv/pylinac
m() { json "$1" "[x['value'] for x in j['measurements'] if x['name']=='$2' and x['image']==${3:-0}][0]"; }

# --- A Unity picket fence with leaf errors (+-0.3 to +-2 mm): every pair within 0.1 mm of the
# truth, every error beyond 0.5 mm flagged and no other; the Unity machine of the built-in
# catalogue gives the leaf geometry (80 x 7.15 mm, leaves along y).
"$MVGEN" --picket-fence "$T_TMP/pf" >/dev/null
check "mvgen writes a picket fence" test -f "$T_TMP/pf/picket_fence.dcm"
dcmcjpls "$T_TMP/pf/picket_fence.dcm" "$T_TMP/pf_jls.dcm"
dcmcrle "$T_TMP/pf/picket_fence.dcm" "$T_TMP/pf_rle.dcm"
pf_truth() { # JSON: compares every pair with truth.json
	python3 - "$1" "$T_TMP/pf/truth.json" <<'EOF'
import json, sys
res = json.load(open(sys.argv[1]))
truth = json.load(open(sys.argv[2]))["images"][0]["errors"]
worst, bad = 0.0, []
for m in res["measurements"]:
    n = m["name"]
    if not (n.startswith("picket_") and n.endswith(".error_mm") and ".pair_" in n):
        continue
    t = truth.get(n, 0.0)
    worst = max(worst, abs(m["value"] - t))
    # flagged: beyond the 0.5 mm tolerance of the catalogue
    if abs(m["value"] - t) > 0.1 or (abs(m["value"]) > 0.5) != (abs(t) > 0.5):
        bad.append(n)
    # each pair's own verdict (catalogue rule picket_*.pair_*.error_mm: 0.5 / 1 mm), where
    # the truth is not within the 0.1 mm accuracy of a border
    want = "ACTION" if abs(t) > 1 else "TOLERANCE" if abs(t) > 0.5 else "OK"
    if min(abs(abs(t) - 0.5), abs(abs(t) - 1)) > 0.1 + 1e-9 and m["verdict"] != want:
        bad.append(n + " " + m["verdict"])
missing = [n for n in truth if n not in {m["name"] for m in res["measurements"]}]
print("ok" if not bad and not missing else "bad %s missing %s" % (bad[:5], missing[:5]), round(worst, 3))
EOF
}
for f in "$T_TMP/pf/picket_fence.dcm" "$T_TMP/pf_jls.dcm" "$T_TMP/pf_rle.dcm"; do
	"$BIN" analyze picket_fence "$f" --json >"$T_TMP/pf.json"
	check "pf $(basename "$f"): analyze exits 0" test $? = 0
	has "pf $(basename "$f"): every pair within 0.1 mm of truth, flags right" "$(pf_truth "$T_TMP/pf.json")" "ok"
	near "pf $(basename "$f"): 8 pickets" "$(m "$T_TMP/pf.json" pickets)" 8 0
	near "pf $(basename "$f"): largest error 2 mm" "$(m "$T_TMP/pf.json" max_error_mm)" 2.0 0.1
	same "pf $(basename "$f"): largest error ACTION (2 mm)" "$(verdict "$T_TMP/pf.json" max_error_mm 0)" ACTION
	same "pf $(basename "$f"): overall ACTION" "$(overall "$T_TMP/pf.json")" ACTION
done
has "pf: the leaf grid was checked on the image" "$(field "$T_TMP/pf.json" leaf_grid_shift_mm note 0)" "moved onto the interleaf lines"

# --- pylinac's images with their MLCs in a site catalogue (the same code, another setting).
{
	cat <<'EOF'
[machine varian]
name = Varian Millennium 120 (pylinac demo)
model = MOSAIQ
leaf_widths = 10x10 40x5 10x10
leaf_travel = y
leaf_boundary = 30

[machine mlci2]
name = Elekta MLCi2 (iViewGT)
model = Elekta iView Electronic Portal Imaging
leaf_widths = 40x10
leaf_travel = x
leaf_boundary = 20

[frequency monthly]
name.fr = Mensuel
name.en = Monthly
every = 1 month

[test picket_fence]
name.fr = MLC picket fence
name.en = MLC picket fence
frequency = monthly
input = images
analysis = picket_fence
images = 1 4

[measure picket_fence.max_error_mm]
label.fr = Écart maximal
label.en = Largest error
unit = mm
reference = 0
tolerance = 0.5
action = 1
EOF
} >"$T_TMP/site.cat"
check "site catalogue is valid" "$BIN" catalog check "$T_TMP/site.cat"
# pylinac tests, PFDemo: 10 pickets, max error 0.217 mm, median |error| 0.06 mm, 15 mm apart.
# Peer tolerances as measured in tests/unit/test_picket_fence.c: differences up to 0.006 mm
# (max) and 0.002 mm (median); 0.02 and 0.01 mm allowed.
"$BIN" --catalog "$T_TMP/site.cat" analyze picket_fence "$PYL/picket_fence_demo_LR.dcm" --json >"$T_TMP/demo.json"
check "pylinac demo: analyze exits 0" test $? = 0
near "pylinac demo: 10 pickets" "$(m "$T_TMP/demo.json" pickets)" 10 0
near "pylinac demo: max error vs pylinac 0.217" "$(m "$T_TMP/demo.json" max_error_mm)" 0.217 0.02
near "pylinac demo: median error vs pylinac 0.06" "$(m "$T_TMP/demo.json" median_abs_error_mm)" 0.06 0.01
near "pylinac demo: spacing 15 mm" "$(m "$T_TMP/demo.json" picket_spacing_mm)" 15 0.5
# pylinac tests, ElektaCloseEdges: 9 pickets, max 0.23 mm, median 0.07 mm, 30 mm apart.
"$BIN" --catalog "$T_TMP/site.cat" analyze picket_fence "$PYL/picket_fence_elekta_iviewgt.dcm" --json >"$T_TMP/ek.json"
check "pylinac iViewGT: analyze exits 0" test $? = 0
near "pylinac iViewGT: 9 pickets" "$(m "$T_TMP/ek.json" pickets)" 9 0
near "pylinac iViewGT: max error vs pylinac 0.23" "$(m "$T_TMP/ek.json" max_error_mm)" 0.23 0.02
near "pylinac iViewGT: median error vs pylinac 0.07" "$(m "$T_TMP/ek.json" median_abs_error_mm)" 0.07 0.01
near "pylinac iViewGT: spacing 30 mm" "$(m "$T_TMP/ek.json" picket_spacing_mm)" 30 0.5

# --- Wrong input: an open field, a machine without leaves in the catalogue.
out=$("$BIN" --catalog "$T_TMP/site.cat" analyze picket_fence "$PYL/open_field_flatsym_demo.dcm" 2>&1)
check "open field: exit 1" test $? = 1
has "open field: says why" "$out" "does not look like a picket fence"
out=$("$BIN" analyze picket_fence "$PYL/picket_fence_demo_LR.dcm" 2>&1)
has "no machine for the model: says what is missing" "$out" "no MLC geometry for its machine (model 'MOSAIQ')"

# --- Winston-Lutz, generated with Unity traits: eight gantry angles, one file without file meta,
# one re-encoded as JPEG-LS and one as RLE; truth per image and in 3-D.
"$MVGEN" --winston-lutz "$T_TMP/wl" >/dev/null
check "mvgen writes 8 Winston-Lutz images" test "$(ls "$T_TMP"/wl/*.dcm | wc -l)" = 8
check "gantry090.dcm has no file meta" sh -c "! head -c 132 '$T_TMP/wl/gantry090.dcm' | tail -c 4 | grep -q DICM"
dcmcjpls "$T_TMP/wl/gantry045.dcm" "$T_TMP/jls.dcm" && mv "$T_TMP/jls.dcm" "$T_TMP/wl/gantry045.dcm"
dcmcrle "$T_TMP/wl/gantry135.dcm" "$T_TMP/rle.dcm" && mv "$T_TMP/rle.dcm" "$T_TMP/wl/gantry135.dcm"
"$BIN" analyze isocentre "$T_TMP/wl" --json >"$T_TMP/wl.json"
check "wl: analyze exits 0" test $? = 0
res=$(python3 - "$T_TMP/wl.json" "$T_TMP/wl/truth.json" <<'EOF'
import json, math, sys
res, truth = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
by_file = {t["file"]: t for t in truth["images"]}
val = lambda n, i: [m["value"] for m in res["measurements"] if m["name"] == n and m["image"] == i][0]
worst = 0
for i, im in enumerate(res["images"]):
    t = by_file[im["path"].split("/")[-1]]
    worst = max(worst, math.hypot(val("bb_x_mm", i) - t["bb_x_mm"], val("bb_y_mm", i) - t["bb_y_mm"]),
                abs(val("bb_to_field_mm", i) - t["bb_to_field_mm"]))
print("bb", "ok" if worst <= 0.1 else "bad", round(worst, 3))
s = [val("bb_shift_%s_mm" % a, -1) for a in "xyz"]
d = max(abs(a - b) for a, b in zip(s, truth["bb_shift_mm"]))
print("shift", "ok" if d <= 0.2 and abs(val("bb_offset_3d_mm", -1) - truth["bb_offset_3d_mm"]) <= 0.2 else "bad", round(d, 3))
print("iso", "ok" if abs(val("gantry_iso_diameter_mm", -1) - 0.6) <= 0.1 else "bad", val("gantry_iso_diameter_mm", -1))
EOF
)
has "wl: every BB and distance within 0.1 mm of truth" "$res" "bb ok"
has "wl: 3-D BB shift within 0.2 mm of truth" "$res" "shift ok"
has "wl: gantry isocentre 0.6 mm within 0.1 mm" "$res" "iso ok"
same "wl: every role from its own header" "$(json "$T_TMP/wl.json" "[i['role'] == 'gantry %d, coll 0, couch 0' % int(i['path'][-7:-4]) for i in j['images']]")" "[True, True, True, True, True, True, True, True]"

# --- pylinac's demo (17 files without file meta). pylinac (2020): max 1.2, median 0.7, gantry
# isocentre 1.0 mm; below 1 mm on every gantry and collimator image (couch turns carry the BB).
"$BIN" analyze isocentre "$PYL/winston_lutz_demo" --json >"$T_TMP/demo_wl.json"
check "pylinac WL demo: analyze exits 0" test $? = 0
near "pylinac WL demo: max vs pylinac 1.2" "$(m "$T_TMP/demo_wl.json" max_bb_to_field_mm -1)" 1.2 0.15
near "pylinac WL demo: median vs pylinac 0.7" "$(m "$T_TMP/demo_wl.json" median_bb_to_field_mm -1)" 0.7 0.15
near "pylinac WL demo: gantry isocentre vs pylinac 1.0" "$(m "$T_TMP/demo_wl.json" gantry_iso_diameter_mm -1)" 1.0 0.2
worst=$(json "$T_TMP/demo_wl.json" "max(x['value'] for x in j['measurements'] if x['name']=='bb_to_field_mm' and 'couch' not in j['images'][x['image']]['path'])")
near "pylinac WL demo: gantry and collimator images below 1 mm" "$worst" 0.5 0.5

# --- Wrong input, save and report.
out=$("$BIN" analyze isocentre "$PYL/picket_fence_demo_LR.dcm" 2>&1)
has "wl on a picket fence: says why" "$out" "does not look like a Winston-Lutz image"
out=$("$BIN" --db "$T_TMP/qc.db" analyze isocentre "$T_TMP/wl" --save --operator test)
has "wl: saved" "$out" "saved session 1"
"$BIN" --db "$T_TMP/qc.db" report session 1 -o "$T_TMP/wl.pdf" >/dev/null
check "wl: report written" test -s "$T_TMP/wl.pdf"
has "wl: report shows the set results" "$(pdftotext -layout "$T_TMP/wl.pdf" - 2>/dev/null)" "Gantry isocentre diameter"
t_summary
