#!/usr/bin/env bash
# The QC programme from the command line: manual records, due list, history, review, downtime,
# catalogue changes with their reasons, auto-approval, and two users recording at once.
source "$(dirname "$0")/../lib.sh"
t_tmp
DB=$T_TMP/qc.db
Q=("$BIN" --db "$DB" --today 2026-11-23)

expect_error() { # NAME FRAGMENT COMMAND...
	local name=$1 frag=$2
	shift 2
	local msg
	msg=$("$@" 2>&1 >/dev/null)
	local rc=$?
	if [ $rc -ne 0 ] && grep -qF -- "$frag" <<<"$msg"; then ok "$name"; else fail "$name" "status $rc: $msg"; fi
}

# --- Manual records and their verdicts.
has "record: helium OK" "$("${Q[@]}" record helium level_pct=72 --operator tech --at "2026-11-16 08:10")" "(OK)"
has "record: helium at the warning level (decimal comma)" "$("${Q[@]}" record helium level_pct=68,5 --operator tech)" "(TOLERANCE)"
expect_error "record: not a number" "'7o' is not a number" "${Q[@]}" record helium level_pct=7o
expect_error "record: not a number, in French" "level_pct : « 7o » n'est pas un nombre" "${Q[@]}" --lang fr record helium level_pct=7o
expect_error "record: implausible value" "outside the plausible range" "${Q[@]}" record helium level_pct=650
expect_error "record: unknown test" "unknown test 'heliun'" "${Q[@]}" record heliun level_pct=70
expect_error "record: unknown item" "helium has no measurement 'level'" "${Q[@]}" record helium level=70
expect_error "record: future date" "lies in the future" "${Q[@]}" record helium level_pct=70 --at "2027-01-01 08:00"
expect_error "record: image test" "not a manual test" "${Q[@]}" record mvic_field width_mm=150
items="warmup_beam=yes audible_indicator=yes console_indicators=oui room_light=y interrupt_resume=yes cameras=yes communication=yes couch_estop=yes"
# shellcheck disable=SC2086
expect_error "record: a missing item" "no value for 'door_interlock'" "${Q[@]}" record safety $items
# shellcheck disable=SC2086
expect_error "record: a skipped item needs a comment" "needs a comment" "${Q[@]}" record safety $items door_interlock=skip
# shellcheck disable=SC2086
has "record: safety with the door interlock failing is ACTION" "$("${Q[@]}" record safety $items door_interlock=no --operator tech --comment "porte bloquée ouverte")" "(ACTION)"
has "record: couch with the derived difference" "$("${Q[@]}" record couch p1_mm=1000 p2_mm=1041,5 --operator tech --json)" '"name": "delta_mm", "value": 1.5, "unit": "mm", "image": -1, "verdict": "OK"'
has "record: three readings averaged" "$("${Q[@]}" record beam_quality d20_d10="0.703;0.705;0.704" d15_d5="0.72;0.72;0.73" --operator tech --json)" 'mean of 3 readings'
expect_error "record: an item given twice is refused" "helium: 'level_pct' given twice" "${Q[@]}" record helium level_pct=72 level_pct=60 --operator tech
expect_error "record: a correction of another test is refused, naming both" "session 1 is a 'helium' session: a 'couch' session cannot correct it" "${Q[@]}" record couch p1_mm=1000 p2_mm=1000 --operator tech --supersedes 1
expect_error "record: the same refusal in French" "la séance 1 est une séance « helium » : une séance « couch » ne peut pas la corriger" "${Q[@]}" --lang fr record couch p1_mm=1000 p2_mm=1000 --operator tech --supersedes 1
check "record: nothing stored by the refused records" test "$(sqlite3 "$DB" 'select count(*) from sessions')" = 5

# --- Due list.
"${Q[@]}" due --json >"$T_TMP/due.json"
st() { json "$T_TMP/due.json" "[x['status']+' '+x['due_date'] for x in j if x['test']=='$1'][0]"; }
check "due: helium done today is not due" test "$(st helium)" = "not_due 2026-11-30"
check "due: safety done today (a Monday)" test "$(st safety)" = "not_due 2026-11-24"
check "due: lasers never done is due" test "$(st lasers)" = "due 2026-11-23"
"$BIN" --db "$DB" --today 2026-11-27 due --json >"$T_TMP/due.json"
check "due: safety overdue four days later" test "$(st safety)" = "overdue 2026-11-24"
"$BIN" --db "$DB" --today 2026-12-02 due --json >"$T_TMP/due.json"
check "due: helium still due on the last day of its window" test "$(st helium)" = "due 2026-11-30"
"$BIN" --db "$DB" --today 2026-12-03 due --json >"$T_TMP/due.json"
check "due: helium overdue after its window" test "$(st helium)" = "overdue 2026-11-30"

# --- History and CSV.
csv=$("${Q[@]}" history helium --csv)
check "history: header and two rows" test "$(wc -l <<<"$csv")" = 3
has "history: the backdated value" "$csv" '2026-11-16 08:10:00,"tech",not_reviewed,"level_pct",-1,72,'
has "history: levels used kept with the value" "$csv" ',0,65,70,,,TOLERANCE,'
expect_error "history: unknown test" "unknown test" "${Q[@]}" history nothing
expect_error "history: --since must be a real date" "bad date '2026-02-30': expected YYYY-MM-DD" "${Q[@]}" history helium --since 2026-02-30
check "history: --since with a 'T' time" test "$("${Q[@]}" history helium --csv --since 2026-11-16T08:05 | wc -l)" = 3

# --- Review.
queue=$("${Q[@]}" review)
check "review: five sessions waiting" test "$(wc -l <<<"$queue")" = 5
expect_error "review: not one's own session" "cannot review it" "${Q[@]}" review 1 --approve --reviewer tech
expect_error "review: not one's own session, in French" "tech a réalisé la séance 1 et ne peut pas la valider" "${Q[@]}" --lang fr review 1 --approve --reviewer tech
expect_error "review: a rejection needs a reason" "needs a comment" "${Q[@]}" review 2 --reject --reviewer phys
has "review: approve" "$("${Q[@]}" review 1 --approve --reviewer phys)" "session 1 approved by phys"
has "review: reject with a reason" "$("${Q[@]}" review 2 --reject --reviewer phys --comment "lecture douteuse")" "session 2 rejected by phys"
has "sessions: review state listed" "$("${Q[@]}" sessions --json)" '"review": "rejected"'
"$BIN" --db "$DB" --today 2026-11-23 due --json >"$T_TMP/due.json"
check "review: the rejected session does not count (due from the 16th again)" test "$(st helium)" = "due 2026-11-23"
check "review: queue shrinks" test "$("${Q[@]}" review | wc -l)" = 3

# --- Downtime: no daily QC due while the machine is down.
has "downtime: add" "$("${Q[@]}" downtime add 2026-11-30 2026-12-11 --reason "maintenance annuelle")" "downtime 1: 2026-11-30 .. 2026-12-11"
expect_error "downtime: backwards" "ends (2026-11-01) before it starts" "${Q[@]}" downtime add 2026-11-30 2026-11-01
expect_error "downtime: backwards, in French" "l'arrêt machine finit (2026-11-01) avant de commencer (2026-11-30)" "${Q[@]}" --lang fr downtime add 2026-11-30 2026-11-01
"$BIN" --db "$DB" --today 2026-12-02 due --json >"$T_TMP/due.json"
check "downtime: safety not due during it" test "$(st safety)" = "not_due 2026-12-14"
has "downtime: ended early" "$("${Q[@]}" downtime end 1 2026-12-04)" "downtime 2: 2026-11-30 .. 2026-12-04"
"$BIN" --db "$DB" --today 2026-12-07 due --json >"$T_TMP/due.json"
check "downtime: safety due (not overdue) on the first day back" test "$(st safety)" = "due 2026-12-07"
has "downtime: list" "$("${Q[@]}" downtime list --json)" '"to": "2026-12-04", "reason": "maintenance annuelle"'

# --- Catalogue changes: checked, diffed, applied with a reason, recorded.
"$BIN" catalog export >"$T_TMP/site.cat"
sed -i 's/^tolerance = 70 -$/tolerance = 72 -/' "$T_TMP/site.cat" # helium's, not the comment
has "catalog diff: the changed level" "$("$BIN" catalog diff "$T_TMP/site.cat")" "helium.level_pct tolerance: 70 - -> 72 -"
expect_error "catalog apply: needs a reason" "needs --why" "${Q[@]}" catalog apply "$T_TMP/site.cat"
out=$("${Q[@]}" --operator phys catalog apply "$T_TMP/site.cat" --why "seuil d'alerte constructeur" -o "$T_TMP/installed.cat")
has "catalog apply: recorded and installed" "$out" "recorded, installed as $T_TMP/installed.cat"
check "catalog apply: the change is in the database" test "$(sqlite3 "$DB" "select c.what||'|'||c.old||'|'||c.new||'|'||v.who||'|'||v.why from catalog_changes c join catalog_versions v on v.id = c.version_id")" = "helium.level_pct tolerance|70 -|72 -|phys|seuil d'alerte constructeur"
has "catalog apply: the installed copy is used" "$("${Q[@]}" --catalog "$T_TMP/installed.cat" record helium level_pct=71 --operator tech)" "(TOLERANCE)"
versions() { sqlite3 "$DB" 'select count(*) from catalog_versions'; }
out=$("${Q[@]}" --operator phys catalog apply "$T_TMP/site.cat" --why "copie du service" -o "$T_TMP/new/site/qc/site.cat")
has "catalog apply: creates the missing folders of -o" "$out" "installed as $T_TMP/new/site/qc/site.cat"
check "catalog apply: the installed file is the applied one" cmp -s "$T_TMP/site.cat" "$T_TMP/new/site/qc/site.cat"
before=$(versions)
: >"$T_TMP/in-the-way"
expect_error "catalog apply: a destination that cannot be written is refused" "a file of that name is in the way" "${Q[@]}" --operator phys catalog apply "$T_TMP/site.cat" --why "essai" -o "$T_TMP/in-the-way/site.cat"
check "catalog apply: nothing recorded when the file cannot be installed" test "$(versions)" = "$before"
expect_error "catalog apply: HOME unset is said" "HOME is not set: say where to install the catalogue with -o PATH" env -u HOME -u XDG_CONFIG_HOME "${Q[@]}" --operator phys catalog apply "$T_TMP/site.cat" --why "essai"
check "catalog apply: nothing recorded without a destination" test "$(versions)" = "$before"
out=$(XDG_CONFIG_HOME="$T_TMP/xdg/deeper" "${Q[@]}" --operator phys catalog apply "$T_TMP/site.cat" --why "poste du physicien")
has "catalog apply: installs the user's catalogue in a new config folder" "$out" "installed as $T_TMP/xdg/deeper/unityqc/catalog.cat"
check "catalog apply: the user's catalogue is the applied one" cmp -s "$T_TMP/site.cat" "$T_TMP/xdg/deeper/unityqc/catalog.cat"
check "catalog apply: no temporary file left" test -z "$(find "$T_TMP/xdg" "$T_TMP/new" -name '*.cat.*')"
printf '[review]\nauto_approve = yes\n' >>"$T_TMP/installed.cat"
# shellcheck disable=SC2086
"${Q[@]}" --catalog "$T_TMP/installed.cat" record safety $items door_interlock=yes --operator tech >/dev/null
has "auto-approval: all OK without comment" "$("${Q[@]}" sessions --json --test safety)" '"review": "approved"'
check "auto-approval: by 'auto'" test "$(sqlite3 "$DB" "select reviewer from reviews order by id desc limit 1")" = auto
# shellcheck disable=SC2086
"${Q[@]}" --catalog "$T_TMP/installed.cat" record safety $items door_interlock=yes --operator tech --comment "RAS" >/dev/null
check "auto-approval: a comment always needs a human" test "$(sqlite3 "$DB" "select count(*) from reviews where session_id = (select max(id) from sessions)")" = 0

# --- The Philips PIQT report: every value judged against the report's own limit.
PIQT=$SHARED/mrl/piqt/unity_PIQT_report_2018-06.htm
"${Q[@]}" import piqt "$PIQT" --json >"$T_TMP/piqt.json"
pv() { json "$T_TMP/piqt.json" "[str(x['value'])+' '+x['verdict'] for x in j['measurements'] if x['name']=='$1'][0]"; }
check "piqt: QA1 echo 1 S/N 71.8 above its limit 66" test "$(pv flood.qa1h.e1.snr)" = "71.8 OK"
check "piqt: slice FWHM 5.00 in 4.65-5.15" test "$(pv slice.qa1h.e1.fwhm_mm)" = "5 OK"
has "piqt: facts kept" "$(cat "$T_TMP/piqt.json")" '"name": "report.magnet"'
out=$("${Q[@]}" import piqt "$PIQT" --save --operator tech)
has "piqt: saved" "$out" "saved session"
check "piqt: dated when the report was made" test "$(sqlite3 "$DB" "select completed_at from sessions where test = 'piqt'")" = "2018-06-22 08:02:57"
head -c 30000 "$PIQT" >"$T_TMP/cut.htm"
expect_error "piqt: a cut report names where it fails" "PIQT report" "${Q[@]}" import piqt "$T_TMP/cut.htm"
expect_error "piqt: not a report" "PIQT report" "${Q[@]}" import piqt "$SHARED/mrl/mv/field/square_50mm_offset_2025-09-17.dcm"

# --- Two users recording at the same time lose nothing.
before=$(sqlite3 "$DB" 'select count(*) from sessions')
for who in a b; do
	(for i in $(seq 25); do "${Q[@]}" record lasers proximal_mm=0.$i central_mm=0 distal_mm=-0.$i --operator "$who" >/dev/null || echo "FAILED $who $i"; done) >"$T_TMP/$who.log" 2>&1 &
done
wait
check "concurrent: no error on either side" test -z "$(cat "$T_TMP/a.log" "$T_TMP/b.log")"
check "concurrent: 50 sessions more" test "$(sqlite3 "$DB" 'select count(*) from sessions')" = $((before + 50))
check "concurrent: each with its 3 measurements" test "$(sqlite3 "$DB" "select count(*) from measurements m join sessions s on s.id = m.session_id where s.test = 'lasers'")" = 150
check "audit: every session saved is in the audit trail" test "$(sqlite3 "$DB" "select count(*) from audit where action = 'save'")" = "$(sqlite3 "$DB" 'select count(*) from sessions')"
t_summary
