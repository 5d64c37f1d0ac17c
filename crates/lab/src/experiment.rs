//! The experiments a widget can run: each one's id, title, defaults, and the kind of
//! result it produces (which decides how it is planned and drawn, see [`crate::plan`]
//! and [`crate::present`]).

use crate::model::Model;
use crate::params::{ParamError, Params, Workload, one_of};
use serde::{Deserialize, Serialize};

/// What an experiment's run produces.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ResultKind {
    /// One run of each chosen model: bars, timelines, a table.
    Report,
    /// The same models at each value of one parameter: a curve.
    Sweep,
    /// Every model CPU-bound, then I/O-bound, with their costs: the comparison table.
    Comparison,
    /// The shared-counter race: counts and lost updates.
    Counter,
}

/// A named experiment: the workload and the models a widget compares, with defaults.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Experiment {
    /// CPU-bound tasks one after another, then in parallel on real threads.
    ParallelCpu,
    /// CPU-bound tasks under every model: the GIL's cost made visible.
    GilCpu,
    /// I/O-bound tasks: waits overlap under threads and asyncio.
    IoWait,
    /// Mixed bursts of CPU and I/O.
    Bursts,
    /// Several threads increment one shared counter: unsynchronised, locked, atomic.
    /// Run with [`crate::counter::run_counter`], drawn with [`crate::chart::counter_bars`].
    Counter,
    /// CPU-bound tasks on 1, 2, ... `threads` threads: speedup against threads, with
    /// Amdahl's law fitted (a sweep, see [`crate::sweep`]).
    Scaling,
    /// Mixed tasks under GIL threads as the I/O fraction grows from 0 to 1 (a sweep).
    IoSweep,
    /// asyncio, threads and processes on CPU-bound and I/O-bound tasks, with their costs:
    /// the comparison table filled in (see [`crate::compare`]).
    Compare,
    /// A server's requests, each waiting on a database: one at a time, or interleaved
    /// on one thread.
    Server,
    /// The convoy effect: requests made by I/O-bound threads while a CPU-bound thread
    /// holds the GIL, each slowed by its wait for the lock after its answer arrives.
    Convoy,
}

impl Experiment {
    /// Every experiment.
    pub const ALL: [Experiment; 10] = [
        Experiment::ParallelCpu,
        Experiment::GilCpu,
        Experiment::IoWait,
        Experiment::Bursts,
        Experiment::Counter,
        Experiment::Scaling,
        Experiment::IoSweep,
        Experiment::Compare,
        Experiment::Server,
        Experiment::Convoy,
    ];

    /// The id used in `{{#lab ID}}` and in `data-lab`.
    pub fn id(self) -> &'static str {
        match self {
            Experiment::ParallelCpu => "parallel-cpu",
            Experiment::GilCpu => "gil-cpu",
            Experiment::IoWait => "io-wait",
            Experiment::Bursts => "bursts",
            Experiment::Counter => "counter",
            Experiment::Scaling => "scaling",
            Experiment::IoSweep => "io-sweep",
            Experiment::Compare => "compare",
            Experiment::Server => "server",
            Experiment::Convoy => "convoy",
        }
    }

    /// A one-line title for the widget.
    pub fn title(self) -> &'static str {
        match self {
            Experiment::ParallelCpu => "CPU-bound tasks: one thread vs. all threads",
            Experiment::GilCpu => "CPU-bound tasks under every model",
            Experiment::IoWait => "I/O-bound tasks: waiting together",
            Experiment::Bursts => "Bursts of CPU work and I/O waits",
            Experiment::Counter => "One shared counter, several threads: lost updates",
            Experiment::Scaling => "Speedup against the number of threads",
            Experiment::IoSweep => "Threads under the GIL as the share of I/O grows",
            Experiment::Compare => "asyncio vs. threads vs. processes, measured",
            Experiment::Server => "A server: requests that wait on a database",
            Experiment::Convoy => "Requests beside a CPU-bound thread: the convoy effect",
        }
    }

    /// Parses an experiment id.
    ///
    /// # Errors
    /// An unknown id, with the list of known ones.
    pub fn parse(s: &str) -> Result<Experiment, ParamError> {
        Experiment::ALL
            .into_iter()
            .find(|e| e.id() == s.trim())
            .ok_or_else(|| {
                ParamError::new(
                    "experiment",
                    &one_of(Experiment::ALL.map(Experiment::id)),
                    s,
                )
            })
    }

    /// What a run of the experiment produces.
    pub const fn result_kind(self) -> ResultKind {
        match self {
            Experiment::ParallelCpu
            | Experiment::GilCpu
            | Experiment::IoWait
            | Experiment::Bursts
            | Experiment::Server
            | Experiment::Convoy => ResultKind::Report,
            Experiment::Scaling | Experiment::IoSweep => ResultKind::Sweep,
            Experiment::Compare => ResultKind::Comparison,
            Experiment::Counter => ResultKind::Counter,
        }
    }

    /// The parameters the experiment starts with.
    pub fn defaults(self) -> Params {
        let base = Params::default();
        match self {
            Experiment::ParallelCpu => Params {
                models: vec![Model::Sequential, Model::FreeThreads],
                ..base
            },
            Experiment::GilCpu => Params {
                models: vec![
                    Model::Sequential,
                    Model::GilThreads,
                    Model::FreeThreads,
                    Model::Processes,
                ],
                ..base
            },
            Experiment::IoWait => Params {
                workload: Workload::Io,
                models: vec![Model::Sequential, Model::GilThreads, Model::Asyncio],
                ..base
            },
            Experiment::Bursts => Params {
                workload: Workload::Mixed,
                io_fraction: 0.5,
                // About as long as the loop computes (2 million iterations at some 20 ns),
                // so that the I/O fraction reads as a share of each task's time.
                wait_ms: 40.0,
                models: vec![Model::Sequential, Model::GilThreads],
                ..base
            },
            // The race needs real parallelism: threads without a GIL.
            Experiment::Counter => Params {
                threads: 2,
                tasks: 2,
                models: vec![Model::FreeThreads],
                ..base
            },
            Experiment::Scaling => Params {
                tasks: 8,
                threads: 4,
                n: 1_000_000,
                models: vec![Model::FreeThreads],
                ..base
            },
            Experiment::IoSweep => Params {
                workload: Workload::Mixed,
                tasks: 4,
                threads: 4,
                // About as long computing as waiting, so the fraction reads as a share of time.
                n: 2_000_000,
                wait_ms: 50.0,
                models: vec![Model::Sequential, Model::GilThreads],
                ..base
            },
            Experiment::Server => Params {
                workload: Workload::Request,
                tasks: 8,
                n: 100_000,
                wait_ms: 100.0,
                models: vec![Model::Sequential, Model::Asyncio],
                ..base
            },
            // One thread computes for a few hundred milliseconds; the other makes its
            // requests of 2 ms each meanwhile, with the GIL and without it.
            Experiment::Convoy => Params {
                workload: Workload::Convoy,
                tasks: 2,
                threads: 2,
                n: 10_000_000,
                wait_ms: 2.0,
                models: vec![Model::FreeThreads, Model::GilThreads],
                ..base
            },
            Experiment::Compare => Params {
                wait_ms: 200.0,
                models: vec![
                    Model::Sequential,
                    Model::Asyncio,
                    Model::GilThreads,
                    Model::Processes,
                ],
                ..base
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_round_trip_through_text() {
        for e in Experiment::ALL {
            let d = e.defaults();
            let mut p = Params::default();
            for (k, v) in d.to_pairs() {
                p.set(k, &v).unwrap();
            }
            assert_eq!(p, d, "{}", e.id());
        }
    }

    #[test]
    fn unknown_experiments_are_refused_with_the_list() {
        let e = Experiment::parse("nope").unwrap_err();
        assert!(e.message.contains("parallel-cpu"), "{e}");
    }
}
