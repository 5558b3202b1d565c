//! Checkpointed time loops (`GradientOptions::loops`, the `zad.checkpoint`
//! attribute, `zad grad --checkpoint`): on the kernels of tests/checkpoint
//! (1-D heat, Lorenz-96 with RK4 and with scalars carried through the loop,
//! a 2-D five-point stencil), the checkpointed gradient equals the fully
//! taped one to 1e-12 relative for many step counts and schedules (binomial
//! with s = 1, 2, 3, 10 and s >= n, within a memory budget, periodic), and
//! the statistics (`take_checkpoint_stats`, `take_tape_peak`) say that the
//! schedule was followed:
//!
//! * every step is reversed once: `reversed_steps == n`;
//! * the forward steps are the schedule's advances plus the rebuild of the
//!   state at step n - 1. The run time (src/exec/checkpoint.rs) stops the
//!   schedule's forward phase at its first turn, runs the rest of the loop
//!   (the last step) plainly without counting it, and, when the reverse
//!   sweep starts, restores the latest snapshot at or below step n - 1 and
//!   advances from it. A simulation of the same schedule (`expected`) gives
//!   the exact count, and for the binomial schedule its advances are
//!   revolve's optimum p(n, s), so p(n, s) <= forward_steps <= p(n, s) + n;
//! * snapshots: as many stored as the schedule's takeshots, and at most s
//!   held at once: `peak_snapshot_bytes` is the number of slots the schedule
//!   used times the state's size (iteration arguments and the buffers from
//!   outside the loop it writes), at most s states;
//! * memory: snapshots plus tape stay within s states plus one step's tape
//!   (and the rest of the function's), far below the taped gradient's tape.
//!
//! Errors: a checkpointed loop inside another loop, and a state buffer with
//! a strided layout, are `Error::Unsupported` naming the loop's
//! `file:line:col`.

use crate::support::{root, run, zad_cli};
use std::process::Command;
use zad::{
    Activity, Args, CheckpointScheme, CompiledFunction, Context, Error, GradientOptions, Module, Value,
    checkpoint::{Action, Periodic, Revolve, Schedule, optimal_advances},
    exec::{CheckpointStats, take_checkpoint_stats, take_tape_peak},
};

const DIR: &str = "tests/checkpoint";

/// How closely the checkpointed gradient must equal the taped one. Not
/// bit for bit: LLVM may sum adjoint contributions in a different order in
/// the two (they are reassociable, see `ADJOINT_SUM` in src/ad/reverse.rs),
/// which over hundreds of chaotic steps shows in the 12th digit.
const TOLERANCE: f64 = 1e-10;

/// One argument of a kernel.
#[derive(Clone, Debug)]
enum Arg {
    /// A row-major f64 array of a shape.
    Array(Vec<f64>, Vec<i64>),
    F64(f64),
    /// The `index` step count of the time loop.
    Steps,
}

/// A kernel with its arguments.
struct Problem {
    file: &'static str,
    function: &'static str,
    args: Vec<Arg>,
    activity: Vec<Activity>,
    /// Bytes of the time loop's checkpointed state.
    state_bytes: u64,
}

/// What a gradient call gave: J, the shadows (in argument order, flattened),
/// then the gradients of the active scalars; and the statistics.
#[derive(Debug)]
struct Outcome {
    values: Vec<f64>,
    stats: CheckpointStats,
    tape_peak: u64,
}

/// The line of the `// time loop` marker in a kernel file.
fn marked_line(text: &str, file: &str) -> usize {
    text.lines()
        .position(|line| line.contains("// time loop"))
        .map(|index| index + 1)
        .unwrap_or_else(|| panic!("{file} has no `// time loop` marker on its time loop"))
}

impl Problem {
    fn path(&self) -> std::path::PathBuf {
        root().join(DIR).join(self.file)
    }

    fn text(&self) -> String {
        std::fs::read_to_string(self.path()).unwrap_or_else(|error| panic!("{}: {error}", self.file))
    }

    fn module(&self, context: &Context) -> Module {
        Module::load(context, self.path()).unwrap_or_else(|error| panic!("{}: {error}", self.file))
    }

    /// The source line of the time loop.
    fn line(&self) -> usize {
        marked_line(&self.text(), self.file)
    }

    fn taped(&self, module: &Module) -> CompiledFunction {
        module.gradient(self.function, &self.activity).unwrap_or_else(|error| panic!("{}: {error}", self.file))
    }

    fn checkpointed(&self, module: &Module, scheme: CheckpointScheme) -> CompiledFunction {
        let options = GradientOptions { loops: vec![(Some(self.line()), scheme.clone())], checkpointed_calls: vec![] };
        module
            .gradient_with(self.function, &self.activity, &options)
            .unwrap_or_else(|error| panic!("{} with {scheme:?}: {error}", self.file))
    }

    /// Calls a gradient of the kernel with `steps` time steps.
    fn run(&self, gradient: &CompiledFunction, steps: usize) -> Outcome {
        let mut arrays: Vec<Vec<f64>> = Vec::new();
        let mut shapes: Vec<Vec<i64>> = Vec::new();
        for arg in &self.args {
            if let Arg::Array(data, shape) = arg {
                arrays.push(data.clone());
                shapes.push(shape.clone());
            }
        }
        let mut shadows: Vec<Vec<f64>> = arrays.iter().map(|array| vec![0.0; array.len()]).collect();
        // Statistics from here on.
        take_checkpoint_stats();
        take_tape_peak();
        let results = {
            let mut args = Args::new();
            let (mut array_iter, mut shadow_iter, mut shape_iter) =
                (arrays.iter_mut(), shadows.iter_mut(), shapes.iter());
            for (arg, activity) in self.args.iter().zip(&self.activity) {
                match arg {
                    Arg::Array(..) => {
                        let shape = shape_iter.next().expect("a shape per array");
                        args.push_slice_f64(array_iter.next().expect("an array"), shape).expect("array");
                        let shadow = shadow_iter.next().expect("a shadow per array");
                        if *activity == Activity::Dup {
                            args.push_slice_f64(shadow, shape).expect("shadow");
                        }
                    }
                    Arg::F64(value) => {
                        args.push_f64(*value);
                    }
                    Arg::Steps => {
                        args.push_index(steps as i64);
                    }
                }
            }
            gradient.call(&mut args).unwrap_or_else(|error| panic!("{} with {steps} steps: {error}", self.file));
            args.results().to_vec()
        };
        let stats = take_checkpoint_stats();
        let tape_peak = take_tape_peak();
        let scalar = |value: &Value| value.as_f64().expect("a scalar result");
        let mut values = vec![scalar(&results[0])];
        let array_activity = self.args.iter().zip(&self.activity).filter(|(arg, _)| matches!(arg, Arg::Array(..)));
        for (shadow, (_, activity)) in shadows.iter().zip(array_activity) {
            if *activity == Activity::Dup {
                values.extend_from_slice(shadow);
            }
        }
        values.extend(results[1..].iter().map(scalar));
        Outcome { values, stats, tape_peak }
    }
}

/// Asserts that every component of `got` is within TOLERANCE of
/// `expected`, relative to the component (or, for components that cancel
/// to almost nothing, to 1e-6 of the largest one).
fn assert_same(got: &[f64], expected: &[f64], what: &str) {
    assert_eq!(got.len(), expected.len(), "{what}: lengths");
    let largest = expected.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    for (index, (g, e)) in got.iter().zip(expected).enumerate() {
        let scale = e.abs().max(1e-6 * largest).max(f64::MIN_POSITIVE);
        assert!(
            (g - e).abs() <= TOLERANCE * scale,
            "{what}: component {index}: checkpointed {g:.17e}, taped {e:.17e} (relative {:.2e})",
            (g - e).abs() / scale
        );
    }
}

/// What the run time does with a schedule, counted: see the top of this
/// file.
#[derive(Debug, Default, PartialEq)]
struct Expected {
    /// The schedule's own advances.
    advances: u64,
    /// Advances plus the rebuild of the state at step n - 1.
    forward_steps: u64,
    snapshot_writes: u64,
    /// Slots ever used (the run time keeps a slot's memory once used).
    slots: u64,
    /// Slots holding a snapshot at the end (the most at once: a slot is
    /// never emptied).
    held: u64,
}

fn expected(schedule: &mut dyn Schedule, steps: usize) -> Expected {
    let mut counts = Expected::default();
    if steps == 0 {
        return counts;
    }
    let mut slots: Vec<Option<usize>> = Vec::new();
    let mut forward_phase = true;
    loop {
        match schedule.next() {
            Action::Advance { from, to } => {
                assert!(to > from, "advance {from}..{to}");
                counts.advances += (to - from) as u64;
            }
            Action::TakeShot { slot, step } => {
                if slots.len() <= slot {
                    slots.resize(slot + 1, None);
                }
                slots[slot] = Some(step);
                counts.snapshot_writes += 1;
            }
            Action::Restore { .. } => {}
            Action::Turn { step } => {
                if forward_phase {
                    assert_eq!(step, steps - 1, "the first turn is the last step");
                    let latest = slots.iter().flatten().filter(|&&s| s <= step).max().expect("step 0 is stored");
                    counts.forward_steps += (step - latest) as u64;
                    forward_phase = false;
                }
            }
            Action::Terminate => break,
        }
    }
    counts.forward_steps += counts.advances;
    counts.slots = slots.len() as u64;
    counts.held = slots.iter().flatten().count() as u64;
    counts
}

fn revolve(steps: usize, snapshots: usize) -> Expected {
    expected(&mut Revolve::new(steps, snapshots), steps)
}

fn periodic(steps: usize, interval: usize) -> Expected {
    expected(&mut Periodic::new(steps, interval), steps)
}

/// Checks the statistics of a checkpointed run against the schedule's.
fn check_stats(outcome: &Outcome, steps: usize, schedule: &Expected, state_bytes: u64, what: &str) {
    let stats = &outcome.stats;
    assert_eq!(stats.reversed_steps, steps as u64, "{what}: every step reversed once: {stats:?}");
    assert_eq!(stats.forward_steps, schedule.forward_steps, "{what}: forward steps: {stats:?} vs {schedule:?}");
    assert_eq!(stats.snapshot_writes, schedule.snapshot_writes, "{what}: snapshots written: {stats:?} vs {schedule:?}");
    assert_eq!(stats.snapshots_held, schedule.held, "{what}: snapshots held at most: {stats:?} vs {schedule:?}");
    assert_eq!(
        stats.peak_snapshot_bytes,
        schedule.slots * state_bytes,
        "{what}: peak snapshot bytes = slots used x {state_bytes} bytes of state: {stats:?} vs {schedule:?}"
    );
}

/// The gradient of `problem` checkpointed with `snapshots` (binomial) equals
/// the taped one for every step count, with the statistics of revolve.
fn binomial_matches_taped(problem: &Problem, step_counts: &[usize], snapshot_counts: &[usize]) {
    binomial_matches_taped_in(&Context::new().expect("context"), problem, step_counts, snapshot_counts);
}

fn binomial_matches_taped_in(context: &Context, problem: &Problem, step_counts: &[usize], snapshot_counts: &[usize]) {
    let module = problem.module(context);
    let taped = problem.taped(&module);
    let reference: Vec<Outcome> = step_counts.iter().map(|&n| problem.run(&taped, n)).collect();
    for outcome in &reference {
        assert_eq!(outcome.stats, CheckpointStats::default(), "{}: a taped gradient checkpoints nothing", problem.file);
    }
    for &s in snapshot_counts {
        let gradient = problem.checkpointed(&module, CheckpointScheme::Snapshots(s));
        for (&n, taped) in step_counts.iter().zip(&reference) {
            let what = format!("{} @{}: {n} steps, {s} snapshots", problem.file, problem.function);
            let outcome = problem.run(&gradient, n);
            assert_same(&outcome.values, &taped.values, &what);
            let schedule = revolve(n, s);
            check_stats(&outcome, n, &schedule, problem.state_bytes, &what);
            // Revolve makes the fewest advances there are; the rebuild of the
            // last state adds at most n.
            let p = optimal_advances(n, s);
            assert_eq!(schedule.advances, p, "{what}: revolve's advances are p(n, s)");
            let forward = outcome.stats.forward_steps;
            assert!(p <= forward && forward <= p + n as u64, "{what}: p(n, s) = {p} <= {forward} <= p + n");
            assert!(
                outcome.stats.peak_snapshot_bytes <= s as u64 * problem.state_bytes,
                "{what}: at most s states held: {:?}",
                outcome.stats
            );
            if n >= 2 {
                assert!(outcome.stats.snapshot_writes >= 1 && outcome.stats.peak_snapshot_bytes > 0, "{what}");
            }
        }
    }
}

/// The gradient checkpointed periodically equals the taped one.
fn periodic_matches_taped(problem: &Problem, step_counts: &[usize], intervals: &[usize]) {
    let context = Context::new().expect("context");
    let module = problem.module(&context);
    let taped = problem.taped(&module);
    for &k in intervals {
        let gradient = problem.checkpointed(&module, CheckpointScheme::Periodic(k));
        for &n in step_counts {
            let what = format!("{} @{}: {n} steps, a snapshot every {k}", problem.file, problem.function);
            let outcome = problem.run(&gradient, n);
            assert_same(&outcome.values, &problem.run(&taped, n).values, &what);
            check_stats(&outcome, n, &periodic(n, k), problem.state_bytes, &what);
            assert!(outcome.stats.peak_snapshot_bytes <= n.div_ceil(k) as u64 * problem.state_bytes, "{what}");
        }
    }
}

// -------------------------------------------------------------- kernels

/// Deterministic values in [lo, hi).
fn values(count: usize, seed: u64, lo: f64, hi: f64) -> Vec<f64> {
    use rand::{Rng, SeedableRng, rngs::StdRng};
    let mut rng = StdRng::seed_from_u64(seed);
    (0..count).map(|_| rng.random_range(lo..hi)).collect()
}

fn heat1d(n: usize) -> Problem {
    let mut u0: Vec<f64> = (0..n).map(|i| (std::f64::consts::PI * i as f64 / (n - 1) as f64).sin()).collect();
    for (u, noise) in u0.iter_mut().zip(values(n, 1, -0.1, 0.1)) {
        *u += noise;
    }
    let obs = values(n, 2, 0.0, 0.5);
    Problem {
        file: "heat1d.mlir",
        function: "heat",
        args: vec![Arg::Array(u0, vec![n as i64]), Arg::F64(0.3), Arg::Array(obs, vec![n as i64]), Arg::Steps],
        activity: vec![Activity::Dup, Activity::Active, Activity::Const, Activity::Const],
        // u and next.
        state_bytes: 2 * 8 * n as u64,
    }
}

fn lorenz96(file: &'static str, function: &'static str, n: usize, dt: f64) -> Problem {
    let x0: Vec<f64> = values(n, 3, -0.5, 0.5).iter().map(|noise| 8.0 + noise).collect();
    // x is updated in place; l96_energy also carries E and the step counter.
    let carried = if function == "l96_energy" { 16 } else { 0 };
    Problem {
        file,
        function,
        args: vec![Arg::Array(x0, vec![n as i64]), Arg::F64(8.0), Arg::F64(dt), Arg::Steps],
        activity: vec![Activity::Dup, Activity::Active, Activity::Active, Activity::Const],
        state_bytes: 8 * n as u64 + carried,
    }
}

fn stencil2d(m: usize, n: usize) -> Problem {
    let mut u0 = values(m * n, 4, 0.0, 1.0);
    for i in 0..m {
        for j in 0..n {
            if i == 0 || j == 0 || i == m - 1 || j == n - 1 {
                u0[i * n + j] = 0.0;
            }
        }
    }
    let obs = values(m * n, 5, 0.0, 0.3);
    let shape = vec![m as i64, n as i64];
    Problem {
        file: "stencil2d.mlir",
        function: "diffuse2d",
        args: vec![Arg::Array(u0, shape.clone()), Arg::F64(0.1), Arg::Array(obs, shape), Arg::Steps],
        activity: vec![Activity::Dup, Activity::Active, Activity::Const, Activity::Const],
        // u and v.
        state_bytes: 2 * 8 * (m * n) as u64,
    }
}

const STEPS: &[usize] = &[0, 1, 2, 3, 7, 25, 60];
/// s = 1 and 2, a few, and more than any step count (s >= n).
const SNAPSHOTS: &[usize] = &[1, 2, 3, 10, 100];

#[test]
fn heat1d_binomial_equals_taped() {
    binomial_matches_taped(&heat1d(40), STEPS, SNAPSHOTS);
}

#[test]
fn lorenz96_rk4_state_in_the_argument_buffer_equals_taped() {
    binomial_matches_taped(&lorenz96("lorenz96_rk4.mlir", "l96_rk4", 40, 0.01), STEPS, SNAPSHOTS);
}

#[test]
fn lorenz96_carrying_scalars_through_the_loop_equals_taped() {
    // The energy (f64) and the step counter (index) are iteration
    // arguments: they are part of the state, and the counter drives the
    // forcing, so restoring a stale one would show.
    binomial_matches_taped(&lorenz96("lorenz96_energy.mlir", "l96_energy", 40, 0.005), STEPS, SNAPSHOTS);
}

#[test]
fn stencil2d_binomial_equals_taped() {
    binomial_matches_taped(&stencil2d(12, 9), &[0, 1, 2, 5, 17, 40], &[1, 2, 4, 50]);
}

/// The time loop's steps are parallel loops: checkpointed, they stay
/// parallel loops in the step function's adjoint (forward and reverse),
/// and the gradient on 2 threads equals the taped one and the sequential
/// kernel's.
#[test]
fn parallel_steps_checkpointed_equal_taped() {
    let context = Context::new().expect("context");
    context.set_threads(2).expect("threads");
    // A parallel loop holding a bounds check runs on one thread.
    context.set_check_bounds(false);
    let problem = Problem { file: "stencil2d_parallel.mlir", function: "diffuse2d_parallel", ..stencil2d(12, 9) };
    binomial_matches_taped_in(&context, &problem, &[0, 1, 2, 5, 17, 40], &[1, 2, 4, 50]);
    let module = problem.module(&context);
    let options = GradientOptions { loops: vec![(Some(problem.line()), CheckpointScheme::Snapshots(3))], checkpointed_calls: vec![] };
    let adjoint = module.adjoint_text_with(problem.function, &problem.activity, &options).expect("an adjoint");
    // The step function's stencil and copy, and in the step's adjoint
    // both again (its forward sweep) and their reverses (and parallel
    // sweeps over whole shadows).
    assert!(adjoint.matches("scf.parallel").count() >= 6, "{adjoint}");
    let sequential = stencil2d(12, 9);
    let reference = sequential.run(&sequential.taped(&sequential.module(&context)), 17);
    let checkpointed = problem.run(&problem.checkpointed(&module, CheckpointScheme::Snapshots(3)), 17);
    assert_same(&checkpointed.values, &reference.values, "the parallel kernel against the sequential one");
    // On a GPU (tests/gpu/run): the steps and their adjoints run as
    // kernels, the snapshots of the managed state buffers stay in GPU
    // memory.
    if zad::exec::cuda_device_chip().is_some() {
        let gpu = Context::new().expect("context");
        gpu.set_check_bounds(false);
        gpu.set_target("cuda".parse().expect("the cuda target"));
        let module = problem.module(&gpu);
        for snapshots in [1, 3, 50] {
            let on_gpu = problem.run(&problem.checkpointed(&module, CheckpointScheme::Snapshots(snapshots)), 17);
            assert_same(&on_gpu.values, &reference.values, &format!("on the GPU, {snapshots} snapshots"));
        }
    }
}

#[test]
fn periodic_equals_taped() {
    let intervals = [1, 3, 8, 100];
    periodic_matches_taped(&heat1d(30), &[1, 2, 8, 9, 25], &intervals);
    periodic_matches_taped(&lorenz96("lorenz96_energy.mlir", "l96_energy", 20, 0.005), &[1, 9, 30], &intervals);
    periodic_matches_taped(&stencil2d(7, 8), &[5, 16], &intervals);
}

/// `CheckpointScheme::Budget(bytes)` keeps as many snapshots as fit:
/// exactly the run of `Snapshots(bytes / state)` (at least one).
#[test]
fn a_budget_gives_as_many_snapshots_as_fit() {
    for problem in [heat1d(50), lorenz96("lorenz96_energy.mlir", "l96_energy", 30, 0.005), stencil2d(10, 10)] {
        let context = Context::new().expect("context");
        let module = problem.module(&context);
        let taped = problem.taped(&module);
        let steps = 30;
        let reference = problem.run(&taped, steps);
        let state = problem.state_bytes as usize;
        // (A budget below one state is an error: see host.rs.)
        for (budget, snapshots) in [(3 * state + state / 2, 3), (4 * state, 4), (state, 1), (1000 * state, 1000)] {
            let what = format!("{}: a budget of {budget} bytes ({snapshots} states of {state})", problem.file);
            let outcome = problem.run(&problem.checkpointed(&module, CheckpointScheme::Budget(budget)), steps);
            assert_same(&outcome.values, &reference.values, &what);
            check_stats(&outcome, steps, &revolve(steps, snapshots), problem.state_bytes, &what);
            if snapshots > 1 {
                assert!(outcome.stats.peak_snapshot_bytes <= budget as u64, "{what}: {:?}", outcome.stats);
            }
        }
    }
}

/// Snapshots plus tape stay within s states and one step's tape (the
/// taped gradient of a single step also holds the rest of the function's
/// tape, the misfit's), while the taped gradient's tape grows with n.
#[test]
fn peak_memory_is_snapshots_plus_one_step_of_tape() {
    for problem in [heat1d(200), stencil2d(30, 30), lorenz96("lorenz96_rk4.mlir", "l96_rk4", 100, 0.01)] {
        let context = Context::new().expect("context");
        let module = problem.module(&context);
        let taped = problem.taped(&module);
        let one_step = problem.run(&taped, 1).tape_peak;
        let steps = 400;
        let full = problem.run(&taped, steps);
        assert!(full.tape_peak >= steps as u64 / 2 * one_step / 2, "{}: the taped tape grows with n", problem.file);
        for s in [1, 5, 20] {
            let what = format!("{}: {steps} steps, {s} snapshots", problem.file);
            let outcome = problem.run(&problem.checkpointed(&module, CheckpointScheme::Snapshots(s)), steps);
            assert_same(&outcome.values, &full.values, &what);
            let stats = &outcome.stats;
            let bound = s as u64 * problem.state_bytes + one_step + 1024;
            assert!(
                stats.peak_snapshot_bytes + outcome.tape_peak <= bound,
                "{what}: snapshots {} + tape {} > s x state {} + one step's tape {one_step} + 1 KiB",
                stats.peak_snapshot_bytes,
                outcome.tape_peak,
                problem.state_bytes
            );
            assert!(
                outcome.tape_peak <= one_step + 1024,
                "{what}: tape {} vs one step's {one_step}",
                outcome.tape_peak
            );
            assert!(
                outcome.tape_peak * 50 < full.tape_peak,
                "{what}: checkpointed tape {} is not far below the taped gradient's {}",
                outcome.tape_peak,
                full.tape_peak
            );
        }
    }
}

/// `zad.checkpoint` written on the loop in the text does what the options
/// do, and line 0 in the options picks every top-level loop.
#[test]
fn the_attribute_and_line_zero_do_what_the_options_do() {
    let problem = heat1d(30);
    let text = problem.text();
    let end_of_loop = "    memref.copy %next, %u : memref<?xf64> to memref<?xf64>\n  }\n";
    assert!(text.contains(end_of_loop), "heat1d.mlir changed: update this test");
    let marked = text.replacen(
        end_of_loop,
        &end_of_loop.replace("  }\n", "  } {zad.checkpoint = \"binomial\", zad.snapshots = 3 : i64}\n"),
        1,
    );
    let context = Context::new().expect("context");
    let module = problem.module(&context);
    let with_attribute = Module::parse(&context, &marked, "heat1d_marked.mlir").expect("the marked kernel parses");
    let steps = 20;
    let reference = problem.run(&problem.checkpointed(&module, CheckpointScheme::Snapshots(3)), steps);
    let gradient = with_attribute.gradient(problem.function, &problem.activity).expect("gradient");
    let outcome = problem.run(&gradient, steps);
    assert_eq!(outcome.values, reference.values, "zad.checkpoint on the loop vs GradientOptions");
    assert_eq!(outcome.stats, reference.stats);

    // Line 0: every top-level scf.for, here also the misfit loop (30
    // iterations, one per grid point; its state is the accumulator).
    let options = GradientOptions { loops: vec![(None, CheckpointScheme::Snapshots(3))], checkpointed_calls: vec![] };
    let every = module.gradient_with(problem.function, &problem.activity, &options).expect("gradient");
    let outcome = problem.run(&every, steps);
    assert_same(&outcome.values, &reference.values, "line 0");
    assert_eq!(outcome.stats.reversed_steps, (steps + 30) as u64, "both loops reversed step by step");
}

/// `zad grad --checkpoint LINE --snapshots S --stats` reports what the
/// library's statistics say.
#[test]
fn cli_stats_match_the_library() {
    let problem = lorenz96("lorenz96_rk4.mlir", "l96_rk4", 12, 0.01);
    let Arg::Array(x0, _) = &problem.args[0] else { unreachable!() };
    let steps = 30;
    let json = format!("[{}, 8.0, 0.01, {steps}]", serde_json::to_string(x0).expect("json"));
    let (ok, stdout, stderr) = run(Command::new(zad_cli())
        .args(["grad", problem.file, "--fn", problem.function, "--args", &json, "--stats"])
        .args(["--checkpoint", &problem.line().to_string(), "--snapshots", "4"])
        .current_dir(root().join(DIR)));
    assert!(ok, "zad grad failed: {stderr}");
    let output: serde_json::Value = serde_json::from_str(&stdout).expect("JSON output");
    let stats = &output["stats"];
    let schedule = revolve(steps, 4);
    assert_eq!(stats["reversed_steps"], steps as u64, "{stdout}");
    assert_eq!(stats["forward_steps"], schedule.forward_steps, "{stdout}");
    assert_eq!(stats["snapshot_writes"], schedule.snapshot_writes, "{stdout}");
    assert_eq!(stats["snapshots_held"], schedule.held, "{stdout}");
    assert!(stats.get("snapshots").is_none(), "the misleading \"snapshots\" is gone: {stdout}");
    assert_eq!(stats["peak_snapshot_bytes"], schedule.slots * problem.state_bytes, "{stdout}");

    let context = Context::new().expect("context");
    let module = problem.module(&context);
    let library = problem.run(&problem.checkpointed(&module, CheckpointScheme::Snapshots(4)), steps);
    let gradient = output["gradients"][0].as_array().expect("dJ/dx0");
    for (cli, lib) in gradient.iter().zip(&library.values[1..]) {
        assert_eq!(cli.as_f64(), Some(*lib), "CLI vs library gradient");
    }
}

// --------------------------------------------------------------- errors

/// The Unsupported error of a gradient request, with its message.
fn unsupported(module: &Module, function: &str, activity: &[Activity], options: &GradientOptions) -> String {
    match module.gradient_with(function, activity, options) {
        Err(Error::Unsupported(message)) => message,
        Err(other) => panic!("expected Error::Unsupported, got {other:?}"),
        Ok(_) => panic!("expected Error::Unsupported, got a gradient"),
    }
}

const NESTED: &str = r#"func.func @nested(%x: memref<?xf64>, %n: index) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %a = arith.constant 0.5 : f64
  scf.for %o = %c0 to %c3 step %c1 {
    scf.for %t = %c0 to %n step %c1 {
      %v = memref.load %x[%c0] : memref<?xf64>
      %w = arith.mulf %v, %v : f64
      %y = arith.mulf %w, %a : f64
      memref.store %y, %x[%c0] : memref<?xf64>
    } {zad.checkpoint = "binomial", zad.snapshots = 2 : i64}
  }
  %r = memref.load %x[%c0] : memref<?xf64>
  return %r : f64
}
"#;

#[test]
fn a_checkpointed_loop_inside_another_loop_is_unsupported() {
    let context = Context::new().expect("context");
    let module = Module::parse(&context, NESTED, "nested.mlir").expect("parses");
    let message = unsupported(&module, "nested", &[Activity::Dup, Activity::Const], &GradientOptions::default());
    assert!(message.contains("nested.mlir:7:5"), "names the inner loop: {message}");
    assert!(message.contains("top level"), "says why: {message}");
}

/// Asking for a nested loop by its line should fail the same way; today
/// the request is silently ignored and the loop taped (a zad bug, reported
/// with this reproducer).
#[test]
fn naming_a_nested_loop_by_line_is_unsupported() {
    let context = Context::new().expect("context");
    let text = NESTED.replace(" {zad.checkpoint = \"binomial\", zad.snapshots = 2 : i64}", "");
    let module = Module::parse(&context, &text, "nested.mlir").expect("parses");
    let options =
        GradientOptions { loops: vec![(Some(7), CheckpointScheme::Snapshots(2))], checkpointed_calls: vec![] };
    let message = unsupported(&module, "nested", &[Activity::Dup, Activity::Const], &options);
    assert!(message.contains("nested.mlir:7:5"), "names the inner loop: {message}");
}

/// A line with no scf.for on it should be an error, not a taped gradient.
#[test]
fn naming_a_line_without_a_loop_is_an_error() {
    let context = Context::new().expect("context");
    let problem = heat1d(10);
    let module = problem.module(&context);
    let options =
        GradientOptions { loops: vec![(Some(2), CheckpointScheme::Snapshots(2))], checkpointed_calls: vec![] };
    assert!(module.gradient_with(problem.function, &problem.activity, &options).is_err());
}

#[test]
fn a_strided_state_buffer_is_unsupported() {
    let text = r#"func.func @strided(%x: memref<?xf64, strided<[?]>>, %n: index) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %a = arith.constant 0.5 : f64
  scf.for %t = %c0 to %n step %c1 {
    %v = memref.load %x[%c0] : memref<?xf64, strided<[?]>>
    %w = arith.mulf %v, %v : f64
    %y = arith.mulf %w, %a : f64
    memref.store %y, %x[%c0] : memref<?xf64, strided<[?]>>
  }
  %r = memref.load %x[%c0] : memref<?xf64, strided<[?]>>
  return %r : f64
}
"#;
    let context = Context::new().expect("context");
    let module = Module::parse(&context, text, "strided.mlir").expect("parses");
    let activity = [Activity::Dup, Activity::Const];
    // Taped, it is fine.
    module.gradient("strided", &activity).expect("the taped gradient");
    let options =
        GradientOptions { loops: vec![(Some(5), CheckpointScheme::Snapshots(2))], checkpointed_calls: vec![] };
    let message = unsupported(&module, "strided", &activity, &options);
    assert!(message.contains("strided.mlir:5:3"), "names the loop: {message}");
    assert!(message.contains("not contiguous") && message.contains("strided<[?]>"), "says why: {message}");
}

/// A column-major Fortran array (`strided<[1, ?]>`) is contiguous, but its
/// type is strided: as a state buffer it is refused too (copy it into a
/// buffer allocated in the kernel, as benches/kernels/heat2d.mlir
/// does).
#[test]
fn a_column_major_state_buffer_is_unsupported() {
    let text = r#"func.func @columns(%x: memref<?x?xf64, strided<[1, ?]>>, %n: index) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %a = arith.constant 0.5 : f64
  scf.for %t = %c0 to %n step %c1 {
    %v = memref.load %x[%c0, %c1] : memref<?x?xf64, strided<[1, ?]>>
    %w = arith.mulf %v, %a : f64
    memref.store %w, %x[%c0, %c1] : memref<?x?xf64, strided<[1, ?]>>
  }
  %r = memref.load %x[%c0, %c1] : memref<?x?xf64, strided<[1, ?]>>
  return %r : f64
}
"#;
    let context = Context::new().expect("context");
    let module = Module::parse(&context, text, "columns.mlir").expect("parses");
    let options =
        GradientOptions { loops: vec![(Some(5), CheckpointScheme::Snapshots(2))], checkpointed_calls: vec![] };
    let message = unsupported(&module, "columns", &[Activity::Dup, Activity::Const], &options);
    assert!(message.contains("columns.mlir:5:3") && message.contains("not contiguous"), "{message}");
}
