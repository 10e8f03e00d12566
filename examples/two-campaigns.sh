#!/usr/bin/env bash
# two-campaigns: April, then October 2024, on the same ledger, with a new UK Defence Secretary
# between them (the July 2024 general election).
#
#   examples/two-campaigns.sh [APRIL.yaml] [OCTOBER.yaml] [OUT_DIR]
#
# 1. April: the British exchange goes on record (the UK's letter, Israel's reply half an hour
#    later, and the others' letters), and the April raid runs on the letters of the ledger.
# 2. July: the UK's office-holder key is rotated, on the ledger at once; the former Defence
#    Secretary's letter, and Israel's reply to it, lapse from then (`ledger show` marks them).
# 3. October, before renewing: `coalition plan --dry-run` names what must be renewed, and a run
#    on the ledger shows the UK's forces not acting (its legal basis lapsed in July).
# 4. October, renewed: the new Defence Secretary repeats the exchange (the plan signs it with the
#    new key), and the run shows the UK's forces acting. The ledger verifies across the rotation.
#
# RUN_ARGS adds options to each `inkless run` (e.g. "--picture perfect --no-rule-costs" for a
# quick look; the default is the tracked picture with rule costs, a few minutes per run).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
april="${1:-$here/april-2024.yaml}"
october="${2:-$here/october-2024.yaml}"
out="${3:-two-campaigns}"
read -r -a run_args <<< "${RUN_ARGS:-}"
ledger="$out/ledger.db"
keys="$ledger.keys"

if [ -e "$ledger" ]; then
  echo "two-campaigns: $ledger exists; give a new OUT_DIR (the ledger is append-only)" >&2
  exit 2
fi
mkdir -p "$out"

echo "== April: the British exchange on record, the raid on the ledger's letters"
inkless coalition plan "$april" --ledger "$ledger" --at 2024-04-13T12:00:00Z --delay-s 1800
inkless run "$april" --ledger "$ledger" --out "$out/april" "${run_args[@]}"

echo "== July: a new UK Defence Secretary; the office-holder key is rotated on the ledger"
inkless coalition keys --keys "$keys" --member GBR --rotate --at 2024-07-05T12:00:00Z \
  --ledger "$ledger"
inkless ledger show "$ledger" | grep 'lapsed at' || true

echo "== October, before renewing: what must be renewed, and a run without it"
inkless coalition plan "$october" --ledger "$ledger" --at 2024-10-01T09:00:00Z --delay-s 1800 \
  --dry-run
inkless run "$october" --ledger "$ledger" --out "$out/october-not-renewed" "${run_args[@]}"

echo "== October, renewed by the new Defence Secretary"
inkless coalition plan "$october" --ledger "$ledger" --at 2024-10-01T09:00:00Z --delay-s 1800
inkless run "$october" --ledger "$ledger" --out "$out/october" "${run_args[@]}"

inkless ledger verify "$ledger" --keys "$keys"
