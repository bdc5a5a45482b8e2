#!/usr/bin/env bash
# The TUI of the QC programme: a manual entry with live verdicts, kept in progress and
# resumed, saved; a physicist's review queue; a correction that supersedes a session.
source "$(dirname "$0")/../lib.sh"
t_tmp
source "$(dirname "$0")/lib_tui.sh"

# The physicist's sessions: S=NAME on a copy of FROM_DB, in French, on COLS x ROWS.
as_physicist() {
	S=$1
	cp "$2" "$T_TMP/$S.db"
	start "$S" "$3" "$4" LANG=C.UTF-8 -- --today 2026-11-23 --lang fr --operator phys
}

S=entry
DB=$T_TMP/$S.db
start $S 100 30 LANG=C.UTF-8 -- --today 2026-11-23 --lang fr --operator tech
wait_for "checklist: safety first, due" $S "Systèmes de sécurité"
keys $S Enter
wait_for "form: opens with the instructions" $S "toute réponse « non » arrête les traitements"
keys $S -l "oui"
wait_for "form: live verdict OK" $S "OK"
keys $S Tab
keys $S -l "peut-être"
wait_for "form: a bad answer is explained" $S "répondre oui ou non"
keys $S C-u
keys $S -l "non"
wait_for "form: a 'no' is ACTION at once" $S "ACTION"
keys $S Escape
wait_for "form: leaving asks to keep the entry" $S "Garder cette saisie en cours"
keys $S o
# "en cours" is in the question itself: wait for the answer's message, then the checklist row.
wait_for "form: the entry is kept" $S "saisie en cours enregistrée"
wait_match "checklist: the entry is in progress" $S "Systèmes de sécurité +en cours "
keys $S Enter
wait_for "form: the entry is resumed" $S "saisie en cours reprise (tech"
keys $S Tab # the two answers typed before are back: fill the seven others
for _ in 1 2 3 4 5 6 7; do keys $S Tab Space; done
keys $S Tab
keys $S -l "voyant console à changer"
keys $S C-s
wait_for "form: saved with the worst verdict" $S "séance 1 enregistrée : ACTION"
wait_for "checklist: safety done today" $S "fait aujourd'hui"
check "db: nine answers and the comment" test "$(sqlite3 "$DB" "select count(*)||'|'||(select comment from sessions) from measurements")" = "9|voyant console à changer"
check "db: the draft is gone" test "$(sqlite3 "$DB" 'select count(*) from drafts')" = 0
check "db: the 'no' stored as text and judged ACTION" test "$(sqlite3 "$DB" "select text||' '||verdict from measurements where name='audible_indicator'")" = "no ACTION"

# Helium: a number with a decimal comma, out of the plausible range, at the warning level.
keys $S /
wait_for "checklist: search" $S "Rechercher :"
keys $S -l "hélium"
keys $S Enter Enter
wait_for "form: helium" $S "Niveau d'hélium (%)"
keys $S -l "650"
wait_for "form: implausible value refused" $S "hors de la plage plausible"
keys $S C-u
keys $S -l "68,5"
wait_for "form: warning level live" $S "TOLÉRANCE"
keys $S F2
wait_for "form: helium saved" $S "séance 2 enregistrée : TOLÉRANCE"
keys $S q
exited "entry: quit, terminal restored" $S 0

# A physicist reviews: cannot approve the technician's own work as the technician.
as_physicist review "$DB" 100 30
wait_for "review: checklist" $S "contrôles du"
keys $S v
wait_for "review: queue of two" $S "Séances à valider : 2"
# Nothing marked: the selected session is the one asked about, and stays unmarked when the
# question is cancelled (Esc at the comment, or 'no').
keys $S a
wait_for "review: approval asks for a comment" $S "Commentaire (facultatif) :"
keys $S Escape
wait_gone "review: the comment prompt closes" $S "Commentaire (facultatif) :"
wait_for "review: cancelled at the comment" $S "Séances à valider : 2 (0 marquées)"
lacks "review: nothing left marked after Esc" "$(screen $S)" "[x]"
keys $S a
wait_for "review: comment again" $S "Commentaire (facultatif) :"
keys $S Enter
wait_for "review: the selected session alone" $S "Valider 1 séance(s) ?"
keys $S n
wait_gone "review: the question closes" $S "Valider 1 séance(s) ?"
wait_for "review: cancelled at the question" $S "Séances à valider : 2 (0 marquées)"
lacks "review: nothing left marked after 'no'" "$(screen $S)" "[x]"
keys $S Space Space
wait_for "review: both marked" $S "(2 marquées)"
keys $S x
wait_for "review: rejection asks why" $S "Motif du refus :"
keys $S -l "refaire avec le bon dispositif"
keys $S Enter
wait_for "review: confirmation" $S "Refuser 2 séance(s) ?"
keys $S o
wait_for "review: done" $S "2 séance(s) refusée(s)"
wait_for "review: queue empty" $S "rien à valider"
keys $S Escape a
# "refusée" is also in the review's message: wait for the history's rows.
wait_for "history: all tests" $S "Séances — tous les contrôles"
wait_match "history: review state shown" $S "^ +1 +2026-11-23 .* refusée +tech"
wait_match "history: review state shown on both" $S "^ +2 +2026-11-23 .* refusée +tech"
keys $S Down c
wait_for "correction: the form starts from the old values" $S "(correction)"
keys $S F2
wait_for "correction: saved as a new session" $S "séance 3 enregistrée"
keys $S q
exited "review: quit, terminal restored" $S 0
check "db: two rejections with the reason" test "$(sqlite3 "$T_TMP/$S.db" "select count(*) from reviews where decision='rejected' and comment='refaire avec le bon dispositif' and reviewer='phys'")" = 2
check "db: the correction supersedes session 1" test "$(sqlite3 "$T_TMP/$S.db" 'select supersedes from sessions where id = 3')" = 1
# Narrow terminals: every column keeps a readable width, the least useful go first.
as_physicist narrow80 "$T_TMP/review.db" 80 24
wait_for "80x24: checklist" $S "contrôles du"
keys $S a
wait_for "80x24: history" $S "Séances — tous les contrôles"
wait_match "80x24: history, the operator in full" $S "^ +3 2026-11-23 [0-9:]{8} Systèmes de séc… +ACTION +à valider +phys \\* *$"
wait_match "80x24: history, every column of a corrected session" $S "^ +1 2026-11-23 [0-9:]{8} Systèmes de séc… +ACTION +refusée +tech \\* \\(corrigée\\) *$"
keys $S Escape v
wait_for "80x24: review queue" $S "Séances à valider : 1"
wait_match "80x24: review queue, every column" $S "^ \\[ \\] +3 2026-11-23 [0-9:]{8} Systèmes de sécurité +ACTION +phys \\* *$"
keys $S q
exited "80x24: quit" $S 0
as_physicist narrow40 "$T_TMP/review.db" 40 20
wait_match "40x20: checklist title, the date and the counts" $S "^ 2026-11-23 +0 en retard · [0-9]+ à faire *$"
wait_match "40x20: checklist, the test's name and status" $S "^ Constance du débit +à faire \(jamais"
wait_match "40x20: checklist, a name of 20 characters whole" $S "^ Systèmes de sécurité fait aujourd'hui *$"
keys $S a
wait_for "40x20: history" $S "Séances — tous les contrôles"
wait_match "40x20: history keeps number, date, test and verdict" $S "^ +2 2026-11-23 Niveau d'hél.* TOLÉRANCE *$"
lacks "40x20: history without the operator" "$(screen $S)" "Opérateur"
keys $S Escape v
wait_for "40x20: review queue" $S "Séances à valider : 1"
# Nothing written past the right edge (it went on to the next line).
wait_match "40x20: review queue, mark, number, date, test and verdict" $S "^ \\[ \\] +3 2026-11-23 Systèmes de.* ACTION *$"
check "40x20: review queue, nothing wrapped below" test -z "$(screen $S | sed -n 4p | tr -d ' ')"
keys $S q
exited "40x20: quit" $S 0
# The PIQT report from the folder picker.
S=piqt
mkdir -p "$T_TMP/reports-in"
cp "$SHARED/mrl/piqt/unity_PIQT_report_2018-06.htm" "$T_TMP/reports-in/"
start $S 110 30 LANG=C.UTF-8 -- --today 2026-11-23 --lang fr --inbox "$T_TMP/reports-in"
wait_for "piqt: checklist" $S "contrôles du"
keys $S /
keys $S -l "PIQT"
keys $S Enter Enter
wait_for "piqt: the picker lists the report" $S "unity_PIQT_report_2018-06.htm"
wait_for "piqt: asks for the report file" $S "choisir le fichier du rapport"
keys $S Enter
wait_for "piqt: values with the report's limits" $S "flood.qa1h.e1.snr"
wait_for "piqt: dated from the report" $S "2018-06-22 08:02:57"
keys $S s
wait_for "piqt: saved" $S "séance 1 enregistrée"
# Correcting a report session imports a report again: the file picker, never a manual form.
keys $S Escape a
wait_for "piqt: history of all tests" $S "Séances — tous les contrôles"
keys $S c
wait_for "piqt: a correction opens the report picker" $S "(correction) — choisir le fichier du rapport"
lacks "piqt: no manual form for a correction" "$(screen $S)" "saisie"
keys $S Enter
wait_for "piqt: the corrected values" $S "flood.qa1h.e1.snr"
keys $S s
wait_for "piqt: the correction saved" $S "séance 2 enregistrée"
keys $S q
exited "piqt: quit, terminal restored" $S 0
check "db: the PIQT values stored" test "$(sqlite3 "$T_TMP/$S.db" "select count(*) > 50 from measurements where session_id = 1")" = 1
check "db: the PIQT correction supersedes session 1 with the report's values" test "$(sqlite3 "$T_TMP/$S.db" "select supersedes || '|' || (select count(*) > 50 from measurements where session_id = 2) from sessions where id = 2")" = "1|1"

# A site that approves sessions all OK without comment: an image session saved in the TUI is
# approved as the CLI's would be (a Winston-Lutz set without error is all OK).
S=auto
mkdir -p "$T_TMP/wl-in/wl" "$T_TMP/auto-cat"
"$TOP/build/mvgen" --winston-lutz "$T_TMP/wl-in/wl" >/dev/null
"$BIN" catalog export >"$T_TMP/auto-cat/site.cat"
printf '[review]\nauto_approve = yes\n' >>"$T_TMP/auto-cat/site.cat"
start $S 100 30 LANG=C.UTF-8 -- --today 2026-11-23 --lang fr --operator tech \
	--catalog "$T_TMP/auto-cat/site.cat" --inbox "$T_TMP/wl-in"
wait_for "auto: checklist" $S "contrôles du"
keys $S /
keys $S -l "Winston"
keys $S Enter Enter
wait_for "auto: picker" $S "8 DICOM"
keys $S Down Enter Enter
wait_match "auto: the set is all OK" $S "image 1/8 .* OK$"
keys $S s
wait_for "auto: saved" $S "séance 1 enregistrée"
keys $S Escape h
wait_for "auto: history" $S "Séances — Isocentre (Winston-Lutz)"
wait_match "auto: approved automatically" $S "^ +1 +2026-11-23 .* OK +validée +tech"
keys $S q
exited "auto: quit, terminal restored" $S 0
check "db: the TUI session approved by 'auto'" test "$(sqlite3 "$T_TMP/$S.db" "select session_id||'|'||reviewer||'|'||decision from reviews")" = "1|auto|approved"

t_summary
