# Helpers for the shell test suites: each check prints "ok NAME" or "FAIL NAME: why",
# and t_summary prints the closing "N passed, N failed" line the runner reads.
T_PASSED=0
T_FAILED=0
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=${UNITYQC_BIN:-$TOP/build/unityqc}
SHARED=${QC_SHARED_DATA:-$TOP/../shared/data}
export LC_ALL=C.UTF-8 LANG=C.UTF-8
unset LANGUAGE UNITYQC_LANG UNITYQC_DB UNITYQC_CATALOG UNITYQC_INBOX
export UNITYQC_LOCALEDIR=$TOP/build/locale
[ -d "$SHARED" ] || { echo "FAIL setup: shared data missing at $SHARED"; echo "0 passed, 1 failed"; exit 1; }

ok() { echo "ok   $1"; T_PASSED=$((T_PASSED + 1)); }
fail() { echo "FAIL $1: $2"; T_FAILED=$((T_FAILED + 1)); }

# check NAME COMMAND...: passes when the command succeeds.
check() {
	local name=$1
	shift
	if "$@"; then ok "$name"; else fail "$name" "failed: $*"; fi
}

# has NAME TEXT FRAGMENT: passes when TEXT contains FRAGMENT.
has() {
	if grep -qF -- "$3" <<<"$2"; then ok "$1"; else fail "$1" "'$3' not found in: ${2:0:400}"; fi
}

# lacks NAME TEXT FRAGMENT
lacks() {
	if grep -qF -- "$3" <<<"$2"; then fail "$1" "'$3' found in: ${2:0:400}"; else ok "$1"; fi
}

# near NAME VALUE EXPECTED TOLERANCE: VALUE must be a number; a JSON null (printed None, null
# or nothing) fails instead of being read as 0 by awk.
near() {
	if ! [[ $2 =~ ^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$ ]]; then
		fail "$1" "'$2' is not a number, expected $3 ± $4"
	elif awk -v v="$2" -v e="$3" -v t="$4" 'BEGIN { d = v - e; if (d < 0) d = -d; exit !(d <= t) }'; then
		ok "$1"
	else
		fail "$1" "$2, expected $3 ± $4"
	fi
}

# json FILE EXPRESSION: evaluates a Python expression on the parsed JSON (named j).
json() {
	python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

# same NAME VALUE EXPECTED: passes when VALUE is exactly EXPECTED.
same() {
	if [ "$2" = "$3" ]; then ok "$1"; else fail "$1" "'$2', expected '$3'"; fi
}

# field FILE NAME KEY [IMAGE]: KEY (verdict, note, ...) of the one measurement named NAME (of
# image IMAGE when given); prints an error instead when no row or several rows match.
field() {
	python3 - "$@" <<'EOF'
import json, sys
f, name, key = sys.argv[1:4]
rows = [x for x in json.load(open(f))["measurements"] if x["name"] == name
        and (len(sys.argv) < 5 or x["image"] == int(sys.argv[4]))]
print(rows[0][key] if len(rows) == 1 else "<%d rows named %s>" % (len(rows), name))
EOF
}

# verdict FILE NAME [IMAGE]: the verdict of one named measurement; overall FILE: the result's.
verdict() { field "$1" "$2" verdict ${3+"$3"}; }
overall() { json "$1" "j['verdict']"; }

t_tmp() {
	T_TMP=$(mktemp -d "${TMPDIR:-/tmp}/unityqc-test.XXXXXX")
	trap 'rm -rf "$T_TMP"' EXIT
}

t_summary() {
	echo "$T_PASSED passed, $T_FAILED failed"
	[ "$T_FAILED" = 0 ]
}
