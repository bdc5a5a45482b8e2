# Helpers for TUI scripts: a private tmux server, waiting for text, exit status and terminal modes.
SOCK="unityqc-test-$$"
tm() { tmux -L "$SOCK" "$@"; }
trap 'tm kill-server 2>/dev/null; rm -rf "$T_TMP"' EXIT

# start NAME COLS ROWS [VAR=VALUE...] [-- ARGS...]: unityqc in a fresh tmux session with its own
# --db; the pane outlives the program so that its exit status and the terminal modes can be read.
start() {
	local name=$1 cols=$2 rows=$3 envs="" args=""
	shift 3
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do
		envs="$envs $1"
		shift
	done
	[ "${1:-}" = "--" ] && shift
	args="$*"
	tm new-session -d -s "$name" -x "$cols" -y "$rows" \
		"cd '$TOP'; stty -a >'$T_TMP/$name.before'; env $envs '$BIN' --db '$T_TMP/$name.db' $args; \
		echo \$? >'$T_TMP/$name.rc'; stty -a >'$T_TMP/$name.after'; sleep 600"
}
screen() { tm capture-pane -p -t "$1"; }
keys() { tm send-keys -t "$@"; }

# poll NAME SESSION WHY TEST...: runs TEST on the screen text (stdin) every 0.1 s for up to
# 10 s; passes when it succeeds, else fails saying WHY with the last screen.
poll() {
	local name=$1 session=$2 why=$3
	shift 3
	for _ in $(seq 100); do
		if screen "$session" | "$@"; then
			ok "$name"
			return 0
		fi
		sleep 0.1
	done
	fail "$name" "$why; screen:
$(screen "$session")"
	return 1
}
absent() { ! grep -qF -- "$1"; }

# wait_for NAME SESSION TEXT: TEXT shows on the screen within 10 s.
wait_for() { poll "$1" "$2" "'$3' never shown" grep -qF -- "$3"; }
# wait_match NAME SESSION REGEX: as wait_for, for an extended regular expression (a row whose
# cells must be seen together, where one word alone also shows elsewhere).
wait_match() { poll "$1" "$2" "/$3/ never matched" grep -qE -- "$3"; }
# wait_gone NAME SESSION TEXT: TEXT leaves the screen within 10 s (a question answered, a prompt
# closed), before checking what follows it.
wait_gone() { poll "$1" "$2" "'$3' still shown" absent "$3"; }

# exited NAME SESSION STATUS: the program ended with STATUS and gave the terminal back.
exited() {
	for _ in $(seq 100); do
		[ -s "$T_TMP/$2.rc" ] && [ -s "$T_TMP/$2.after" ] && break
		sleep 0.1
	done
	local rc
	rc=$(cat "$T_TMP/$2.rc" 2>/dev/null)
	if [ "$rc" = "$3" ] && cmp -s "$T_TMP/$2.before" "$T_TMP/$2.after"; then
		ok "$1"
	else
		fail "$1" "status '$rc' (expected $3); terminal modes: $(diff "$T_TMP/$2.before" "$T_TMP/$2.after" | head -5)"
	fi
}
