//! The demo's narration on stdout: one line per event, stamped with the time since the demo
//! started (`[01:05]`), Indonesian first and English second where a line is prose.
//!
//! Lines carry counts, codes, device numbers and masked NIKs, never a name or a full NIK. Writing
//! never panics: a closed stdout (a script that stopped reading) must not stop the demo.

use std::fmt::Display;
use std::io::Write;
use std::time::Instant;

/// Where the demo's lines go. Cheap to clone; usable from threads and async tasks alike.
#[derive(Clone, Debug)]
pub struct Console {
    start: Instant,
    quiet: bool,
}

impl Console {
    pub fn new() -> Console {
        Console {
            start: Instant::now(),
            quiet: false,
        }
    }

    /// A console that prints nothing (unit tests).
    #[cfg(test)]
    pub fn quiet() -> Console {
        Console {
            quiet: true,
            ..Console::new()
        }
    }

    /// A line with the time since the start.
    pub fn say(&self, line: impl Display) {
        let secs = self.start.elapsed().as_secs();
        self.write(format_args!("[{:02}:{:02}] {line}", secs / 60, secs % 60));
    }

    /// A line as it is (headings, the login block).
    pub fn plain(&self, line: impl Display) {
        self.write(format_args!("{line}"));
    }

    fn write(&self, line: std::fmt::Arguments<'_>) {
        if self.quiet {
            return;
        }
        // The stdout lock keeps lines from devices and links whole.
        let mut out = std::io::stdout().lock();
        let _ = out.write_fmt(line);
        let _ = out.write_all(b"\n");
        let _ = out.flush();
    }
}

impl Default for Console {
    fn default() -> Console {
        Console::new()
    }
}
/// "1 batch", "2 batches", "0 fraud flags".
pub fn counted(n: impl Into<i128>, noun: &str) -> String {
    let n = n.into();
    match (n, noun.ends_with("ch")) {
        (1, _) => format!("1 {noun}"),
        (_, true) => format!("{n} {noun}es"),
        (_, false) => format!("{n} {noun}s"),
    }
}
