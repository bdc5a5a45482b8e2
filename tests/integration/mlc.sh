#!/usr/bin/env bash
# MLC analyses from real DICOM files: leaf_gap and mlc_slit on generated sets (as written, and
# re-encoded as JPEG-LS and RLE) against their truth, the real Unity AQUA images, mvic_field on
# the sample set, and wrong inputs.
source "$(dirname "$0")/../lib.sh"
t_tmp
MVGEN=${MVGEN:-$TOP/build/mvgen}
LEAF=$SHARED/mrl/mv/leaf_position_2025-11-13
LEAF_ERR=$SHARED/mrl/mv/leaf_position_errors_2025-11-13
FIELD=$SHARED/mrl/mv/field/square_50mm_offset_2025-09-17.dcm

# Copies of a folder's DICOM files re-encoded by DCMTK (lossless JPEG-LS, RLE).
reencode() { # SRC DST TOOL
	mkdir -p "$2"
	cp "$1/truth.json" "$2/"
	for f in "$1"/*.dcm; do
		"$3" "$f" "$2/$(basename "$f")" || return 1
	done
}

# Compares a leaf_gap JSON result with the generator's truth: every pair's tips and gap within
# 0.1 mm, the pairs over 1 mm and over 2 mm (or closed) exactly those of the truth.
leaf_check() { # RESULT.json TRUTH.json
	python3 - "$1" "$2" <<'EOF'
import json, sys
res = json.load(open(sys.argv[1])); truth = json.load(open(sys.argv[2]))
ms = {(m['name'], m['image']): m for m in res['measurements']}
worst, bad = 0.0, []
for i, img in enumerate(res['images']):
    t = [x for x in truth['images'] if x['file'] == img['path'].split('/')[-1]][0]
    for p in t['pairs']:
        n = p['pair']
        g = ms[('pair_%02d.gap_mm' % n, i)]
        if p.get('closed'):
            if g['value'] != 0 or 'closed pair' not in g['note']:
                bad.append('%s pair %d not closed' % (t['file'], n))
            continue
        dev = 0
        for k in ('tip_a_mm', 'tip_b_mm', 'gap_mm'):
            m = ms[('pair_%02d.%s' % (n, k), i)]
            worst = max(worst, abs(m['value'] - p[k]))
            dev = max(dev, abs(m['value'] - m['reference'] if 'reference' in m else
                                abs(m['value'] - float(m['note'].split()[1].rstrip(',')))))
        cls = 'action' if dev > 2 else 'tolerance' if dev > 1 else 'ok'
        if cls != p['class']:
            bad.append('%s pair %d: %.2f mm from the plan, truth class %s' % (t['file'], n, dev, p['class']))
print('%.3f %s' % (worst, '; '.join(bad) if bad else 'classes ok'))
EOF
}

"$MVGEN" --leaf-set "$T_TMP/leaf" >/dev/null && "$MVGEN" --slit-set "$T_TMP/slit" >/dev/null
check "generator: leaf and slit sets written" test -s "$T_TMP/leaf/truth.json" -a -s "$T_TMP/slit/truth.json"
reencode "$T_TMP/leaf" "$T_TMP/leaf-jls" dcmcjpls && reencode "$T_TMP/leaf" "$T_TMP/leaf-rle" dcmcrle
check "generator: leaf set re-encoded as JPEG-LS and RLE" test -s "$T_TMP/leaf-rle/leaf_6.dcm"
has "JPEG-LS transfer syntax" "$(dcmdump "$T_TMP/leaf-jls/leaf_1.dcm" 2>/dev/null | head -20)" "JPEGLSLossless"
has "RLE transfer syntax" "$(dcmdump "$T_TMP/leaf-rle/leaf_1.dcm" 2>/dev/null | head -20)" "RLELossless"

# --- leaf_gap on the generated Unity set: tips and gaps within 0.1 mm, faults classified.
for enc in leaf leaf-jls leaf-rle; do
	"$BIN" analyze leaf_gap "$T_TMP/$enc" --json >"$T_TMP/$enc.json" 2>"$T_TMP/err"
	check "$enc: analyze exits 0" test $? = 0
	out=$(leaf_check "$T_TMP/$enc.json" "$T_TMP/$enc/truth.json")
	near "$enc: every tip and gap within 0.1 mm of truth" "${out%% *}" 0 0.1
	has "$enc: pairs over 1 mm and 2 mm exactly the injected ones" "$out" "classes ok"
done
j=$T_TMP/leaf.json
has "leaf set: a closed pair named" "$(json "$j" "[m['note'] for m in j['measurements'] if m['name']=='closed_pairs' and m['image']==2][0]")" "closed pair 36"
same "leaf set: verdict ACTION" "$(overall "$j")" ACTION
has "leaf set: roles from the strips, not the order" "$(json "$j" "[i['role'] for i in j['images']]")" "'20 mm strip, tips -40 / -20 mm', '20 mm strip, tips -30 / -10 mm'"
# Each pair judged on its own by the catalogue's pattern rules (pair_*.tip_a_mm, ...): the worst
# verdict of its rows is the class of the injected fault, and the picture's tip lines point to
# those rows.
out=$(python3 - "$j" "$T_TMP/leaf/truth.json" <<'EOF'
import json, sys
res = json.load(open(sys.argv[1])); truth = json.load(open(sys.argv[2]))
rank = {'NO_TOL': 0, 'OK': 1, 'NOT_DONE': 2, 'TOLERANCE': 3, 'ACTION': 4}
cls = {1: 'ok', 3: 'tolerance', 4: 'action'}
ms = {(m['name'], m['image']): m for m in res['measurements']}
bad, n = [], 0
for i, img in enumerate(res['images']):
    t = [x for x in truth['images'] if x['file'] == img['path'].split('/')[-1]][0]
    for p in t['pairs']:
        rows = [ms.get(('pair_%02d.%s' % (p['pair'], k), i)) for k in ('tip_a_mm', 'tip_b_mm', 'gap_mm')]
        worst = max(rank[r['verdict']] for r in rows if r)
        want = 'action' if p.get('closed') else p['class']
        n += 1
        if cls.get(worst) != want:
            bad.append('%s pair %d: %s, truth %s' % (t['file'], p['pair'], cls.get(worst), want))
print('%d pairs %s' % (n, '; '.join(bad) if bad else 'verdicts ok'))
EOF
)
has "leaf set: every pair's own verdict is its injected class" "$out" "verdicts ok"
"$BIN" --db "$T_TMP/pairs.db" analyze leaf_gap "$T_TMP/leaf" --test leaf_position --save >/dev/null
ov=$(sqlite3 "$T_TMP/pairs.db" "SELECT count(DISTINCT measure) FROM overlays WHERE measure GLOB 'pair_[0-9][0-9].tip_[ab]_mm'")
check "leaf set: tip lines drawn in their own pair's verdict ($ov names)" test "${ov:-0}" -gt 20

# --- A generic EPID (MONOCHROME1, full read-out) with its MLC in a site catalogue.
"$BIN" catalog export >"$T_TMP/site.cat"
cat >>"$T_TMP/site.cat" <<'EOF'

[machine epid]
name = Generic EPID
model = GENERIC EPID
leaf_widths = 80x7.15
leaf_travel = y
leaf_numbering = increasing
leaf_boundary = 40
EOF
has "site catalogue with a second machine checks" "$("$BIN" catalog check "$T_TMP/site.cat")" "2 machines"
"$MVGEN" --leaf-set "$T_TMP/generic" --style generic --mono1 --noise 0.3 >/dev/null
"$BIN" --catalog "$T_TMP/site.cat" analyze leaf_gap "$T_TMP/generic" --json >"$T_TMP/generic.json"
out=$(leaf_check "$T_TMP/generic.json" "$T_TMP/generic/truth.json")
near "generic MONOCHROME1: tips within 0.1 mm" "${out%% *}" 0 0.1
has "generic MONOCHROME1: faults classified" "$out" "classes ok"

# --- mlc_slit on the generated slits (JPEG-LS): centres and widths within 0.1 mm of the
# inflection points, the leaves out of line named.
reencode "$T_TMP/slit" "$T_TMP/slit-jls" dcmcjpls
"$BIN" analyze mlc_slit "$T_TMP/slit-jls" --json >"$T_TMP/slit.json"
check "slits: analyze exits 0" test $? = 0
out=$(python3 - "$T_TMP/slit.json" "$T_TMP/slit/truth.json" <<'EOF'
import json, sys
res = json.load(open(sys.argv[1])); truth = json.load(open(sys.argv[2]))
ms = {(m['name'], m['image']): m for m in res['measurements']}
worst, notes = 0.0, []
for i, img in enumerate(res['images']):
    t = [x for x in truth['images'] if x['file'] == img['path'].split('/')[-1]][0]
    for k, s in enumerate(t['slits']):
        for q in ('centre_mm', 'width_mm'):
            worst = max(worst, abs(ms[('slit_%d.%s' % (k + 1, q), i)]['value'] - s[q]))
    notes.append(ms[('max_leaf_error_mm', i)]['note'])
print('%.3f|%s' % (worst, '|'.join(notes)))
EOF
)
near "slits: centres and widths within 0.1 mm of truth" "${out%%|*}" 0 0.1
has "slits: the leaf 0.7 mm out of line named" "$out" "pairs 31|"
has "slits: the leaf 0.8 mm out of line named" "$out" "pairs 45"

# --- The real Unity AQUA images (2025-11-13): no false alarm on the clean set; every image of
# the error set flagged (see tests/unit/test_leaf_gap.c for the pairs).
"$BIN" analyze leaf_gap "$LEAF" --json >"$T_TMP/real.json"
same "real clean set: verdict OK" "$(overall "$T_TMP/real.json")" OK
near "real clean set: largest gap error below 1 mm" "$(json "$T_TMP/real.json" "max(m['value'] for m in j['measurements'] if m['name']=='max_gap_error_mm')")" 0.5 0.5
"$BIN" analyze leaf_gap "$LEAF_ERR" --json >"$T_TMP/real_err.json"
flagged=$(json "$T_TMP/real_err.json" "sum(1 for i in range(6) if [m for m in j['measurements'] if m['image']==i and ((m['name']=='closed_pairs' and m['value']>0) or (m['name']=='max_tip_error_mm' and m['value']>2))])")
check "real error set: all six images flagged" test "$flagged" = 6
notes=$(json "$T_TMP/real_err.json" "sorted(m['note'] for m in j['measurements'] if m['name']=='closed_pairs' and m['value']>0)")
has "real error set: the closed pairs named" "$notes" "['closed pair 36', 'closed pair 52']"

# --- mvic_field: the sample set (JPEG-LS) gets its five roles; set results.
"$BIN" analyze mvic_field "$TOP/sample-dicom/mvic" --json >"$T_TMP/mvic.json"
has "mvic_field: roles" "$(json "$T_TMP/mvic.json" "[i['role'] for i in j['images']]")" "['150 x 85 mm', '85 x 85 mm', '50 x 50 mm', '50 x 50 mm at (+50, +0)', '50 x 50 mm at (-50, +0)']"
near "mvic_field: roles_found" "$(json "$T_TMP/mvic.json" "[m['value'] for m in j['measurements'] if m['name']=='roles_found'][0]")" 5 0
same "mvic_field: largest size error judged" "$(json "$T_TMP/mvic.json" "[m['verdict'] for m in j['measurements'] if m['name']=='max_size_error_mm'][0]")" "TOLERANCE"

# --- Wrong input.
expect_reject() { # NAME FRAGMENT COMMAND...
	local name=$1 frag=$2 msg
	shift 2
	msg=$("$@" 2>&1 >/dev/null)
	local rc=$?
	if [ "$rc" = 1 ] && grep -qF -- "$frag" <<<"$msg"; then ok "$name"; else fail "$name" "status $rc, message: $msg"; fi
}
MR=$SHARED/robustness/files/MR_small.dcm
expect_reject "bad: MR image to leaf_gap" "does not look like a leaf-position strip image: it is not an MV" "$BIN" analyze leaf_gap "$MR"
expect_reject "bad: MR image to mlc_slit" "does not look like an MLC slit image: it is not an MV" "$BIN" analyze mlc_slit "$MR"
expect_reject "bad: open field to leaf_gap" "does not look like a leaf-position strip image: its opening is" "$BIN" analyze leaf_gap "$FIELD"
expect_reject "bad: open field to mlc_slit" "does not look like an MLC slit image: an opening" "$BIN" analyze mlc_slit "$FIELD"
expect_reject "bad: slit image to leaf_gap" "several openings" "$BIN" analyze leaf_gap "$T_TMP/slit/slit_1.dcm"
t_summary
