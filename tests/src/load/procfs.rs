//! CPU and memory from Linux's `/proc`: the server's and the driver's own CPU time, the
//! server's resident memory, and the whole machine's busy share. The driver runs on the same
//! cores as the server (and, on a shared machine, beside other people's work), so a figure is
//! only honest with these beside it. Elsewhere than Linux every reading is `None`.

use std::time::Instant;

/// CPU time of one process (user + system), in clock ticks.
pub fn process_ticks(pid: u32) -> Option<u64> {
    parse_process_ticks(&std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
}

/// `utime + stime` (fields 14 and 15) of a `/proc/PID/stat` line. The command name (field 2)
/// is in parentheses and may hold spaces and parentheses itself: fields are counted after the
/// last `)`.
fn parse_process_ticks(stat: &str) -> Option<u64> {
    let after_name = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // `after_name` starts at field 3 (state): utime is field 14, stime field 15.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

/// The machine's CPU ticks since boot: (busy, total), from the `cpu` line of `/proc/stat`.
pub fn machine_ticks() -> Option<(u64, u64)> {
    parse_machine_ticks(&std::fs::read_to_string("/proc/stat").ok()?)
}

fn parse_machine_ticks(stat: &str) -> Option<(u64, u64)> {
    let line = stat.lines().find(|l| l.starts_with("cpu "))?;
    let values: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .map(|v| v.parse().ok())
        .collect::<Option<_>>()?;
    // user nice system idle iowait irq softirq steal (guest time is already in user).
    let total: u64 = values.iter().take(8).sum();
    let idle = values.get(3)? + values.get(4).copied().unwrap_or(0);
    Some((total - idle, total))
}

/// Resident memory of a process now and at its peak, in KiB (`VmRSS`, `VmHWM`).
pub fn memory_kib(pid: u32) -> Option<(u64, u64)> {
    parse_memory_kib(&std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?)
}

fn parse_memory_kib(status: &str) -> Option<(u64, u64)> {
    let field = |name: &str| -> Option<u64> {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))?
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse()
            .ok()
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

/// The 1-minute load average.
pub fn load_average() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// Clock ticks per second (`getconf CLK_TCK`; 100 on every Linux this runs on).
pub fn ticks_per_second() -> u64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .filter(|&t| t > 0)
        .unwrap_or(100)
}

/// CPU readings at one moment, to be compared with a later one ([`CpuSnapshot::cores_since`]).
#[derive(Clone, Debug)]
pub struct CpuSnapshot {
    at: Instant,
    server: Option<u64>,
    driver: Option<u64>,
    machine: Option<(u64, u64)>,
}

/// Cores used between two snapshots (1.0 = one core busy the whole time).
#[derive(Clone, Copy, Debug, Default)]
pub struct CpuUse {
    pub server: Option<f64>,
    pub driver: Option<f64>,
    /// Busy share of all the machine's cores (every process: server, driver, database, others).
    pub machine_busy: Option<f64>,
}

impl CpuSnapshot {
    pub fn take(server_pid: Option<u32>) -> CpuSnapshot {
        CpuSnapshot {
            at: Instant::now(),
            server: server_pid.and_then(process_ticks),
            driver: process_ticks(std::process::id()),
            machine: machine_ticks(),
        }
    }

    /// What was used from `earlier` to this snapshot.
    pub fn cores_since(&self, earlier: &CpuSnapshot, ticks_per_second: u64) -> CpuUse {
        let seconds = self.at.duration_since(earlier.at).as_secs_f64();
        let cores = |now: Option<u64>, then: Option<u64>| {
            let used = now?.checked_sub(then?)? as f64 / ticks_per_second as f64;
            (seconds > 0.0).then(|| used / seconds)
        };
        let machine_busy = match (self.machine, earlier.machine) {
            (Some((busy, total)), Some((busy0, total0))) if total > total0 => {
                Some(busy.saturating_sub(busy0) as f64 / (total - total0) as f64)
            }
            _ => None,
        };
        CpuUse {
            server: cores(self.server, earlier.server),
            driver: cores(self.driver, earlier.driver),
            machine_busy,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn process_ticks_are_counted_after_a_name_with_spaces_and_parentheses() {
        let stat = "4242 (perisai (x) srv) S 1 4242 4242 0 -1 4194560 1234 0 0 0 \
                    250 75 0 0 20 0 9 0 1000 123456 789 18446744073709551615";
        assert_eq!(parse_process_ticks(stat), Some(325));
        assert_eq!(parse_process_ticks("4242 (short) S 1"), None);
    }

    #[test]
    fn machine_ticks_leave_idle_and_iowait_out_of_busy() {
        let stat = "cpu  100 5 50 800 40 3 2 0 0 0\ncpu0 50 2 25 400 20 1 1 0 0 0\n";
        assert_eq!(parse_machine_ticks(stat), Some((160, 1000)));
    }

    #[test]
    fn memory_is_read_in_kib() {
        let status = "Name:\tperisai-server\nVmHWM:\t  81234 kB\nVmRSS:\t   70000 kB\n";
        assert_eq!(parse_memory_kib(status), Some((70_000, 81_234)));
        assert_eq!(parse_memory_kib("Name:\tx\n"), None);
    }
}
