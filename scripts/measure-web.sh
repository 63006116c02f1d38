#!/usr/bin/env bash
# Server time of `retake serve` on a generated 100 k-question bank with a 1 M-answer history: a
# page (the exam screen) and an answer round trip, timed by curl on loopback (so an upper bound of
# the server's time), and the server's resident memory (VmHWM, its peak) afterwards.
#
#   bash scripts/measure-web.sh [QUESTIONS] [HISTORY]     (defaults: 100000 1000000)
set -euo pipefail
cd "$(dirname "$0")/.."
questions=${1:-100000}
history=${2:-1000000}
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
pid=
cargo build --release --quiet
bin="${CARGO_TARGET_DIR:-target}/release/retake"
RETAKE_GEN_DIR="$work" RETAKE_GEN_QUESTIONS="$questions" RETAKE_GEN_HISTORY="$history" \
  cargo bench --quiet --bench generate >/dev/null
export RETAKE_DB="$work/bench.db" RETAKE_BANKS="$work/banks" TZ=UTC NO_COLOR=1
exam=$("$bin" bank list --json | sed -n 's/.*"code": *"\([^"]*\)".*/\1/p' | head -1)
"$bin" serve --no-open --port 0 >"$work/out" 2>/dev/null &
pid=$!
for _ in $(seq 1 600); do [ -s "$work/out" ] && break; sleep 0.1; done
url=$(head -1 "$work/out")
port=${url#http://127.0.0.1:}; port=${port%%/*}; token=${url#*token=}
base="http://127.0.0.1:$port"
c=(-s -o /dev/null -b "retake_token=$token" -H "Host: 127.0.0.1:$port")
csrf=$(curl -s -b "retake_token=$token" -H "Host: 127.0.0.1:$port" "$base/" | sed -n 's/.*data-csrf="\([^"]*\)".*/\1/p')
loc=$(curl "${c[@]}" -w '%{redirect_url}' -H "Origin: $base" -d "csrf=$csrf&count=60" "$base/exam/$exam/start")
tab=${loc#*tab=}
[ ${#tab} -eq 32 ] || { echo "measure-web.sh: the mock did not start ($loc)" >&2; exit 1; }
# Prints the time of a request whose status is $1 (anything else stops the script).
timed() {
  local want=$1 out
  shift
  out=$(curl "${c[@]}" -w '%{http_code} %{time_total}' "$@")
  [ "${out%% *}" = "$want" ] || { echo "measure-web.sh: $* answered ${out%% *}, not $want" >&2; exit 1; }
  echo "${out#* }"
}
page() { timed 200 "$base/exam/$exam?tab=$tab"; }
answer() { timed 303 -H "Origin: $base" -d "csrf=$csrf&tab=$tab&action=flag" "$base/exam/$exam/act"; }
median() { sort -n | awk '{a[NR]=$1} END {printf "%.1f ms\n", a[int((NR+1)/2)]*1000}'; }
page >/dev/null
echo "exam page:      $(for _ in $(seq 1 50); do page; done | median) (median of 50)"
echo "answer (flag):  $(for _ in $(seq 1 50); do answer; done | median) (median of 50)"
echo "home page:      $(for _ in $(seq 1 5); do timed 200 "$base/"; done | median) (median of 5)"
echo "review screen:  $(timed 303 -H "Origin: $base" -d "csrf=$csrf&tab=$tab&action=review" "$base/exam/$exam/act" >/dev/null; for _ in $(seq 1 20); do page; done | median) (median of 20)"
echo "progress page:  $(for _ in $(seq 1 5); do timed 200 "$base/progress/$exam"; done | median) (median of 5)"
echo "server memory:  $(awk '/VmHWM/ {printf "%.1f MB peak", $2/1024}' "/proc/$pid/status"), $(awk '/VmRSS/ {printf "%.1f MB now", $2/1024}' "/proc/$pid/status")"
