//! Checkpointing schedules (`zad::checkpoint`): the optimal advance count
//! against a brute-force recursion, every schedule run to the end in a
//! simulator that checks each action, speed on long loops, and the online
//! schedule's cost next to the offline optimum.

use std::time::{Duration, Instant};
use zad::checkpoint::{Action, Online, Periodic, Revolve, Schedule, ScheduleStats, optimal_advances};

/// F(l, s): the fewest advances reversing `l` steps with `s` slots, by the
/// recursion over the first snapshot's position. `table[l][s]`, `l >= 1`,
/// `s >= 1`.
fn brute_force(max_steps: usize, max_snapshots: usize) -> Vec<Vec<u64>> {
    let mut table = vec![vec![0u64; max_snapshots + 1]; max_steps + 1];
    for l in 1..=max_steps {
        for s in 1..=max_snapshots {
            table[l][s] = if l == 1 {
                0
            } else if s == 1 {
                (l * (l - 1) / 2) as u64
            } else {
                (1..l).map(|k| k as u64 + table[l - k][s - 1] + table[k][s]).min().unwrap()
            };
        }
    }
    table
}

/// The smallest t with C(s + t, s) >= n, counted up.
fn repetition_number(steps: usize, snapshots: usize) -> u64 {
    if snapshots == 1 {
        return steps.saturating_sub(1) as u64;
    }
    let (mut t, mut beta) = (0u128, 1u128);
    while beta < steps as u128 {
        beta = beta * (snapshots as u128 + t + 1) / (t + 1);
        t += 1;
    }
    t as u64
}

/// What a schedule did, as the simulator saw it.
#[derive(Debug, Default)]
struct Outcome {
    advances: u64,
    shots: u64,
    turns: u64,
    /// Slot numbers used (the highest plus one).
    slots_touched: usize,
    /// The most times one step ran untaped (only when tracked).
    max_runs: u64,
}

/// Runs `schedule` to `Terminate`, checking every action against the state
/// it tracks: the current step (if known) and what each slot holds.
/// `current` and `slots` are the starting situation (for the online
/// schedule, what the forward run left).
fn simulate(
    schedule: &mut dyn Schedule,
    steps: usize,
    snapshots: usize,
    mut current: Option<usize>,
    mut slots: Vec<Option<usize>>,
    track_runs: bool,
) -> Outcome {
    let mut outcome = Outcome { slots_touched: slots.len(), ..Outcome::default() };
    let mut runs = if track_runs { vec![0u64; steps] } else { Vec::new() };
    // The step to be turned next; `steps` turns remain until it is `None`.
    let mut next_turn = steps.checked_sub(1);
    let limit = 64 * (steps as u64 + 1) * (steps as u64 + 1).min(1 << 20);
    let mut actions = 0u64;
    loop {
        actions += 1;
        assert!(actions <= limit, "n={steps} s={snapshots}: no end after {actions} actions");
        let action = schedule.next();
        match action {
            Action::Advance { from, to } => {
                assert_eq!(current, Some(from), "n={steps} s={snapshots}: {action:?} from state {current:?}");
                let turn = next_turn.expect("advance after all turns");
                assert!(from < to && to <= turn, "n={steps} s={snapshots}: {action:?}, next turn {turn}");
                outcome.advances += (to - from) as u64;
                if track_runs {
                    runs[from..to].iter_mut().for_each(|r| *r += 1);
                }
                current = Some(to);
            }
            Action::TakeShot { slot, step } => {
                assert_eq!(current, Some(step), "n={steps} s={snapshots}: {action:?} with state {current:?}");
                assert!(slot < snapshots, "n={steps} s={snapshots}: {action:?} beyond the slots");
                if slots.len() <= slot {
                    slots.resize(slot + 1, None);
                }
                slots[slot] = Some(step);
                outcome.shots += 1;
            }
            Action::Restore { slot, step } => {
                assert_eq!(
                    slots.get(slot).copied().flatten(),
                    Some(step),
                    "n={steps} s={snapshots}: {action:?} from a slot that does not hold it"
                );
                current = Some(step);
            }
            Action::Turn { step } => {
                assert_eq!(Some(step), next_turn, "n={steps} s={snapshots}: turns out of order");
                assert_eq!(current, Some(step), "n={steps} s={snapshots}: {action:?} with state {current:?}");
                next_turn = step.checked_sub(1);
                outcome.turns += 1;
                current = None;
            }
            Action::Terminate => {
                assert_eq!(next_turn, None, "n={steps} s={snapshots}: terminated before every turn");
                assert_eq!(schedule.next(), Action::Terminate, "terminate is final");
                break;
            }
        }
    }
    assert_eq!(outcome.turns, steps as u64);
    outcome.slots_touched = slots.len();
    assert!(outcome.slots_touched <= snapshots, "n={steps} s={snapshots}: {} slots", outcome.slots_touched);
    outcome.max_runs = runs.iter().copied().max().unwrap_or(0);
    outcome
}

fn check_stats(stats: ScheduleStats, outcome: &Outcome, snapshots: usize) {
    assert_eq!(stats.advances, outcome.advances);
    assert_eq!(stats.turns, outcome.turns);
    assert!(stats.max_slots_used <= snapshots);
    assert!(outcome.slots_touched <= stats.max_slots_used, "{stats:?}: {} slots touched", outcome.slots_touched);
}

fn run_revolve(steps: usize, snapshots: usize) -> (Outcome, ScheduleStats) {
    let mut revolve = Revolve::new(steps, snapshots);
    let outcome = simulate(&mut revolve, steps, snapshots, Some(0), Vec::new(), false);
    let stats = revolve.stats();
    check_stats(stats, &outcome, snapshots);
    assert_eq!(stats.snapshots_taken, outcome.shots);
    (outcome, stats)
}

#[test]
fn optimal_advances_examples() {
    assert_eq!(optimal_advances(10, 3), 15);
    assert_eq!(optimal_advances(14, 3), 27);
    assert_eq!(optimal_advances(100, 5), 316);
    assert_eq!(optimal_advances(1000, 10), 3636);
    for n in 1..200 {
        assert_eq!(optimal_advances(n, 1), (n * (n - 1) / 2) as u64);
        for s in n.saturating_sub(1).max(1)..n + 3 {
            assert_eq!(optimal_advances(n, s), n.saturating_sub(1) as u64, "n={n} s={s}");
        }
    }
    assert_eq!(optimal_advances(1, 1), 0);
    assert_eq!(optimal_advances(5, usize::MAX), 4);
    // Large counts, no overflow: p(n, 1) and p(n, 2) for n = 10^9 by their
    // closed forms (t = n - 1; t with (t+1)(t+2)/2 >= n).
    let n: u64 = 1_000_000_000;
    assert_eq!(optimal_advances(n as usize, 1), n * (n - 1) / 2);
    let t = (1u64..).find(|t| (t + 1) * (t + 2) / 2 >= n).unwrap();
    assert_eq!(optimal_advances(n as usize, 2), t * n - t * (t + 1) * (t + 2) / 6);
    assert_eq!(optimal_advances(n as usize, 1_000_000_000), n - 1);
    // Between the extremes the count falls as slots are added.
    let mut previous = u64::MAX;
    for s in 1..40 {
        let count = optimal_advances(n as usize, s);
        assert!(count < previous && count >= n - 1, "s={s}");
        assert!(count <= repetition_number(n as usize, s) * n);
        previous = count;
    }
}

#[test]
fn optimal_advances_match_brute_force() {
    let table = brute_force(120, 8);
    for (l, row) in table.iter().enumerate().skip(1) {
        for (s, &count) in row.iter().enumerate().skip(1) {
            assert_eq!(optimal_advances(l, s), count, "l={l} s={s}");
        }
    }
}

#[test]
fn revolve_is_valid_and_optimal() {
    for n in 0..=500 {
        for s in (1..=10).chain([n, n + 1, n + 7, 5000]) {
            let s = s.max(1);
            let (outcome, stats) = run_revolve(n, s);
            assert_eq!(outcome.advances, optimal_advances(n.max(1), s), "n={n} s={s}");
            assert!(stats.max_slots_used <= s.min(n.max(1)), "n={n} s={s}: {stats:?}");
        }
    }
}

#[test]
fn revolve_repetition_number() {
    // No step runs untaped more than t times.
    for (n, s) in [(100, 3), (500, 4), (1000, 10), (3000, 2), (777, 6)] {
        let mut revolve = Revolve::new(n, s);
        let outcome = simulate(&mut revolve, n, s, Some(0), Vec::new(), true);
        assert_eq!(outcome.max_runs, repetition_number(n, s), "n={n} s={s}");
    }
}

#[test]
fn revolve_long_loops_are_fast() {
    for (n, s) in [(100_000, 10), (100_000, 100), (1_000_000, 50), (1_000_000, 2_000), (10_000_000, 1_000)] {
        let start = Instant::now();
        let mut revolve = Revolve::new(n, s);
        let (mut advances, mut turns, mut actions) = (0u64, 0u64, 0u64);
        loop {
            actions += 1;
            match revolve.next() {
                Action::Advance { from, to } => advances += (to - from) as u64,
                Action::Turn { .. } => turns += 1,
                Action::Terminate => break,
                _ => {}
            }
        }
        let elapsed = start.elapsed();
        println!("revolve n={n} s={s}: {actions} actions, {advances} advances in {elapsed:?}");
        assert_eq!(advances, optimal_advances(n, s), "n={n} s={s}");
        assert_eq!(turns, n as u64);
        assert!(revolve.stats().max_slots_used <= s);
        assert!(elapsed < Duration::from_secs(1), "n={n} s={s}: {elapsed:?}");
    }
    // The same with the full simulator on one of them.
    let (outcome, _) = run_revolve(100_000, 10);
    assert_eq!(outcome.advances, optimal_advances(100_000, 10));
}

#[test]
fn periodic_is_valid() {
    for n in 0..=200 {
        for interval in 1..=22 {
            let mut periodic = Periodic::new(n, interval);
            let slots = periodic.slots();
            assert_eq!(slots, n.div_ceil(interval));
            let outcome = simulate(&mut periodic, n, slots.max(1), Some(0), Vec::new(), false);
            check_stats(periodic.stats(), &outcome, slots.max(1));
            let expected = if n == 0 {
                0
            } else {
                let last = (n - 1) / interval * interval;
                let segments: u64 = (0..n)
                    .step_by(interval)
                    .map(|start| {
                        let length = (n - start).min(interval) as u64;
                        length * (length - 1) / 2
                    })
                    .sum();
                last as u64 + segments
            };
            assert_eq!(outcome.advances, expected, "n={n} interval={interval}");
            assert!(outcome.advances >= optimal_advances(n.max(1), slots.max(1)));
        }
    }
    assert_eq!(Periodic::new(10, 1).slots(), 10);
    assert_eq!(Periodic::new(10, 3).slots(), 4);
}

/// The online forward run for `steps` steps, then its reversal in the
/// simulator; `extra_call`: `forward_step(steps)` is called too.
fn run_online(steps: usize, snapshots: usize, extra_call: bool, track_runs: bool) -> (Outcome, Online) {
    let mut online = Online::new(snapshots);
    let mut slots: Vec<Option<usize>> = Vec::new();
    let calls = if extra_call { steps + 1 } else { steps };
    for step in 0..calls {
        if let Some(slot) = online.forward_step(step) {
            assert!(slot < snapshots, "n={steps} s={snapshots}: slot {slot}");
            if slots.len() <= slot {
                slots.resize(slot + 1, None);
            }
            slots[slot] = Some(step);
        }
        assert_eq!(online.advances(), step as u64);
        assert!(online.stats().max_slots_used <= snapshots);
    }
    let stored_forward = online.stats().snapshots_taken;
    online.finish(steps);
    let mut outcome = simulate(&mut online, steps, snapshots, Some(steps), slots, track_runs);
    if track_runs && steps > 0 {
        // The forward run itself ran every step once.
        outcome.max_runs += 1;
    }
    let stats = online.stats();
    check_stats(stats, &outcome, snapshots);
    assert_eq!(stats.snapshots_taken, stored_forward + outcome.shots);
    assert_eq!(online.advances(), steps as u64 + outcome.advances, "n={steps} s={snapshots}");
    (outcome, online)
}

#[test]
fn online_is_valid() {
    for n in 0..=300 {
        for s in (1..=10).chain([n, n + 1, 1000]) {
            let s = s.max(1);
            let (outcome, _) = run_online(n, s, false, false);
            let total = n as u64 + outcome.advances;
            if n > 0 {
                assert!(total > optimal_advances(n, s), "n={n} s={s}");
            }
            if s >= n {
                // Every state fits: nothing is recomputed.
                assert_eq!(outcome.advances, 0, "n={n} s={s}");
            }
            // Calling forward_step for the final state as well still works.
            run_online(n, s, true, false);
        }
    }
    for (n, s) in [(5000, 3), (20_000, 10), (100_000, 30), (100_000, 1000)] {
        run_online(n, s, false, false);
    }
}

#[test]
fn online_long_loops_are_fast() {
    for (n, s) in [(1_000_000, 50), (1_000_000, 2_000)] {
        let start = Instant::now();
        let mut online = Online::new(s);
        for step in 0..n {
            online.forward_step(step);
        }
        online.finish(n);
        let mut advances = 0u64;
        loop {
            match online.next() {
                Action::Advance { from, to } => advances += (to - from) as u64,
                Action::Terminate => break,
                _ => {}
            }
        }
        let elapsed = start.elapsed();
        println!("online n={n} s={s}: {} advances in {elapsed:?}", n as u64 + advances);
        assert_eq!(online.advances(), n as u64 + advances);
        assert!(elapsed < Duration::from_secs(1), "n={n} s={s}: {elapsed:?}");
    }
}

#[test]
fn online_against_offline_optimum() {
    println!();
    println!(
        "{:>6} {:>3} | {:>9} {:>3} | {:>9} {:>6} {:>8} {:>3}",
        "n", "s", "offline", "t", "online", "extra", "ratio", "max"
    );
    for n in [10usize, 100, 1000, 10_000] {
        for s in [5usize, 10, 20] {
            let offline = optimal_advances(n, s);
            let t = repetition_number(n, s);
            let (outcome, online) = run_online(n, s, false, true);
            let total = online.advances();
            assert_eq!(total, n as u64 + outcome.advances);
            assert!(total > offline);
            assert!(outcome.max_runs <= repetition_number(n + 1, s), "n={n} s={s}: {} runs", outcome.max_runs);
            println!(
                "{n:>6} {s:>3} | {offline:>9} {t:>3} | {total:>9} {:>6} {:>8.3} {:>3}",
                total - offline,
                total as f64 / offline.max(1) as f64,
                outcome.max_runs
            );
        }
    }
}

#[test]
fn online_repetition_number() {
    // The placement keeps the repetition number optimal: counting the forward
    // run, no step runs untaped more often than in the offline schedule for
    // one step more (the online run also runs the last step untaped).
    for n in 1..=600 {
        for s in 1..=12 {
            let (outcome, _) = run_online(n, s, false, true);
            assert!(outcome.max_runs <= repetition_number(n + 1, s), "n={n} s={s}: {} runs", outcome.max_runs);
        }
    }
}
