#!/usr/bin/env bash
# Runs every suite (unit, command line, TUI; normal and sanitised builds; valgrind) and ends with
# the plain total line "N passed, N failed" that CI reads.
cd "$(dirname "$0")/.." || exit 2
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
passed=0
failed=0

suite() { # NAME COMMAND...
	local name=$1
	shift
	echo "== $name"
	local out rc line
	out=$("$@" 2>&1)
	rc=$?
	echo "$out"
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' <<<"$out" | tail -1)
	if [ -z "$line" ]; then
		echo "FAIL $name: no summary line (exit status $rc)"
		failed=$((failed + 1))
		return
	fi
	local p=${line%% passed*} f=${line#*, }
	f=${f%% failed}
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		echo "FAIL $name: exit status $rc after its summary"
		failed=$((failed + 1))
	fi
}

suite "unit tests" build/unit-tests
suite "unit tests (AddressSanitizer + UBSan)" build-san/unit-tests
# SHA-256 has a portable path and one using the CPU's SHA instructions: test both on this machine.
suite "SHA-256 without the SHA instructions" env QC_NO_SHA_NI=1 build/unit-tests sha
for script in tests/integration/*.sh; do
	name=$(basename "$script" .sh)
	suite "command line: $name" bash "$script"
	suite "command line: $name (sanitised build)" env UNITYQC_BIN="$PWD/build-san/unityqc" bash "$script"
done
for script in tests/tui/*.sh; do
	name=$(basename "$script" .sh)
	[ "${name#lib}" != "$name" ] && continue # helpers, not a suite
	suite "TUI: $name" bash "$script"
	suite "TUI: $name (sanitised build)" env UNITYQC_BIN="$PWD/build-san/unityqc" bash "$script"
done
suite "valgrind" bash tests/valgrind.sh

echo
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
