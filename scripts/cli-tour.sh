#!/usr/bin/env bash
# A walk through the desktop shell `perisai`, the same core API the phones call: validate a form,
# quote contributions, enroll workers offline into the sealed local queue, show a receipt, withdraw
# one, and show the queue. Runs in a throw-away data directory unless PERISAI_DATA_DIR is set.
# Usage: scripts/cli-tour.sh. The main demo (the sync server with simulated field devices) is
# scripts/demo.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release -q -p perisai-cli
bin=target/release/perisai
data=${PERISAI_DATA_DIR:-$(mktemp -d)/perisai}
export PERISAI_DATA_DIR="$data"
today=$(date +%F)

show() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@" || true; }

worker() { # nik name phone occupation income
cat <<JSON
{"nik": "$1", "full_name": "$2", "birth_place": "Bogor", "birth_date": "$3",
 "sex": "$4", "phone": "$5", "address": "Pasar Anyar Blok C No. 12, Bogor",
 "occupation": "$6", "monthly_income": $7, "programs": ["JKK", "JKM"],
 "payment_months": 3, "consent": true, "enrolled_on": "$today"}
JSON
}

echo "Data directory: $data (sealed; nothing personal in plain text)"

show $bin quote --income 2500000 --programs JKK,JKM,JHT --months 12 --start 2026-11 --occupation KURIR

echo; echo "A form with mistakes: every problem at once, in Indonesian and English"
mkdir -p "$(dirname "$data")"
worker "3201 1501 9001 0000" "b" "1990-01-15" "X" "12345" "PILOT" 500000 > "$data.bad.json"
show $bin validate "$data.bad.json"

echo; echo "Enrolling three workers at the market, offline"
worker "3201155501900002" "Siti Aminah" "1990-01-15" "F" "0812 3456 7890" "PEDAGANG" 2000000 > "$data.1.json"
worker "3201151203850003" "Budi Santoso" "1985-03-12" "L" "+6281298765432" "OJOL" 3500000 > "$data.2.json"
worker "3201152008920004" "Wayan" "1992-08-20" "M" "6285712345678" "NELAYAN" 1500000 > "$data.3.json"
first=$($bin enroll "$data.1.json" | tee /dev/stderr | sed -n 's/.*"id": *"\([^"]*\)".*/\1/p' | head -1)
show $bin enroll "$data.2.json"
third=$($bin enroll "$data.3.json" | tee /dev/stderr | sed -n 's/.*"id": *"\([^"]*\)".*/\1/p' | head -1)

show $bin receipt "$first"
show $bin withdraw "$third"
show $bin list
show $bin queue
rm -f "$data".*.json
