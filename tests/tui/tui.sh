#!/usr/bin/env bash
# The real TUI driven through tmux: the whole MVIC path (checklist, folder, analysis, comment,
# save, PDF, history), bad folders, ASCII terminals, and the terminal restored on quit, SIGHUP
# and crash.
source "$(dirname "$0")/../lib.sh"
t_tmp
source "$(dirname "$0")/lib_tui.sh"
# These scenarios pass their own --inbox and --reports.
INBOX="--inbox '$T_TMP/inbox' --reports '$T_TMP/reports'"

mkdir -p "$T_TMP/inbox" "$T_TMP/inbox/truncated" "$T_TMP/inbox/mr"
cp -r "$TOP/sample-dicom/mvic" "$T_TMP/inbox/"
cp "$SHARED/robustness/files/MR_truncated.dcm" "$T_TMP/inbox/truncated/"
cp "$SHARED/robustness/files/MR_small.dcm" "$T_TMP/inbox/mr/"

# --- The whole path, in French, on a 100 x 30 terminal.
S=path
start $S 100 30 LANG=C.UTF-8 UNITYQC_LANG=fr -- --today 2026-11-23 $INBOX
wait_for "checklist: title" $S "contrôles du 2026-11-23"
wait_for "checklist: MVIC never done is due" $S "à faire (jamais fait)"
keys $S j j j Enter
wait_for "picker: opens on the inbox" $S "choisir le dossier DICOM"
wait_for "picker: lists the sub-folder with its DICOM count" $S "5 DICOM"
keys $S Down Enter
wait_for "picker: goes into the folder" $S "Analyser ce dossier : 5 fichiers DICOM"
keys $S Enter
# The roles the analysis proposes, checked before the results: change one, see it judged
# against the field chosen, come back and restore it.
wait_for "roles: screen" $S "MVIC – Champ — rôles des images"
wait_for "roles: measured field beside its role" $S "150.2 × 84.5 mm à (+0.2, -0.3)"
wait_for "roles: every planned field taken" $S "50 x 50 mm centré en (-50, +0)"
keys $S j j Right
wait_for "roles: the selected image takes the next field" $S "‹ 50 x 50 mm centré en (+50, +0) ›"
wait_for "roles: a field taken twice is flagged" $S "pris deux fois"
wait_for "roles: the field left without image is named" $S "Aucune image pour : 50 x 50 mm"
keys $S Enter
wait_for "roles: results with the user's role" $S "image 1/5 — 150 x 85 mm"
keys $S Right Right
wait_for "roles: image 3 judged as the +50 mm field" $S "image 3/5 — 50 x 50 mm centré en (+50, +0) (utilisateur)"
keys $S Escape
wait_for "roles: leaving unsaved results asks" $S "perdre"
keys $S o
wait_gone "roles: 'yes' closes the question" $S "perdre"
wait_for "roles: back to the roles" $S "rôles des images"
keys $S Left
wait_for "roles: restored" $S "‹ 50 x 50 mm ›"
lacks "roles: restored, nothing flagged" "$(screen $S)" "pris deux fois"
keys $S g Left
wait_for "roles: no role for an image" $S "‹ aucun rôle (non jugée) ›"
wait_for "roles: marked as changed" $S "modifié"
wait_for "roles: its field then has no image" $S "Aucune image pour : 150 x 85 mm"
keys $S Right
wait_for "roles: back to the proposed field" $S "‹ 150 x 85 mm ›"
keys $S Enter
wait_for "result: first image" $S "image 1/5 — 150 x 85 mm"
wait_for "result: measurement table" $S "Largeur du champ (x)"
wait_for "result: value" $S "150.20"
wait_for "result: overall verdict" $S "TOLÉRANCE"
tm resize-window -t $S -x 130 -y 40
wait_for "resize: wider table shows the reference and levels" $S "Tol. / Act."
tm resize-window -t $S -x 100 -y 30
keys $S Right
wait_for "result: next image" $S "image 2/5 — 85 x 85 mm"
keys $S Left Left
wait_for "result: wraps to the last image" $S "image 5/5 — 50 x 50 mm centré en (-50, +0)"
keys $S j
wait_for "result: detail of the selected measurement" $S "height_mm : référence 50 mm"
keys $S c
wait_for "comment: prompt" $S "Commentaire :"
keys $S -l "Écart de 1,3 mm en hauteur : à revoir"
keys $S Enter
wait_for "comment: shown" $S "Commentaire : Écart de 1,3 mm en hauteur : à revoir"
keys $S s
wait_for "save: confirmed" $S "séance 1 enregistrée"
keys $S p
wait_for "pdf: asks for the file" $S "Fichier PDF :"
keys $S C-u
keys $S -l "$T_TMP/rapport.pdf"
keys $S Enter
wait_for "pdf: written" $S "rapport écrit"
text=$(pdftotext "$T_TMP/rapport.pdf" - 2>/dev/null)
has "pdf: title" "$text" "MVIC – Champ"
has "pdf: comment typed in the TUI" "$text" "Écart de 1,3 mm en hauteur : à revoir"
keys $S Escape
wait_for "checklist: MVIC done today" $S "fait aujourd'hui"
keys $S h
wait_for "history: the session" $S "Séances — MVIC – Champ"
keys $S Enter
wait_for "history: opens the stored session" $S "séance 1"
keys $S c
wait_for "history: stored results cannot be changed" $S "les résultats ne sont jamais modifiés"
keys $S Escape Escape
wait_for "history: back to the checklist" $S "contrôles du"
keys $S '?'
wait_for "help: keys of the checklist" $S "séances de ce contrôle"
keys $S Escape q
exited "quit: status 0, terminal restored" $S 0
db=$T_TMP/$S.db
check "db: one session" test "$(sqlite3 "$db" 'select count(*) from sessions')" = 1
check "db: the comment typed" test "$(sqlite3 "$db" 'select comment from sessions')" = "Écart de 1,3 mm en hauteur : à revoir"
check "db: operator is the login name" test "$(sqlite3 "$db" 'select operator from sessions')" = "$(id -un)"
check "db: five inputs fingerprinted" test "$(sqlite3 "$db" "select count(*) from inputs where length(sha256) = 64")" = 5

# --- Bad folders: a clear message on the status line, the program keeps running.
S=bad
start $S 100 30 LANG=C.UTF-8 UNITYQC_LANG=en -- --today 2026-11-23 $INBOX
wait_for "bad: checklist" $S "QC of 2026-11-23"
keys $S j j j Enter
wait_for "bad: picker" $S "choose the DICOM folder"
keys $S Enter
wait_for "bad: mr folder" $S "Analyse this folder: 1 DICOM file"
keys $S Enter
wait_for "bad: MR image refused with a reason" $S "does not look like an open MV field"
keys $S h Down Down Enter Enter
# The folder is named "truncated" too: wait for the message itself.
wait_for "bad: truncated file refused with a reason" $S "MR_truncated.dcm': truncated file"
keys $S h
wait_for "bad: still running" $S "mvic/"
keys $S Up Enter Enter
wait_for "bad: then a good analysis, roles first" $S "roles of the images"
keys $S Enter
wait_for "bad: then its results" $S "image 1/5"
keys $S Escape
wait_for "bad: leaving unsaved results asks first" $S "Results not saved"
keys $S n
# "image 1/5" was on screen under the question: it shows nothing until the question is gone.
wait_gone "bad: 'no' closes the question" $S "Results not saved"
wait_for "bad: 'no' keeps the results" $S "image 1/5"
keys $S Escape y
wait_for "bad: 'yes' leaves them, back to the roles" $S "roles of the images"
keys $S Escape
wait_for "bad: then the folder" $S "choose the DICOM folder"
keys $S q
exited "bad: quit cleanly" $S 0
check "bad: nothing stored" test "$(sqlite3 "$T_TMP/$S.db" 'select count(*) from sessions')" = 0

# --- An ASCII terminal (LANG=C) at 80 x 24: transliterated text, ASCII picture.
S=ascii
start $S 80 24 LC_ALL=C LANG=C UNITYQC_LANG=en -- --today 2026-11-23 $INBOX
wait_for "ascii: checklist" $S "MVIC - Field size"
keys $S j j j Enter Down Enter Enter
wait_for "ascii: roles, ASCII marks" $S "< 150 x 85 mm >"
keys $S Enter
wait_for "ascii: result" $S "image 1/5"
# Accented letters cannot be shown here: refused one by one, the prompt keeps working.
keys $S c
wait_for "ascii: comment prompt" $S "Comment:"
keys $S -l "été"
keys $S Enter
wait_for "ascii: comment entered" $S "Comment: t"
check "ascii: accented letters left out of the comment" grep -qx " Comment: t" <<<"$(screen $S)"
keys $S Right
wait_for "ascii: keys still work after them" $S "image 2/5"
if screen $S | LC_ALL=C grep -q '[^ -~]'; then
	fail "ascii: only 7-bit characters on screen" "$(screen $S | LC_ALL=C grep '[^ -~]' | head -3)"
else
	ok "ascii: only 7-bit characters on screen"
fi
keys $S Escape y q
exited "ascii: quit cleanly" $S 0

# --- Resizing: a terminal too small takes no key but quit; a prompt follows the last row.
# It starts and ends at 30 x 8, so that the terminal modes compared on exit are the same size.
S=resize
start $S 30 8 LANG=C.UTF-8 UNITYQC_LANG=en -- --today 2026-11-23 $INBOX
wait_for "resize: too small" $S "terminal too small"
keys $S j j j Enter
sleep 0.5
tm resize-window -t $S -x 100 -y 30
wait_for "resize: the checklist once large enough" $S "QC of 2026-11-23"
lacks "resize: keys are ignored while too small" "$(screen $S)" "choose the DICOM folder"
keys $S /
wait_for "resize: search prompt" $S "Find:"
tm resize-window -t $S -x 100 -y 36
for _ in $(seq 50); do [ "$(tm display -p -t $S '#{pane_height}')" = 36 ] && break; sleep 0.1; done
for _ in $(seq 50); do [ "$(screen $S | sed -n 36p | cut -c1-5)" = "Find:" ] && break; sleep 0.1; done
check "resize: the prompt moves to the new last row" test "$(screen $S | sed -n 36p | cut -c1-5)" = "Find:"
keys $S -l "MVIC"
keys $S Enter
wait_for "resize: the prompt still takes keys" $S "Acquire the 5 MVIC images"
tm resize-window -t $S -x 30 -y 8
wait_for "resize: too small again" $S "terminal too small"
keys $S q
exited "resize: quit while too small" $S 0

# --- A terminal without colours (vt100): attributes, and the picture in characters.
S=mono
start $S 80 24 LANG=C.UTF-8 TERM=vt100 UNITYQC_LANG=en -- --today 2026-11-23 $INBOX
wait_for "mono: checklist" $S "QC of 2026-11-23"
keys $S j j j Enter Down Enter Enter
wait_for "mono: roles" $S "roles of the images"
keys $S Enter
wait_for "mono: result" $S "Field width (x)"
if screen $S | head -20 | cut -c1-28 | grep -q '[▓█]'; then ok "mono: picture drawn with shade characters"; else fail "mono: picture drawn with shade characters" "$(screen $S)"; fi
keys $S Escape y q
exited "mono: quit cleanly" $S 0

# --- The picture is dithered once, not again on every key: QC_TUI_PICTURE_LOG writes a line per
# picture drawn, "rendered" or "kept".
S=pic
LOG=$T_TMP/pictures.log
start $S 100 30 LANG=C.UTF-8 UNITYQC_LANG=en QC_TUI_PICTURE_LOG="$LOG" -- --today 2026-11-23 $INBOX
wait_for "pic: checklist" $S "QC of 2026-11-23"
keys $S j j j Enter Down Enter Enter
wait_for "pic: roles" $S "roles of the images"
keys $S Enter
wait_for "pic: result" $S "width_mm: reference"
: >"$LOG"
for _ in 1 2 3; do
	keys $S j
	wait_for "pic: next measurement" $S "height_mm: reference"
	keys $S k
	wait_for "pic: previous measurement" $S "width_mm: reference"
done
check "pic: six keys draw the kept picture six times" test "$(sort "$LOG" | cut -d' ' -f1 | uniq -c | xargs)" = "6 kept"
: >"$LOG"
keys $S Right
wait_for "pic: next image" $S "image 2/5"
keys $S Left
wait_for "pic: back to the first" $S "image 1/5"
check "pic: a new image rendered, the first one kept" test "$(cut -d' ' -f1 "$LOG" | xargs)" = "rendered kept"
: >"$LOG"
tm resize-window -t $S -x 120 -y 36
wait_for "pic: resized" $S "Tol. / Act."
check "pic: rendered again at the new size" test "$(cut -d' ' -f1 "$LOG" | sort -u | xargs)" = "rendered"
tm resize-window -t $S -x 100 -y 30
# tmux cuts its copy of the screen at once: wait for the program's own redraw (the verdict
# at the right end of the title) before quitting, or the terminal may still be 120 wide.
wait_match "pic: redrawn at 100 columns" $S "^ MVIC .*TOLERANCE *$"
keys $S Escape y q
exited "pic: quit cleanly" $S 0

# --- SIGHUP (the SSH connection drops) and a crash: the terminal is restored.
for sig in HUP SEGV; do
	S=sig$sig
	start $S 100 30 LANG=C.UTF-8 -- --today 2026-11-23 $INBOX
	wait_for "$sig: checklist drawn" $S "QC of"
	pid=$(pgrep -f -- "--db $T_TMP/$S.db" | head -1)
	kill -$sig "$pid"
	status=$((128 + $(kill -l $sig)))
	exited "$sig: terminal restored, status $status" $S $status
done

t_summary
