#!/usr/bin/env python3
"""Tests of scripts/syntax_check.py: a broken file must fail the check, naming file and line.

Run by scripts/check-mobile-syntax.sh before it checks the real sources (python3 -m unittest).
"""

import subprocess
import sys
import tempfile
import textwrap
import unittest
from pathlib import Path

CHECKER = Path(__file__).with_name("syntax_check.py")


def check(*files: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(CHECKER), *map(str, files)],
                          capture_output=True, text=True)


class SyntaxCheckTest(unittest.TestCase):
    def setUp(self):
        self.dir = Path(tempfile.mkdtemp(prefix="syntax-check-"))

    def write(self, name: str, text: str) -> Path:
        path = self.dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
        return path

    def test_valid_kotlin_and_swift_pass(self):
        kt = self.write("Ok.kt", """\
            package id.perisai.field
            data class Row(val id: String, val count: Long)
            fun total(rows: List<Row>): Long = rows.sumOf { it.count }
            """)
        swift = self.write("Ok.swift", """\
            import SwiftUI
            struct HomeView: View {
                @State private var count = 0
                var body: some View { Text("Antrean: \\(count)") }
            }
            """)
        result = check(kt, swift)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertIn("1 Swift and 1 Kotlin files parsed, 0 with errors", result.stdout)

    def test_broken_kotlin_fails_with_file_and_line(self):
        bad = self.write("android/Broken.kt", """\
            package id.perisai.field

            fun ok() = 1
            fun broken(x: Int {
                return x
            }
            """)
        result = check(self.dir)
        self.assertEqual(result.returncode, 1, result.stdout)
        self.assertRegex(result.stdout, rf"{bad}:4:\d+: ")

    def test_broken_swift_fails_with_file_and_line(self):
        bad = self.write("ios/Broken.swift", """\
            import Foundation

            struct Receipt {
                let reference: String
                func text() -> String {
                    return "Ref: " + reference +
                }
            """)
        result = check(bad)
        self.assertEqual(result.returncode, 1, result.stdout)
        self.assertIn(str(bad), result.stdout)

    def test_a_missing_closing_brace_fails(self):
        bad = self.write("Open.kts", 'plugins {\n    id("com.android.application")\n')
        result = check(bad)
        self.assertEqual(result.returncode, 1, result.stdout)
        self.assertIn(f"{bad}:", result.stdout)

    def test_known_grammar_gap_is_blanked_but_nothing_else(self):
        ok = self.write("Gen.swift", """\
            @_documentation(visibility: private)
            public struct FfiConverterString {}
            func call() {
                let writeReturn = { () }
                writeReturn()
            }
            """)
        self.assertEqual(check(ok).returncode, 0)
        bad = self.write("Gen2.swift", """\
            @_documentation(visibility: private)
            public struct FfiConverterString {
            """)
        self.assertEqual(check(bad).returncode, 1)

    def test_no_source_files_is_a_usage_error(self):
        (self.dir / "README.md").write_text("nothing")
        self.assertEqual(check(self.dir).returncode, 2)


if __name__ == "__main__":
    unittest.main()
