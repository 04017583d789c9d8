//! `motcua bench …`: reproducible measurements on loopback, against the real server.
//! Results are recorded in BENCHMARKS.md with the machine and the command.

mod crash;
mod day;
mod dossiers;
mod province;
mod queue;
mod sign;
mod sync;

use clap::Subcommand;

#[derive(Subcommand, Clone)]
pub enum BenchCmd {
    /// Ticket issuance (1/8/32 clients) vs raw redb commits, and call → SSE latency.
    Queue {
        /// Tickets per concurrency level.
        #[arg(long, default_value_t = 600)]
        tickets: usize,
        /// Board clients on SSE.
        #[arg(long, default_value_t = 20)]
        boards: usize,
        /// Calls measured for SSE latency.
        #[arg(long, default_value_t = 100)]
        calls: usize,
    },
    /// Ticket render + ESC/POS encode time and stream size, 58 mm and 80 mm.
    Ticket {
        #[arg(long, default_value_t = 200)]
        iterations: usize,
    },
    /// An accelerated busy day: kiosks, 8 counters, 20 boards; invariants checked at the end.
    Day {
        #[arg(long, default_value_t = 3000)]
        tickets: usize,
        #[arg(long, default_value_t = 20)]
        boards: usize,
        #[arg(long, default_value_t = 11)]
        seed: u64,
    },
    /// Dossier lookup by code and filtered list pages over a large generated store.
    Dossiers {
        #[arg(long, default_value_t = 100_000)]
        count: usize,
        #[arg(long, default_value_t = 5)]
        seed: u64,
    },
    /// The dossier report from the aggregates over growing stores (flat: the target is
    /// under 50 ms for a year at any size), against a record-by-record count.
    Reports {
        /// Store sizes, comma separated.
        #[arg(long, value_delimiter = ',', default_value = "10000,100000,1000000")]
        sizes: Vec<usize>,
        #[arg(long, default_value_t = 5)]
        seed: u64,
    },
    /// Drain a backlog of dossier changes to the simulated province on loopback, against
    /// the same number of bare round trips; then the province's copy must equal the book.
    Sync {
        #[arg(long, default_value_t = 10_000)]
        changes: usize,
    },
    /// Sign and verify a 2-page and a 50-page PDF, against pyHanko on the same file and
    /// key in the same run (pyHanko from the signing check's venv, or PYHANKO_PYTHON).
    Sign {
        #[arg(long, default_value_t = 15)]
        rounds: usize,
    },
    /// Kill the server with SIGKILL at random moments under concurrent writes; after each
    /// restart every acknowledged ticket must be there, numbering must continue without
    /// duplicates, and at the end the file passes redb's integrity check and the audit chain.
    Crash {
        #[arg(long, default_value_t = 20)]
        rounds: usize,
        /// Seed of the kill timing (printed, so a failing run can be replayed).
        #[arg(long, default_value_t = 7)]
        seed: u64,
    },
}

pub fn run(cmd: BenchCmd) -> anyhow::Result<()> {
    match cmd {
        BenchCmd::Queue {
            tickets,
            boards,
            calls,
        } => queue::queue(tickets, boards, calls),
        BenchCmd::Crash { rounds, seed } => crash::run(rounds, seed),
        BenchCmd::Sync { changes } => sync::run(changes),
        BenchCmd::Sign { rounds } => sign::run(rounds),
        BenchCmd::Dossiers { count, seed } => dossiers::run(count, seed),
        BenchCmd::Reports { sizes, seed } => dossiers::reports(&sizes, seed),
        BenchCmd::Ticket { iterations } => queue::ticket(iterations),
        BenchCmd::Day {
            tickets,
            boards,
            seed,
        } => day::run(tickets, boards, seed),
    }
}
