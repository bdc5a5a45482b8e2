#!/usr/bin/env bash
# valgrind on the real program: commands and a TUI session. Only the two ncurses entries of
# tests/valgrind-ncurses.supp are suppressed; any error or leak of ours fails.
source "$(dirname "$0")/lib.sh"
t_tmp
SUPP=$TOP/tests/valgrind-ncurses.supp
VG=(valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect,possible
	--suppressions="$SUPP")
FIELD=$SHARED/mrl/mv/field/square_50mm_offset_2025-09-17.dcm
DB=$T_TMP/vg.db

# clean LOG: valgrind counted no error (leaks of the kinds above included) in its summary.
clean() { grep -q "ERROR SUMMARY: 0 errors from 0 contexts" "$1"; }

# vg NAME STATUS COMMAND...: valgrind on the program itself, which must end with STATUS (a
# refused file is a status of 1, not valgrind's 99) and leave a clean error summary.
vg() {
	local name=$1 want=$2 rc=0
	shift 2
	"${VG[@]}" --log-file="$T_TMP/vg.log" "$@" >/dev/null 2>&1 || rc=$?
	if [ "$rc" = "$want" ] && clean "$T_TMP/vg.log"; then
		ok "$name"
	else
		fail "$name" "status $rc (expected $want); $(grep -v '^==[0-9]*== *$' "$T_TMP/vg.log" | head -40)"
	fi
}
vg "valgrind: analyze the real Unity field" 0 "$BIN" analyze mv_field "$FIELD" --json
vg "valgrind: analyze and save the sample set" 0 "$BIN" --db "$DB" analyze mvic_field "$TOP/sample-dicom/mvic" --save --comment "é"
vg "valgrind: PDF report" 0 "$BIN" --db "$DB" --lang fr report session 1 -o "$T_TMP/r.pdf"
vg "valgrind: folder scan" 0 "$BIN" scan "$SHARED/mrl/mv"
vg "valgrind: due list" 0 "$BIN" --db "$DB" due --json
vg "valgrind: a refused file" 1 "$BIN" analyze mv_field "$SHARED/robustness/files/MR_truncated.dcm"

# The TUI: checklist, analysis, save, history, quit.
SOCK="unityqc-vg-$$"
tm() { tmux -L "$SOCK" "$@"; }
trap 'tm kill-server 2>/dev/null; rm -rf "$T_TMP"' EXIT
tm new-session -d -s vg -x 100 -y 30 "cd '$TOP'; ${VG[*]} --log-file='$T_TMP/tui.log' '$BIN' \
	--db '$T_TMP/tui.db' --today 2026-11-23 --inbox '$TOP/sample-dicom'; echo \$? >'$T_TMP/tui.rc'; sleep 600"
wait_screen() {
	for _ in $(seq 300); do
		tm capture-pane -p -t vg | grep -qF -- "$1" && return 0
		sleep 0.1
	done
	return 1
}
wait_screen "QC of" && tm send-keys -t vg j j j Enter &&
	wait_screen "mvic/" && tm send-keys -t vg Enter && wait_screen "Analyse this folder" &&
	tm send-keys -t vg Enter && wait_screen "roles of the images" && tm send-keys -t vg j Right &&
	wait_screen "taken twice" && tm send-keys -t vg Left Enter &&
	wait_screen "image 1/5" && tm send-keys -t vg Right c &&
	wait_screen "Comment:" && tm send-keys -t vg -l "été" && tm send-keys -t vg Enter s &&
	wait_screen "session 1 saved" && tm send-keys -t vg Escape h && wait_screen "Sessions" &&
	tm send-keys -t vg Enter && wait_screen "session 1" && tm send-keys -t vg Escape Escape q
for _ in $(seq 300); do
	[ -s "$T_TMP/tui.rc" ] && break
	sleep 0.1
done
if [ "$(cat "$T_TMP/tui.rc" 2>/dev/null)" = 0 ] && clean "$T_TMP/tui.log" && [ "$(sqlite3 "$T_TMP/tui.db" 'select count(*) from sessions')" = 1 ]; then
	ok "valgrind: TUI session"
else
	fail "valgrind: TUI session" "status $(cat "$T_TMP/tui.rc" 2>/dev/null); $(head -40 "$T_TMP/tui.log")"
fi
t_summary
