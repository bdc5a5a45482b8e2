#!/usr/bin/env bash
# The command line on real files: analyses against peer values and generated truth, the store,
# the PDF checked with poppler, and every bad input giving a clear message.
source "$(dirname "$0")/../lib.sh"
t_tmp
DB=$T_TMP/qc.db
FIELD=$SHARED/mrl/mv/field/square_50mm_offset_2025-09-17.dcm
AS1200=$SHARED/mv/pylinac/open_field_6MV_aS1200.dcm

# --- lib.sh itself: a JSON null printed by python (None) must not pass as 0.
check "lib: near refuses None for an expected 0" bash -c 'source "$0"; near x None 0 1 >/dev/null; [ "$T_FAILED" = 1 ]' "$TOP/tests/lib.sh"
check "lib: near refuses an empty value" bash -c 'source "$0"; near x "" 0 1 >/dev/null; [ "$T_FAILED" = 1 ]' "$TOP/tests/lib.sh"

# --- mv_field on the real Unity field: inflection reading about 49.0 x 50.0 mm, centre
# (+49.65, -0.1) mm (shared/data/README.md); we must land within 0.5 mm of it.
"$BIN" analyze mvic_field "$FIELD" --json >"$T_TMP/field.json" 2>"$T_TMP/err"
check "unity field: analyze exits 0" test $? = 0
m() { json "$1" "[x['value'] for x in j['measurements'] if x['name']=='$2' and x['image']==${3:-0}][0]"; }
near "unity field: width vs inflection reading 49.0" "$(m "$T_TMP/field.json" width_mm)" 49.0 0.5
near "unity field: height vs inflection reading 50.0" "$(m "$T_TMP/field.json" height_mm)" 50.0 0.5
near "unity field: centre x vs +49.65" "$(m "$T_TMP/field.json" centre_x_mm)" 49.65 0.5
near "unity field: centre y vs -0.1" "$(m "$T_TMP/field.json" centre_y_mm)" -0.1 0.5
same "unity field: role from the measured field" "$(json "$T_TMP/field.json" "j['images'][0]['role']")" "50 x 50 mm at (+50, +0)"
same "unity field: sha256 of the input" "$(json "$T_TMP/field.json" "j['images'][0]['sha256']")" "$(sha256sum "$FIELD" | cut -c1-64)"
same "unity field: SOP instance UID" "$(json "$T_TMP/field.json" "j['images'][0]['sop_instance_uid']")" "1.3.46.423632.420000.1758105790.34"
# The same field in French: the role and the notes are the interface's language, the names not.
"$BIN" --lang fr analyze mvic_field "$FIELD" --json >"$T_TMP/field-fr.json"
same "unity field in French: role" "$(json "$T_TMP/field-fr.json" "j['images'][0]['role']")" "50 x 50 mm centré en (+50, +0)"
same "unity field in French: note of roles_missing" "$(json "$T_TMP/field-fr.json" "[x['note'] for x in j['measurements'] if x['name']=='roles_missing'][0]")" "manquants : 150 x 85 mm; 85 x 85 mm; 50 x 50 mm; 50 x 50 mm centré en (-50, +0)"
same "unity field in French: same values as in English" "$(json "$T_TMP/field-fr.json" "[x['value'] for x in j['measurements']]")" "$(json "$T_TMP/field.json" "[x['value'] for x in j['measurements']]")"

# --- pylinac's aS1200 open field: 99.5 mm "independently verified" (pylinac tests).
"$BIN" analyze mv_field "$AS1200" --json >"$T_TMP/as1200.json"
near "aS1200: width vs pylinac 99.5" "$(m "$T_TMP/as1200.json" width_mm)" 99.5 0.5
near "aS1200: height vs pylinac 99.5" "$(m "$T_TMP/as1200.json" height_mm)" 99.5 0.5
same "aS1200: width without tolerance (no nominal field matches)" "$(verdict "$T_TMP/as1200.json" width_mm 0)" NO_TOL
same "aS1200: height without tolerance (no nominal field matches)" "$(verdict "$T_TMP/as1200.json" height_mm 0)" NO_TOL
same "aS1200: overall verdict without tolerance" "$(overall "$T_TMP/as1200.json")" NO_TOL

# --- The generated sample set (JPEG-LS files) against its truth file, within 0.1 mm.
"$BIN" analyze mvic_field "$TOP/sample-dicom/mvic" --json >"$T_TMP/sample.json"
for i in 0 1 2 3 4; do
	f=$(json "$T_TMP/sample.json" "j['images'][$i]['path'].split('/')[-1]")
	for pair in width_mm:width_mm height_mm:height_mm centre_x_mm:centre_x_mm centre_y_mm:centre_y_mm; do
		got=$(m "$T_TMP/sample.json" "${pair%%:*}" "$i")
		want=$(json "$TOP/sample-dicom/mvic/truth.json" "[x['${pair#*:}'] for x in j['images'] if x['file']=='$f'][0]")
		near "sample $f: ${pair%%:*} vs truth" "$got" "$want" 0.1
	done
done
same "sample: image 5 height TOLERANCE (1.3 mm tall)" "$(verdict "$T_TMP/sample.json" height_mm 4)" TOLERANCE
same "sample: image 1 height OK" "$(verdict "$T_TMP/sample.json" height_mm 0)" OK
same "sample: overall verdict TOLERANCE" "$(overall "$T_TMP/sample.json")" TOLERANCE

# --- Save, list, report.
out=$("$BIN" --db "$DB" analyze mvic_field "$TOP/sample-dicom/mvic" --save --operator "Anaïs Lefèvre" \
	--comment "Contrôle hebdomadaire ; écart de hauteur à surveiller")
has "save: prints the session id" "$out" "saved session 1"
check "save: one session in the database" test "$(sqlite3 "$DB" 'select count(*) from sessions')" = 1
check "save: 5 inputs with their sha256" test "$(sqlite3 "$DB" "select count(*) from inputs where length(sha256)=64")" = 5
check "save: 5 pictures stored" test "$(sqlite3 "$DB" 'select count(*) from previews')" = 5
check "save: levels stored with the result" test "$(sqlite3 "$DB" "select ref||' '||tol_low||' '||act_high from measurements where name='width_mm' and image=0")" = "150.0 -1.0 2.0"
check "save: operator and comment" test "$(sqlite3 "$DB" 'select operator||'"'"'|'"'"'||comment from sessions')" = "Anaïs Lefèvre|Contrôle hebdomadaire ; écart de hauteur à surveiller"
has "sessions: listed" "$("$BIN" --db "$DB" sessions)" "mvic_field"
"$BIN" --db "$DB" sessions --json >"$T_TMP/sessions.json"
same "sessions --json: session 1 verdict" "$(json "$T_TMP/sessions.json" "[s['verdict'] for s in j if s['id']==1][0]")" TOLERANCE
has "due: mvic_field done today is not due" "$("$BIN" --db "$DB" due --json)" '{"test": "mvic_field", "name": "MVIC – Field size", "status": "not_due"'
has "due: helium never done is due" "$("$BIN" --db "$DB" due --json --today 2026-11-23)" '"test": "helium", "name": "Helium level", "status": "due", "due_date": "2026-11-23"'

"$BIN" --db "$DB" --lang fr report session 1 -o "$T_TMP/s1.pdf" >/dev/null
check "report: exit 0" test $? = 0
text=$(pdftotext -layout "$T_TMP/s1.pdf" - 2>/dev/null)
has "report: accented French title" "$text" "MVIC – Champ"
has "report: operator" "$text" "Anaïs Lefèvre"
has "report: a value" "$text" "150.20"
has "report: French verdict" "$text" "TOLÉRANCE"
has "report: comment" "$text" "écart de hauteur à surveiller"
has "report: signature block" "$text" "Physicien(ne) médical(e)"
pdftoppm -r 40 -png -f 1 -l 1 "$T_TMP/s1.pdf" "$T_TMP/page" 2>/dev/null
check "report: pdftoppm renders page 1" test -s "$T_TMP/page-1.png"
err=$("$BIN" --db "$DB" report session 99 -o "$T_TMP/none.pdf" 2>&1)
has "report: unknown session" "$err" "no session 99"
check "report: unknown session writes nothing" test ! -e "$T_TMP/none.pdf"

# --- Bad input: a clear one-line message, a non-zero status, nothing stored.
expect_error() { # NAME FRAGMENT COMMAND...
	local name=$1 frag=$2
	shift 2
	local msg
	msg=$("$@" 2>&1 >/dev/null)
	local rc=$?
	if [ $rc -ne 0 ] && grep -qF -- "$frag" <<<"$msg" && [ "$(wc -l <<<"$msg")" -le 2 ]; then
		ok "$name"
	else
		fail "$name" "status $rc, message: $msg"
	fi
}
head -c 5000 /dev/urandom >"$T_TMP/random.dcm"
: >"$T_TMP/empty.dcm"
R=$SHARED/robustness/files
expect_error "bad: random bytes" "random.dcm" "$BIN" analyze mv_field "$T_TMP/random.dcm"
expect_error "bad: empty file" "empty.dcm" "$BIN" analyze mv_field "$T_TMP/empty.dcm"
expect_error "bad: truncated pixel data" "truncated" "$BIN" analyze mv_field "$R/MR_truncated.dcm"
expect_error "bad: JPEG 2000" "JPEG 2000" "$BIN" analyze mv_field "$R/JPEG2000.dcm"
# The same refusals in French: the DICOM layer speaks the interface language too.
expect_error "bad, in French: random bytes" "impossible de charger « $T_TMP/random.dcm » : ce n'est pas un fichier DICOM" "$BIN" --lang fr analyze mv_field "$T_TMP/random.dcm"
expect_error "bad, in French: truncated file" "fichier tronqué (les données s'arrêtent au milieu d'un élément)" "$BIN" --lang fr analyze mv_field "$R/MR_truncated.dcm"
expect_error "bad, in French: JPEG 2000" "la compression JPEG 2000 n'est pas prise en charge" "$BIN" --lang fr analyze mv_field "$R/JPEG2000.dcm"
expect_error "bad, in French: missing path" "fichier ou dossier inexistant" "$BIN" --lang fr analyze mv_field "$T_TMP/nothing"
# Without DCMTK's dictionary: DICOM commands say so, the others (due list, checklist) still work.
expect_error "bad: no DICOM dictionary" "the DCMTK data dictionary is not loaded" env DCMDICTPATH=/nonexistent.dic "$BIN" analyze mv_field "$TOP/sample-dicom/mvic/mvic_1.dcm"
check "no DICOM dictionary: the due list still works" env DCMDICTPATH=/nonexistent.dic "$BIN" --db "$T_TMP/nodict.db" due
# A dictionary the user names is read by DCMTK itself; the results are those of the built-in one.
dic=$(ls /usr/share/libdcmtk*/dicom.dic | head -1)
builtin=$("$BIN" analyze mv_field "$FIELD" --json)
users=$(DCMDICTPATH=$dic "$BIN" analyze mv_field "$FIELD" --json)
has "user's DICOM dictionary: the field is measured" "$users" '"name": "width_mm"'
check "user's DICOM dictionary: same output as the built-in one" test "$builtin" = "$users"
expect_error "bad: MR image given to mv_field" "does not look like an open MV field: it is not an MV portal image (its modality is MR)" "$BIN" analyze mv_field "$R/MR_small.dcm"
expect_error "bad: MR image given to mv_field, in French" "l'image 1 ne ressemble pas à un champ MV ouvert : ce n'est pas une image portale MV (sa modalité est MR)" "$BIN" --lang fr analyze mv_field "$R/MR_small.dcm"
expect_error "bad: missing path" "no such file or folder" "$BIN" analyze mv_field "$T_TMP/nothing"
expect_error "bad: unknown analysis" "unknown analysis 'nope'" "$BIN" analyze nope "$FIELD"
expect_error "bad: too many images for the test" "takes 1 to 5 images" "$BIN" analyze mvic_field "$FIELD" "$FIELD" "$FIELD" "$FIELD" "$FIELD" "$FIELD" --test mvic_field
expect_error "bad: database is a folder" "$T_TMP" "$BIN" --db "$T_TMP" sessions
echo "not a database" >"$T_TMP/text.db"
expect_error "bad: database is a text file" "not a unityqc database" "$BIN" --db "$T_TMP/text.db" sessions
check "bad: text file left untouched" test "$(cat "$T_TMP/text.db")" = "not a database"
expect_error "bad: unknown option" "unknown option '--frobnicate'" "$BIN" --frobnicate
expect_error "bad: bad --today" "bad date 'tomorrow'" "$BIN" --today tomorrow due
printf '[test x]\nname.fr = a\nbogus = 1\n' >"$T_TMP/bad.cat"
expect_error "bad: catalogue error with file:line" "bad.cat:3: unknown key 'bogus'" "$BIN" catalog check "$T_TMP/bad.cat"
check "bad: nothing more stored" test "$(sqlite3 "$DB" 'select count(*) from sessions')" = 1

# A locked database: another writer holds it longer than the busy timeout.
(echo "BEGIN IMMEDIATE; INSERT INTO audit(at, who, login, action, detail) VALUES ('2026-01-01 00:00:00','x','x','lock','held');"; sleep 4) | sqlite3 "$DB" &
locker=$!
sleep 0.5
expect_error "bad: locked database" "locked" env UNITYQC_BUSY_MS=500 "$BIN" --db "$DB" analyze mvic_field "$FIELD" --save
expect_error "bad: locked database, in French" "la base de données est verrouillée par un autre utilisateur (abandon après 0.5 s)" env UNITYQC_BUSY_MS=500 "$BIN" --db "$DB" --lang fr analyze mvic_field "$FIELD" --save
expect_error "bad: UNITYQC_BUSY_MS not a number is refused" "UNITYQC_BUSY_MS must be a number of milliseconds from 0 to 600000, not '5s'" env UNITYQC_BUSY_MS=5s "$BIN" --db "$DB" sessions
expect_error "bad: UNITYQC_BUSY_MS out of range is refused" "not '-1'" env UNITYQC_BUSY_MS=-1 "$BIN" --db "$DB" sessions
wait $locker
check "locked: the session saved before is intact" test "$(sqlite3 "$DB" 'select count(*) from sessions')" = 1
out=$("$BIN" --db "$DB" analyze mvic_field "$FIELD" --save)
has "locked: saving works again once released" "$out" "saved session 2"
# System errors read as the rest of a message: lower case, in the user's language.
expect_error "errors: a missing catalogue in lower case" "cannot open catalogue '$T_TMP/nope.cat': no such file or directory" "$BIN" catalog check "$T_TMP/nope.cat"
expect_error "errors: a missing report to import in lower case" "cannot open '$T_TMP/nope.htm': no such file or directory" "$BIN" --db "$DB" import piqt "$T_TMP/nope.htm"
expect_error "errors: a report onto a folder in lower case" "cannot write report '$T_TMP': is a directory" "$BIN" --db "$DB" report session 1 -o "$T_TMP"

# A full disk: the file-size limit stops the PDF and the database write.
cp "$T_TMP/s1.pdf" "$T_TMP/keep.pdf"
msg=$( (ulimit -f 64; "$BIN" --db "$DB" report session 1 -o "$T_TMP/keep.pdf") 2>&1)
has "full disk: report says so" "$msg" "disk full"
check "full disk: the old PDF is untouched" cmp -s "$T_TMP/s1.pdf" "$T_TMP/keep.pdf"
check "full disk: no temporary file left" test -z "$(ls "$T_TMP" | grep 'keep.pdf.')"
msg=$( (ulimit -f 16; "$BIN" --db "$DB" analyze mvic_field "$TOP/sample-dicom/mvic" --save) 2>&1)
has "full disk: save says so" "$msg" "disk full"
check "full disk: earlier sessions intact" test "$(sqlite3 "$DB" 'select count(*) from sessions; pragma integrity_check' | tr '\n' ' ')" = "2 ok "

# --- Catalogue commands.
"$BIN" catalog show --json >"$T_TMP/cat.json"
check "catalog show --json: mvic_field measures" test "$(json "$T_TMP/cat.json" "[t for t in j['tests'] if t['id']=='mvic_field'][0]['measurements'][0]['name']")" = width_mm
"$BIN" catalog export >"$T_TMP/copy.cat"
n_tests=$(json "$T_TMP/cat.json" "len(j['tests'])")
has "catalog export: a copy that checks" "$("$BIN" catalog check "$T_TMP/copy.cat")" "$n_tests tests: ok"
check "catalog export: the built-in catalogue, byte for byte" cmp "$TOP/src/catalog/default.cat" "$T_TMP/copy.cat"
has "scan: series of the real Unity folders" "$("$BIN" scan "$SHARED/mrl/mv")" "13 DICOM images, 0 skipped, 3 series"
lacks "scan: nothing said when every folder is read" "$("$BIN" scan "$TOP/sample-dicom/mvic")" "could not be read"
# A sub-folder without permissions: its images are missing, and the scan says so. root reads it
# anyway, so as root the scan runs as nobody through setpriv; without it the check fails (the
# setup installs util-linux), never skips.
SCAN=$(mktemp -d)
mkdir -p "$SCAN/open" "$SCAN/locked"
cp "$TOP/sample-dicom/mvic/mvic_1.dcm" "$SCAN/open/"
cp "$TOP/sample-dicom/mvic/mvic_2.dcm" "$SCAN/locked/"
chmod 755 "$SCAN" "$SCAN/open"
chmod 644 "$SCAN/open/mvic_1.dcm"
chmod 000 "$SCAN/locked"
as_user=()
if [ "$(id -u)" = 0 ] && setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null; then
	as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups)
fi
if [ "$(id -u)" != 0 ] || [ ${#as_user[@]} -gt 0 ]; then
	out=$("${as_user[@]}" "$BIN" scan "$SCAN" 2>&1)
	has "scan: an unreadable sub-folder is said" "$out" "1 sub-folder(s) could not be read"
	has "scan: an unreadable sub-folder is said, in French" "$("${as_user[@]}" "$BIN" --lang fr scan "$SCAN" 2>&1)" "1 sous-dossier n'a pas pu être lu"
	has "scan: the readable images are still listed" "$out" "1 DICOM images"
else
	fail "scan: an unreadable sub-folder is said" "running as root and setpriv cannot drop to nobody: chmod 000 does not stop root"
fi
chmod 755 "$SCAN/locked"
rm -rf "$SCAN"

# The words the command line prints follow the interface language; English is unchanged above.
FR=$T_TMP/fr.db
out=$("$BIN" --db "$FR" --lang fr analyze mvic_field "$FIELD" --save)
has "French: analyze names the image and its role" "$out" "image 0 : $FIELD  rôle 50 x 50 mm centré en (+50, +0)"
has "French: analyze says the session is saved" "$out" "séance 1 enregistrée"
has "English: analyze names the image and its role" "$("$BIN" analyze mvic_field "$FIELD")" "image 0: $FIELD  role 50 x 50 mm at (+50, +0)"
expect_error "French: an unknown option, before --lang is read" "option inconnue « --bogus » (voir unityqc --help)" env UNITYQC_LANG=fr "$BIN" --bogus
expect_error "English: an unknown option" "unknown option '--bogus' (see unityqc --help)" env UNITYQC_LANG=en "$BIN" --bogus
has "French: the general help" "$("$BIN" --lang fr --help)" "  --operator NOM      qui réalise le contrôle (par défaut : le nom de connexion)"
has "English: the general help" "$("$BIN" --lang en --help)" "  --operator NAME  who performs the test (default: login name)"
expect_error "French: usage" "usage : unityqc report session ID -o FICHIER.pdf" "$BIN" --lang fr report
expect_error "French: a correction of another test, with its context" "impossible d'enregistrer la séance helium dans « $FR » : la séance 1 est une séance « mvic_field » : une séance « helium » ne peut pas la corriger" "$BIN" --db "$FR" --lang fr record helium level_pct=72 --operator tech --supersedes 1
has "French: record says the session is saved" "$("$BIN" --db "$FR" --lang fr record helium level_pct=72 --operator tech --comment "ras")" "séance 2 enregistrée (OK)"
has "French: sessions marks a comment" "$("$BIN" --db "$FR" --lang fr sessions)" "tech  (commentaire)"
has "English: sessions marks a comment" "$("$BIN" --db "$FR" sessions)" "tech  (comment)"
expect_error "French: a catalogue error keeps its file:line prefix" "bad.cat:3: clé inconnue « bogus » dans une section" "$BIN" --lang fr catalog check "$T_TMP/bad.cat"

t_summary
