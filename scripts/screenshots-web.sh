#!/usr/bin/env bash
# Screenshots of `retake serve` for the README: the exam screen (one per item type), the review
# screen, the report and the drill, at 1280×800 and 390×844, made in headless Chromium through
# WebDriver by the ignored test `browser::screenshots`. Needs scripts/test-deps.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/test-deps
export RETAKE_SCREENSHOTS="$PWD/docs/screenshots/web"
mkdir -p "$RETAKE_SCREENSHOTS"
cargo test --test cli browser::screenshots -- --ignored --exact
ls -1 "$RETAKE_SCREENSHOTS"
