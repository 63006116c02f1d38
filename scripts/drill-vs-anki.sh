#!/usr/bin/env bash
# Drill start-up against Anki's engine, measured side by side in one run.
#
#   bash scripts/drill-vs-anki.sh [REPS]          (default 21; SIZES="1000 10000 100000")
#
# 1. A Python venv in ${XDG_CACHE_HOME:-~/.cache}/retake-bench with the real `anki` package from PyPI
#    (made once, reused), and Anki collections of 1 k / 10 k / 100 k cards built by
#    ../shared/tools/anki_baseline/anki_baseline.py (or ../../shared/… from a worktree;
#    ANKI_BASELINE overrides the path): 70 % review
#    cards with a history, ~4.9 % due now, FSRS on, 20 new / 200 reviews a day.
# 2. retake databases with the same shape at 1 k / 10 k / 100 k families (the `generate` helper,
#    RETAKE_GEN_SHAPE=used: 70 % of families with a card, 4 % of those due today and 3 % overdue,
#    ~10 reviews each, default 20 new / 200 reviews a day), and a fresh learner on a 100 k bank.
# 3. Interleaved, REPS times after one discarded warm-up: Anki's engine in-process (RustBackend:
#    open the collection and get the first queued card, timed inside a fresh Python process) and
#    `retake drill GEN-1 --limit 1 </dev/null` as a whole process (start, open, sync check, queue,
#    first card shown, end of input, summary, exit), wall time seen by the parent.
#
# Prints medians with the interquartile range and checks the targets: retake's whole process no
# slower than Anki's engine in-process at 1 k, at most half of it at 10 k and 100 k, and retake at
# 100 k within 3x of retake at 1 k. Exits 1 when a target is missed.
set -euo pipefail
cd "$(dirname "$0")/.."
reps=${1:-21}
sizes=${SIZES:-1000 10000 100000}
cache=${XDG_CACHE_HOME:-$HOME/.cache}/retake-bench
baseline=${ANKI_BASELINE:-../shared/tools/anki_baseline/anki_baseline.py}
# A git worktree one level further down sees the shared folder two levels up.
if [ -z "${ANKI_BASELINE:-}" ] && [ ! -f "$baseline" ]; then
  baseline=../../shared/tools/anki_baseline/anki_baseline.py
fi
if [ ! -f "$baseline" ]; then
  echo "drill-vs-anki.sh needs anki_baseline.py (set ANKI_BASELINE=PATH)" >&2
  exit 2
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

py=$cache/anki-venv/bin/python
if ! "$py" -c 'import anki.collection' 2>/dev/null; then
  echo "setting up $cache/anki-venv with anki from PyPI" >&2
  mkdir -p "$cache"
  python3 -m venv "$cache/anki-venv"
  "$cache/anki-venv/bin/pip" install --quiet anki
fi

echo "building retake (release) and the data generator" >&2
cargo build --release --quiet --bin retake
bin=${CARGO_TARGET_DIR:-target}/release/retake
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)

for n in $sizes; do
  echo "building the Anki collection and the retake database of $n cards" >&2
  "$py" "$baseline" build "$n" "$work/anki/$n" >"$work/anki-$n.json"
  mkdir -p "$work/retake/$n"
  RETAKE_GEN_DIR="$work/retake/$n" RETAKE_GEN_SHAPE=used RETAKE_GEN_QUESTIONS="$n" RETAKE_GEN_NOW="$now" \
    cargo bench --quiet --bench generate >"$work/retake-$n.txt"
done
echo "building a fresh learner's database on a 100000-question bank" >&2
mkdir -p "$work/retake/fresh"
RETAKE_GEN_DIR="$work/retake/fresh" RETAKE_GEN_SHAPE=fresh RETAKE_GEN_QUESTIONS=100000 \
  cargo bench --quiet --bench generate >/dev/null
sync

echo "timing, $reps rounds" >&2
RETAKE_NOW=$now TZ=UTC NO_COLOR=1 "$py" - "$baseline" "$bin" "$work" "$reps" $sizes <<'PY'
import json, os, statistics, subprocess, sys, time

baseline, binary, work, reps = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
sizes = [int(n) for n in sys.argv[5:]]
sys.path.insert(0, os.path.dirname(os.path.abspath(baseline)))
import anki_baseline as ab  # noqa: E402  (its CHILD program times the engine in-process)


def anki(n):
    path = os.path.join(work, "anki", str(n), "c.anki2")
    out = subprocess.run([sys.executable, "-c", ab.CHILD, path, "backend"],
                         stdout=subprocess.PIPE, check=True, text=True).stdout
    return json.loads(out)["in_process"]


def retake(name):
    d = os.path.join(work, "retake", name)
    argv = [binary, "--db", os.path.join(d, "bench.db"), "--banks", os.path.join(d, "banks"),
            "drill", "GEN-1", "--limit", "1"]
    t = time.perf_counter()
    p = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, check=True)
    took = time.perf_counter() - t
    if b"Card 1 of" not in p.stdout:
        sys.exit(f"retake showed no card at {name}:\n{p.stdout.decode()}")
    return took


def bare(argv):
    t = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - t


series = {}
runs = [(f"anki {n}", lambda n=n: anki(n)) for n in sizes]
runs += [(f"retake {n}", lambda n=n: retake(str(n))) for n in sizes]
runs += [("retake fresh", lambda: retake("fresh")),
         ("retake --version", lambda: bare([binary, "--version"])),
         ("python -c pass", lambda: bare([sys.executable, "-c", "pass"]))]
for label, run in runs:
    run()  # warm-up, discarded
    series[label] = []
for _ in range(reps):
    for label, run in runs:
        series[label].append(run())


def ms(xs):
    q = statistics.quantiles(xs, n=4)
    return statistics.median(xs) * 1e3, q[0] * 1e3, q[2] * 1e3


def cell(xs):
    m, lo, hi = ms(xs)
    return f"{m:.1f} ({lo:.1f}–{hi:.1f})"


def due(n):
    with open(os.path.join(work, f"anki-{n}.json")) as f:
        a = json.load(f)
    with open(os.path.join(work, f"retake-{n}.txt")) as f:
        r = json.loads(f.read().splitlines()[-1])
    return a["due_today"] + a["overdue"], r["due_today"] + r["overdue"]


print(f"Drill to the first card, milliseconds: median (interquartile range) of {reps} interleaved runs")
print()
print("| cards or families | due now (Anki / retake) | Anki engine, in-process | retake drill, whole process"
      " | retake ÷ Anki | target | met |")
print("| --- | --- | --- | --- | --- | --- | --- |")
missed = []
for n in sizes:
    a, r = series[f"anki {n}"], series[f"retake {n}"]
    ratio = statistics.median(r) / statistics.median(a)
    limit = 1.0 if n < 10_000 else 0.5
    ok = ratio <= limit
    if not ok:
        missed.append(f"{n}: {ratio:.2f}× Anki (target ≤ {limit}×)")
    da, dr = due(n)
    print(f"| {n:,} | {da:,} / {dr:,} | {cell(a)} | {cell(r)} | {ratio:.2f} | ≤ {limit:g}× | {'yes' if ok else 'NO'} |")
fresh = series["retake fresh"]
print(f"| 100,000 questions, fresh learner | – / 0 | – | {cell(fresh)} | – | – | – |")
if sizes:
    lo, hi = series[f"retake {sizes[0]}"], series[f"retake {sizes[-1]}"]
    growth = statistics.median(hi) / statistics.median(lo)
    ok = growth <= 3.0
    if not ok:
        missed.append(f"{sizes[-1]} vs {sizes[0]}: {growth:.2f}× (target ≤ 3×)")
    print()
    print(f"retake at {sizes[-1]:,} ÷ retake at {sizes[0]:,}: {growth:.2f} (target ≤ 3): {'yes' if ok else 'NO'}")
print(f"bare processes: retake --version {cell(series['retake --version'])} ms, "
      f"python -c pass {cell(series['python -c pass'])} ms")
print(f"anki {subprocess.run([sys.executable, '-c', 'import anki.buildinfo as b; print(b.version)'], stdout=subprocess.PIPE, text=True).stdout.strip()}, "
      f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end")
if missed:
    print("missed: " + "; ".join(missed))
    sys.exit(1)
PY
