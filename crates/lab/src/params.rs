//! The parameters of a run, validated.
//!
//! Every value a reader can set (in a chapter's directive, a widget control or a link)
//! passes through [`Params::set`], which refuses anything out of range or malformed with
//! a message that names the parameter and its range.

pub use crate::model::Model;
use serde::{Deserialize, Serialize};
use std::fmt;

/// What each task does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Workload {
    /// The source's summing loop: `n` additions in the bytecode interpreter.
    Cpu,
    /// A timed wait of `wait_ms` (simulated I/O latency).
    Io,
    /// Bursts of CPU work and I/O waits; `io_fraction` sets the share of waiting.
    Mixed,
    /// A server's request: parse (half of `n`), wait `wait_ms` on a database, then
    /// build the response (the other half).
    Request,
    /// The convoy effect: the first task computes (`n` additions) while every other task
    /// makes [`crate::task::CONVOY_REQUESTS`] requests in a row, each a wait of `wait_ms`
    /// and a little work to handle the answer.
    Convoy,
}

impl Workload {
    /// Every workload.
    pub const ALL: [Workload; 5] = [
        Workload::Cpu,
        Workload::Io,
        Workload::Mixed,
        Workload::Request,
        Workload::Convoy,
    ];

    /// The id used in directives and URLs.
    pub fn id(self) -> &'static str {
        match self {
            Workload::Cpu => "cpu",
            Workload::Io => "io",
            Workload::Mixed => "mixed",
            Workload::Request => "request",
            Workload::Convoy => "convoy",
        }
    }
}

/// How the processes model starts a process, after Python's `multiprocessing` start methods.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StartMethod {
    /// A new worker for every process, which loads the interpreter from scratch: Python's
    /// `spawn` (the default on Windows and macOS).
    #[default]
    Spawn,
    /// Workers started ahead of time by a server; a process is a fresh instance, with its
    /// own memory, in one of them: Python's `forkserver` (the default on Linux since
    /// 3.14), and close in cost to `fork` (the default before).
    Forkserver,
}

impl StartMethod {
    /// Every start method, in the order a widget offers them.
    pub const ALL: [StartMethod; 2] = [StartMethod::Spawn, StartMethod::Forkserver];

    /// The id used in directives and URLs (Python's own name).
    pub fn id(self) -> &'static str {
        match self {
            StartMethod::Spawn => "spawn",
            StartMethod::Forkserver => "forkserver",
        }
    }
}

impl Model {
    /// Parses an id as written by [`Model::id`].
    ///
    /// # Errors
    /// An unknown id, with the list of known ones.
    pub fn parse(s: &str) -> Result<Model, ParamError> {
        named("models", Model::ALL, Model::id, s.trim())
    }
}

/// Largest number of tasks in one run.
pub const MAX_TASKS: u32 = 64;
/// Largest number of threads (and so of Web Workers in the pool).
pub const MAX_THREADS: u32 = 16;
/// Largest loop size of one CPU task. The loop allocates nothing, so the limit is time:
/// at about 30 ns an iteration in the interpreter this is a few seconds a task.
pub const MAX_N: u64 = 100_000_000;
/// Longest I/O wait of one task, in milliseconds.
pub const MAX_WAIT_MS: f64 = 5_000.0;
/// Largest number of increments one thread makes to the shared counter. At a few hundred
/// nanoseconds an increment (with its interpreter work), 16 threads stay under seconds.
pub const MAX_INCREMENTS: u64 = 1_000_000;
/// Shortest and longest GIL switch interval, in milliseconds.
pub const SWITCH_MS_RANGE: (f64, f64) = (0.1, 100.0);

/// The parameters of one run. Build them with [`crate::Experiment::defaults`] and
/// [`Params::set`], which validate every value.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// What each task does.
    pub workload: Workload,
    /// How many tasks, 1 to [`MAX_TASKS`].
    pub tasks: u32,
    /// How many threads, workers or processes the parallel models use, 1 to [`MAX_THREADS`].
    pub threads: u32,
    /// Iterations of the summing loop in one CPU task, 1 to [`MAX_N`].
    pub n: u64,
    /// Milliseconds one I/O task waits, 0 to [`MAX_WAIT_MS`].
    pub wait_ms: f64,
    /// The GIL's switch interval in milliseconds (CPython's default is 5).
    pub switch_ms: f64,
    /// Share of a mixed task's time spent waiting for I/O, 0 to 1.
    pub io_fraction: f64,
    /// Share of each CPU task run in a section that releases the GIL (a C extension), 0 to 1.
    pub release_fraction: f64,
    /// The models to run, in order; the first is the baseline for speedups.
    pub models: Vec<Model>,
    /// Increments each thread makes to the shared counter, 1 to [`MAX_INCREMENTS`].
    #[serde(default = "default_increments")]
    pub increments: u64,
    /// How the processes model starts its processes.
    #[serde(default)]
    pub start: StartMethod,
}

fn default_increments() -> u64 {
    100_000
}

impl Default for Params {
    fn default() -> Self {
        Params {
            workload: Workload::Cpu,
            tasks: 4,
            threads: 4,
            n: 2_000_000,
            wait_ms: 500.0,
            switch_ms: 5.0,
            io_fraction: 0.0,
            release_fraction: 0.0,
            models: vec![Model::Sequential],
            increments: default_increments(),
            start: StartMethod::Spawn,
        }
    }
}

/// The names [`Params::set`] accepts.
pub const PARAM_NAMES: [&str; 11] = [
    "workload",
    "tasks",
    "threads",
    "n",
    "wait_ms",
    "switch_ms",
    "io_fraction",
    "release_fraction",
    "models",
    "increments",
    "start",
];

impl Params {
    /// Sets one parameter from its text form, as found in a directive or a URL.
    ///
    /// # Errors
    /// An unknown name, or a value that is malformed or out of range; the message names
    /// the parameter and its range.
    pub fn set(&mut self, name: &str, value: &str) -> Result<(), ParamError> {
        let v = value.trim();
        match name.trim() {
            "workload" => self.workload = named("workload", Workload::ALL, Workload::id, v)?,
            "start" => self.start = named("start", StartMethod::ALL, StartMethod::id, v)?,
            "tasks" => self.tasks = whole("tasks", v, 1, u64::from(MAX_TASKS))? as u32,
            "threads" => self.threads = whole("threads", v, 1, u64::from(MAX_THREADS))? as u32,
            "n" => self.n = whole("n", v, 1, MAX_N)?,
            "wait_ms" => self.wait_ms = real("wait_ms", v, 0.0, MAX_WAIT_MS)?,
            "switch_ms" => {
                self.switch_ms = real("switch_ms", v, SWITCH_MS_RANGE.0, SWITCH_MS_RANGE.1)?;
            }
            "io_fraction" => self.io_fraction = real("io_fraction", v, 0.0, 1.0)?,
            "increments" => self.increments = whole("increments", v, 1, MAX_INCREMENTS)?,
            "release_fraction" => self.release_fraction = real("release_fraction", v, 0.0, 1.0)?,
            "models" => {
                let mut models = Vec::new();
                for id in v.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                    let m = named("models", Model::ALL, Model::id, id)?;
                    if models.contains(&m) {
                        return Err(ParamError {
                            message: format!(
                                "models must name each model once, got \"{}\" twice",
                                m.id()
                            ),
                        });
                    }
                    models.push(m);
                }
                if models.is_empty() {
                    return Err(ParamError::new(
                        "models",
                        &one_of(Model::ALL.map(Model::id)),
                        v,
                    ));
                }
                self.models = models;
            }
            other => {
                return Err(ParamError {
                    message: format!(
                        "unknown parameter \"{}\": expected one of {}",
                        clip(other),
                        PARAM_NAMES.join(", ")
                    ),
                });
            }
        }
        Ok(())
    }

    /// Sets several parameters, stopping at the first error.
    ///
    /// # Errors
    /// The first parameter refused by [`Params::set`].
    pub fn set_all<'a>(
        &mut self,
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<(), ParamError> {
        pairs.into_iter().try_for_each(|(k, v)| self.set(k, v))
    }

    /// The parameters in the text form [`Params::set`] reads back, in a fixed order.
    pub fn to_pairs(&self) -> Vec<(&'static str, String)> {
        vec![
            ("workload", self.workload.id().to_owned()),
            ("tasks", self.tasks.to_string()),
            ("threads", self.threads.to_string()),
            ("n", self.n.to_string()),
            ("wait_ms", self.wait_ms.to_string()),
            ("switch_ms", self.switch_ms.to_string()),
            ("io_fraction", self.io_fraction.to_string()),
            ("release_fraction", self.release_fraction.to_string()),
            (
                "models",
                self.models
                    .iter()
                    .map(|m| m.id())
                    .collect::<Vec<_>>()
                    .join(","),
            ),
            ("increments", self.increments.to_string()),
            ("start", self.start.id().to_owned()),
        ]
    }
}

/// A parameter refused, with a message fit to show a reader.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParamError {
    /// What was wrong, naming the parameter and what it accepts.
    pub message: String,
}

impl ParamError {
    pub(crate) fn new(name: &str, expected: &str, got: &str) -> Self {
        ParamError {
            message: format!("{name} must be {expected}, got \"{}\"", clip(got)),
        }
    }
}

impl fmt::Display for ParamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ParamError {}

pub(crate) fn one_of<const N: usize>(ids: [&str; N]) -> String {
    format!("one of {}", ids.join(", "))
}

/// The one of `all` whose id is `v`, or an error naming `name` and every id.
pub(crate) fn named<T: Copy, const N: usize>(
    name: &str,
    all: [T; N],
    id: fn(T) -> &'static str,
    v: &str,
) -> Result<T, ParamError> {
    all.into_iter()
        .find(|&x| id(x) == v)
        .ok_or_else(|| ParamError::new(name, &one_of(all.map(id)), v))
}

/// Keeps an echoed bad value short, so a hostile link cannot flood the page.
fn clip(s: &str) -> String {
    const MAX: usize = 40;
    if s.chars().count() > MAX {
        format!("{}...", s.chars().take(MAX).collect::<String>())
    } else {
        s.to_owned()
    }
}

fn whole(name: &str, v: &str, min: u64, max: u64) -> Result<u64, ParamError> {
    let expected = format!("a whole number from {min} to {max}");
    // Accept "10_000_000" as Python writes it.
    let digits: String = v.chars().filter(|c| *c != '_').collect();
    match digits.parse::<u64>() {
        Ok(x) if (min..=max).contains(&x) => Ok(x),
        _ => Err(ParamError::new(name, &expected, v)),
    }
}

fn real(name: &str, v: &str, min: f64, max: f64) -> Result<f64, ParamError> {
    let expected = format!("a number from {min} to {max}");
    match v.parse::<f64>() {
        Ok(x) if x.is_finite() && x >= min && x <= max => Ok(x),
        _ => Err(ParamError::new(name, &expected, v)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_start_method_is_one_of_pythons_and_round_trips() {
        let mut p = Params::default();
        assert_eq!(p.start, StartMethod::Spawn);
        p.set("start", "forkserver").unwrap();
        assert_eq!(p.start, StartMethod::Forkserver);
        assert!(p.to_pairs().contains(&("start", "forkserver".to_owned())));
        let e = p.set("start", "fork()").unwrap_err();
        assert!(
            e.message.contains("start must be one of spawn, forkserver"),
            "{e}"
        );
        assert_eq!(
            p.start,
            StartMethod::Forkserver,
            "a refused value changes nothing"
        );
    }

    #[test]
    fn refuses_bad_values_naming_the_parameter_and_range() {
        let mut p = Params::default();
        for (k, v) in [
            ("tasks", "0"),
            ("tasks", "65"),
            ("tasks", "-1"),
            ("tasks", "abc"),
            ("tasks", "2.5"),
            ("threads", "17"),
            ("n", "100000001"),
            ("wait_ms", "NaN"),
            ("wait_ms", "inf"),
            ("wait_ms", "5001"),
            ("switch_ms", "0.01"),
            ("io_fraction", "1.5"),
            ("increments", "0"),
            ("increments", "1000001"),
            ("increments", "-5"),
            ("increments", "1e3"),
        ] {
            let err = p.set(k, v).unwrap_err().message;
            assert!(err.starts_with(k), "{err}");
            assert!(err.contains(" to "), "{err}");
        }
        assert_eq!(p, Params::default(), "a refused value changes nothing");
    }

    #[test]
    fn accepts_python_style_underscores_and_edges() {
        let mut p = Params::default();
        p.set("n", "10_000_000").unwrap();
        assert_eq!(p.n, 10_000_000);
        p.set("tasks", "64").unwrap();
        p.set("switch_ms", "0.1").unwrap();
        p.set("models", "sequential, asyncio").unwrap();
        assert_eq!(p.models, [Model::Sequential, Model::Asyncio]);
    }

    #[test]
    fn unknown_names_and_models_are_refused_and_clipped() {
        let mut p = Params::default();
        let long = "x".repeat(1000);
        let err = p.set(&long, "1").unwrap_err().message;
        assert!(err.len() < 200, "{err}");
        assert!(
            p.set("models", "threads")
                .unwrap_err()
                .message
                .contains("gil-threads")
        );
        assert!(p.set("models", "").is_err());
        let e = p.set("models", "free-threads,free-threads").unwrap_err();
        assert!(e.message.contains("once"), "{e}");
    }
}
