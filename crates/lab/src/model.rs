//! The execution models, each described once: what it is, where its lanes run, what it
//! shares, whether it has a GIL, what it pays to start. Runs, predictions, the bindings,
//! the preprocessor's controls and the page's scripts all read [`Model::info`]; adding a
//! model is one variant and one description here, and the compiler then points at every
//! `match` that must handle it (none of them has a catch-all arm).

use serde::{Deserialize, Serialize};

/// An execution model of Python, as run in the browser.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Model {
    /// One thread runs the tasks one after another.
    Sequential,
    /// Threads on one shared memory that must hold a global lock to run bytecode.
    GilThreads,
    /// The same threads without the lock (free-threaded CPython, threads elsewhere).
    FreeThreads,
    /// Separate workers, each with its own memory; inputs and results are copied.
    Processes,
    /// Several interpreters in one process (Python 3.14's `concurrent.interpreters`),
    /// each on its own thread with its own GIL and its own objects; inputs and results
    /// are copied between them.
    Interpreters,
    /// Coroutines on a single-threaded executor; only an `await` switches.
    Asyncio,
}

/// Where a model's lanes run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Host {
    /// On the thread that runs the experiment: one lane, no shared memory needed.
    Caller,
    /// On the threads of the shared pool: needs shared memory (a cross-origin isolated
    /// page in the browser).
    Pool,
    /// On workers of their own, each with its own memory, which only the host can start
    /// (Web Workers in the browser).
    Workers,
}

/// The interpreter lock a model's lanes run under.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Lock {
    /// No lock: lanes run their bytecode at the same time.
    None,
    /// One lock for every lane: one runs bytecode at a time.
    Global,
    /// One lock per lane's interpreter: lanes never wait for each other's.
    PerInterpreter,
}

/// What a model's lanes share.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Memory {
    /// One memory and one set of objects for every lane.
    Shared,
    /// One memory, but each lane's interpreter has objects of its own: nothing is
    /// shared, data crosses by copy.
    PerInterpreter,
    /// A memory per lane: data crosses by message.
    Separate,
}

/// What a model pays before a lane can run its first task.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Startup {
    /// Nothing: the thread (or the pool) is already there.
    None,
    /// A new interpreter: its own state, built on a thread of the pool.
    Interpreter,
    /// A new process: a worker and an instance, by the chosen start method.
    Process,
}

/// Everything the rest of the lab needs to know about a model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct ModelInfo {
    /// The model.
    pub model: Model,
    /// The id used in directives, URLs, JSON and CSS (`--lab-c-<id>`, `lab-model-<id>`).
    pub id: &'static str,
    /// A short label for charts, tables and controls.
    pub label: &'static str,
    /// What a Python programmer writes to get this model.
    pub python: &'static str,
    /// What one lane is called in a timeline ("thread 2", "event loop").
    pub lane_word: &'static str,
    /// Whether the model runs on several lanes (`threads` of them) or on one.
    pub parallel: bool,
    /// Where its lanes run.
    pub host: Host,
    /// The lock its lanes run under.
    pub lock: Lock,
    /// What its lanes share.
    pub memory: Memory,
    /// What a lane pays before its first task.
    pub startup: Startup,
}

impl Model {
    /// Every model, in the order the book introduces them.
    pub const ALL: [Model; 6] = [
        Model::Sequential,
        Model::GilThreads,
        Model::FreeThreads,
        Model::Processes,
        Model::Interpreters,
        Model::Asyncio,
    ];

    /// The model's description.
    pub const fn info(self) -> ModelInfo {
        let (id, label, python, lane_word, parallel, host, lock, memory, startup) = match self {
            Model::Sequential => (
                "sequential",
                "sequential",
                "plain code, one task after another",
                "main thread",
                false,
                Host::Caller,
                Lock::Global,
                Memory::Shared,
                Startup::None,
            ),
            Model::GilThreads => (
                "gil-threads",
                "threads + GIL",
                "threading / ThreadPoolExecutor on standard CPython (with the GIL)",
                "thread",
                true,
                Host::Pool,
                Lock::Global,
                Memory::Shared,
                Startup::None,
            ),
            Model::FreeThreads => (
                "free-threads",
                "threads, no GIL",
                "threads on free-threaded CPython (3.13t, 3.14t)",
                "thread",
                true,
                Host::Pool,
                Lock::None,
                Memory::Shared,
                Startup::None,
            ),
            Model::Processes => (
                "processes",
                "processes",
                "multiprocessing / ProcessPoolExecutor",
                "process",
                true,
                Host::Workers,
                Lock::PerInterpreter,
                Memory::Separate,
                Startup::Process,
            ),
            Model::Interpreters => (
                "interpreters",
                "interpreters",
                "concurrent.interpreters / InterpreterPoolExecutor (Python 3.14)",
                "interpreter",
                true,
                Host::Pool,
                Lock::PerInterpreter,
                Memory::PerInterpreter,
                Startup::Interpreter,
            ),
            Model::Asyncio => (
                "asyncio",
                "asyncio",
                "asyncio: coroutines on one event loop",
                "event loop",
                false,
                Host::Caller,
                Lock::Global,
                Memory::Shared,
                Startup::None,
            ),
        };
        ModelInfo {
            model: self,
            id,
            label,
            python,
            lane_word,
            parallel,
            host,
            lock,
            memory,
            startup,
        }
    }

    /// The id used in directives, URLs and JSON.
    pub const fn id(self) -> &'static str {
        self.info().id
    }

    /// A short label for charts and tables.
    pub const fn label(self) -> &'static str {
        self.info().label
    }

    /// How many lanes the model runs `tasks` tasks on, given `threads`.
    pub fn lanes(self, threads: u32, tasks: u32) -> u32 {
        if self.info().parallel {
            threads.clamp(1, tasks.max(1))
        } else {
            1
        }
    }

    /// Whether the model needs the shared pool (and so shared memory).
    pub const fn needs_threads(self) -> bool {
        matches!(self.info().host, Host::Pool)
    }

    /// The name of lane `lane` in a timeline.
    pub fn lane_name(self, lane: u32) -> String {
        let info = self.info();
        if info.parallel {
            format!("{} {lane}", info.lane_word)
        } else {
            info.lane_word.to_owned()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_descriptions_name_their_model() {
        for (i, m) in Model::ALL.iter().enumerate() {
            assert_eq!(m.info().model, *m);
            for other in &Model::ALL[i + 1..] {
                assert_ne!(m.id(), other.id());
                assert_ne!(m.label(), other.label());
            }
        }
    }

    #[test]
    fn lanes_follow_the_description() {
        assert_eq!(Model::Sequential.lanes(4, 8), 1);
        assert_eq!(Model::Asyncio.lanes(4, 8), 1);
        assert_eq!(Model::Interpreters.lanes(4, 8), 4);
        assert_eq!(
            Model::Processes.lanes(4, 2),
            2,
            "never more lanes than tasks"
        );
        assert_eq!(Model::Interpreters.lane_name(1), "interpreter 1");
        assert_eq!(Model::Asyncio.lane_name(0), "event loop");
    }

    #[test]
    fn only_pool_models_need_threads() {
        let need: Vec<&str> = Model::ALL
            .iter()
            .filter(|m| m.needs_threads())
            .map(|m| m.id())
            .collect();
        assert_eq!(need, ["gil-threads", "free-threads", "interpreters"]);
    }

    /// Colours are CSS, which the compiler cannot check: every model must have one, or
    /// its bars would be drawn without a fill.
    #[test]
    fn every_model_has_a_colour_in_the_stylesheet() {
        let css = include_str!("../../../www/src/lab.css");
        for m in Model::ALL {
            let var = format!("--lab-c-{}:", m.id());
            assert!(css.contains(&var), "www/src/lab.css needs a colour {var}");
            let bar = format!(".lab-bar.lab-model-{}", m.id());
            assert!(css.contains(&bar), "www/src/lab.css needs a rule for {bar}");
        }
    }

    /// The chooser view ranks tied models by what a Python programmer would reach for
    /// first, a judgement made in its script: every model must have a place in each
    /// ranking.
    #[test]
    fn every_model_has_a_place_in_the_choosers_preferences() {
        let js = include_str!("../../../www/src/views/chooser.js");
        let start = js
            .find("const PREFERENCE = {")
            .expect("chooser.js has PREFERENCE");
        let end = start + js[start..].find("};").expect("PREFERENCE ends");
        let rankings: Vec<&str> = js[start..end].lines().filter(|l| l.contains('[')).collect();
        assert_eq!(rankings.len(), 3, "io, mixed and cpu");
        for m in Model::ALL {
            for r in &rankings {
                assert!(
                    r.contains(&format!("'{}'", m.id())),
                    "{} is missing from {r}",
                    m.id()
                );
            }
        }
    }
}
