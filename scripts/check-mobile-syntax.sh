#!/usr/bin/env bash
# Syntax check of what this machine cannot compile: every .swift file under ios/, the generated
# Swift bindings, and every .kt/.kts file under android/ (the Kotlin is also compiled and tested
# by scripts/android-tests.sh; the Gradle .kts files only parsed here).
#
#   scripts/check-mobile-syntax.sh
#
# Uses the tree-sitter grammars from PyPI, installed once in target/syntax-venv. First tests the
# checker itself (a broken file must fail), then checks the sources; any ERROR or MISSING node
# fails the run with file:line:column. This is a parse, not a compile (see README).
set -euo pipefail
cd "$(dirname "$0")/.."

venv=target/syntax-venv
py="$venv/bin/python"
pins=(tree-sitter==0.25.2 tree-sitter-swift==0.7.4 tree-sitter-kotlin==1.1.0)

command -v python3 >/dev/null || { echo "python3 not found: apt-get install -y python3 python3-venv" >&2; exit 1; }
if ! "$py" -c "import tree_sitter, tree_sitter_swift, tree_sitter_kotlin" 2>/dev/null; then
  echo "==> Installing ${pins[*]} into $venv (from PyPI)"
  rm -rf "$venv"
  python3 -m venv "$venv" || { echo "python3 -m venv failed: apt-get install -y python3-venv" >&2; exit 1; }
  "$py" -m pip install -q --disable-pip-version-check "${pins[@]}"
fi

if [ ! -f target/bindings/swift/perisai_ffi.swift ]; then
  echo "==> Generating the bindings (bindings/generate.sh)"
  bindings/generate.sh
fi

echo "==> Testing the checker (a broken file must fail it)"
"$py" scripts/syntax_check_test.py

echo "==> Parsing ios/, the generated Swift and android/"
"$py" scripts/syntax_check.py ios target/bindings/swift android
