//! Offline schedules ([`Revolve`], [`Periodic`]) and the reversal engine
//! they share with [`super::Online`].
//!
//! # The engine
//!
//! The engine reverses the steps `0..fine` from a stack of stored states
//! (increasing steps; the bottom one is step 0). The steps from the top
//! state `c` to `fine` form the range being reversed; `l = fine - c` steps.
//! Its next action is decided from that range alone:
//!
//! * the current state is `fine - 1`: turn it (and drop the top state if it
//!   was that one);
//! * the current state lies strictly inside the range (an advance just
//!   ended there): store it, it becomes the new top;
//! * the current state is not `c`: restore `c`;
//! * otherwise advance from `c` by `k` steps, `1 <= k <= l - 1`, where `k` is
//!   the split the policy chooses for `l` steps and the `a + 1` slots it may
//!   use (`a` free ones and the one holding `c`); with no free slot `k = l - 1`.
//!
//! So reversing `l` steps from a stored state with `m` slots costs
//! `k + cost(l - k, m - 1) + cost(k, m)` advances, with `cost(1, m) = 0` and
//! `cost(l, 1) = l (l - 1) / 2`: the recursion of the optimal cost, whenever
//! the policy picks an optimal `k`. The engine holds one stack entry per
//! occupied slot and does O(1) work per action besides the policy's.
//!
//! # The binomial split
//!
//! Write `b(m, t) = C(m + t, m)`, the most steps `m` slots reverse with
//! repetition number `t`; `b(m, t) = b(m, t - 1) + b(m - 1, t)`. The optimal
//! cost `p(l, m)` is convex and piecewise linear in `l` with slope `t` on
//! `b(m, t - 1) < l <= b(m, t)`. For `l` in that segment, the cost of a split
//! `k`, `k + p(k, m) + p(l - k, m - 1)`, is therefore flat (slopes
//! `1 + (t - 1) - t = 0`) for all `k` with `b(m, t - 2) <= k <= b(m, t - 1)`
//! and `b(m - 1, t - 1) <= l - k <= b(m - 1, t)`, an interval that is never
//! empty; those splits are optimal. The engine takes its upper end,
//! `k = min(b(m, t - 1), l - b(m - 1, t - 1))`, so that the advances are long
//! and few. Finding `t` takes O(t) multiplications.

use super::{Action, Schedule, ScheduleStats};

/// How the engine splits a range of `l >= 2` steps when it has a free slot.
#[derive(Clone, Copy, Debug)]
pub(super) enum Policy {
    /// The optimal (binomial) split.
    Binomial,
    /// Snapshots every `interval` steps from the range's start; ranges of
    /// at most `interval` steps are reversed from their start alone.
    Periodic(usize),
}

impl Policy {
    /// The number of steps to advance from the start of a range of `steps`
    /// (>= 2) steps, with `slots` (>= 2) slots including the start's.
    fn split(self, steps: usize, slots: usize) -> usize {
        match self {
            Policy::Binomial => binomial_split(steps, slots),
            Policy::Periodic(interval) if steps > interval => interval,
            Policy::Periodic(_) => steps - 1,
        }
    }
}

/// The smallest `t >= 1` with `b(s, t) = C(s + t, s) >= l`, with `b(s, t - 1)`
/// and `b(s, t)`, for `l >= 2`, `1 <= s < l - 1` (so `t >= 2`). None when an
/// intermediate value would not fit in a `u128` (only for step counts far
/// beyond 10^18).
fn repetition(l: u128, s: u128) -> Option<(u128, u128, u128)> {
    let mut t: u128 = 1;
    let mut beta = s + 1; // b(s, 1)
    let mut previous: u128 = 1; // b(s, 0)
    while beta < l {
        previous = beta;
        // b(s, t + 1) = b(s, t) (s + t + 1) / (t + 1), exactly.
        beta = beta.checked_mul(s + t + 1)? / (t + 1);
        t += 1;
    }
    Some((t, previous, beta))
}

/// An optimal first advance for reversing `l >= 2` steps with `s >= 2` slots
/// (one of them holding the start): see the module documentation.
fn binomial_split(l: usize, s: usize) -> usize {
    if s >= l - 1 {
        // t = 1: a snapshot at every step.
        return 1;
    }
    let (t, previous, _) = repetition(l as u128, s as u128).expect("a usize step count fits");
    let s = s as u128;
    // b(s - 1, t - 1) = C(s + t - 2, s - 1) = b(s, t - 1) s / (s + t - 1).
    let below = previous * s / (s + t - 1);
    previous.min(l as u128 - below) as usize
}

/// p(n, s) = t n - C(s + t, s + 1) with t the smallest integer with
/// C(s + t, s) >= n: the fewest forward steps (advances) that reverse `steps`
/// steps with `snapshots` slots (including the one of the state at step 0).
///
/// Exact for step counts up to well beyond 10^9 (computed in 128 bits);
/// saturates at `u64::MAX` where the count itself does not fit. 0 for
/// `steps <= 1`.
///
/// # Panics
/// If `snapshots` is 0.
pub fn optimal_advances(steps: usize, snapshots: usize) -> u64 {
    assert!(snapshots >= 1, "checkpointing needs at least one snapshot slot");
    if steps <= 1 {
        return 0;
    }
    let n = steps as u128;
    let s = snapshots as u128;
    let count = if s >= n - 1 {
        n - 1
    } else if s == 1 {
        n * (n - 1) / 2
    } else {
        match repetition(n, s) {
            // C(s + t, s + 1) = C(s + t, s) t / (s + 1), exactly.
            Some((t, _, beta)) => match beta.checked_mul(t) {
                Some(product) => t * n - product / (s + 1),
                None => u128::MAX,
            },
            None => u128::MAX,
        }
    };
    u64::try_from(count).unwrap_or(u64::MAX)
}

/// The reversal engine (see the module documentation).
pub(super) struct Engine {
    snapshots: usize,
    policy: Policy,
    /// Steps `fine..` have been reversed.
    fine: usize,
    /// The step of the current state, if known.
    current: Option<usize>,
    /// Stored states needed later: (step, slot), increasing steps.
    stack: Vec<(usize, usize)>,
    /// Slot numbers released and free for reuse.
    free_slots: Vec<usize>,
    /// Slot numbers `0..fresh` have been handed out.
    fresh: usize,
    done: bool,
    stats: ScheduleStats,
}

impl Engine {
    /// A schedule for `steps` steps from the state at step 0, current and
    /// not stored yet (the first action stores it).
    pub(super) fn offline(steps: usize, snapshots: usize, policy: Policy) -> Engine {
        Engine {
            snapshots,
            policy,
            fine: steps,
            current: Some(0),
            stack: Vec::new(),
            free_slots: Vec::new(),
            fresh: 0,
            done: false,
            stats: ScheduleStats::default(),
        }
    }

    /// The reversal of `steps` steps from states already stored: `stack` is
    /// (step, slot) by increasing step, starting at step 0, all steps below
    /// `steps`; `free_slots` and `fresh` describe the other slots as in the
    /// fields. The current state is taken as unknown.
    pub(super) fn resume(
        steps: usize,
        snapshots: usize,
        stack: Vec<(usize, usize)>,
        free_slots: Vec<usize>,
        fresh: usize,
        stats: ScheduleStats,
    ) -> Engine {
        debug_assert!(steps == 0 || stack.first().is_some_and(|&(step, _)| step == 0));
        debug_assert!(stack.windows(2).all(|w| w[0].0 < w[1].0));
        debug_assert!(stack.last().is_none_or(|&(step, _)| step < steps.max(1)));
        Engine {
            snapshots,
            policy: Policy::Binomial,
            fine: steps,
            current: None,
            stack,
            free_slots,
            fresh,
            done: false,
            stats,
        }
    }

    pub(super) fn stats(&self) -> ScheduleStats {
        self.stats
    }

    fn allocate(&mut self) -> usize {
        let slot = self.free_slots.pop().unwrap_or_else(|| {
            self.fresh += 1;
            self.fresh - 1
        });
        debug_assert!(slot < self.snapshots);
        slot
    }

    fn store(&mut self, step: usize) -> Action {
        let slot = self.allocate();
        self.stack.push((step, slot));
        self.stats.snapshots_taken += 1;
        self.stats.max_slots_used = self.stats.max_slots_used.max(self.stack.len());
        Action::TakeShot { slot, step }
    }

    pub(super) fn next(&mut self) -> Action {
        if self.done || self.fine == 0 {
            self.done = true;
            return Action::Terminate;
        }
        let Some(&(top, top_slot)) = self.stack.last() else {
            // The start of an offline schedule: store the state at step 0.
            debug_assert_eq!(self.current, Some(0));
            return self.store(0);
        };
        let last = self.fine - 1;
        match self.current {
            Some(current) if current == last => {
                self.fine = last;
                self.current = None;
                self.stats.turns += 1;
                if top == last {
                    self.stack.pop();
                    self.free_slots.push(top_slot);
                }
                Action::Turn { step: last }
            }
            Some(current) if current > top && current < last => self.store(current),
            Some(current) if current == top => {
                let steps = self.fine - top;
                let free = self.snapshots - self.stack.len();
                let advance = if free == 0 { steps - 1 } else { self.policy.split(steps, free.saturating_add(1)) };
                debug_assert!((1..steps).contains(&advance));
                self.current = Some(top + advance);
                self.stats.advances += advance as u64;
                Action::Advance { from: top, to: top + advance }
            }
            _ => {
                self.current = Some(top);
                Action::Restore { slot: top_slot, step: top }
            }
        }
    }
}

/// Offline binomial checkpointing (Griewank & Walther, "Algorithm 799:
/// revolve", ACM TOMS 26(1), 2000) for `steps` steps and `snapshots` slots
/// (>= 1; any number, the schedule never uses more than `steps`).
///
/// It starts with the state at step 0 current and not yet stored: the first
/// action stores it. Its advances total exactly
/// [`optimal_advances`]`(steps, snapshots)`. The schedule is generated lazily:
/// memory for one entry per occupied slot, O(t) work per action (t the
/// repetition number, see the module documentation of `checkpoint`), so
/// O(n t) for the whole schedule.
pub struct Revolve {
    steps: usize,
    snapshots: usize,
    engine: Engine,
}

impl Revolve {
    /// # Panics
    /// If `snapshots` is 0.
    pub fn new(steps: usize, snapshots: usize) -> Revolve {
        assert!(snapshots >= 1, "checkpointing needs at least one snapshot slot");
        Revolve { steps, snapshots, engine: Engine::offline(steps, snapshots, Policy::Binomial) }
    }

    pub fn steps(&self) -> usize {
        self.steps
    }

    pub fn snapshots(&self) -> usize {
        self.snapshots
    }

    /// Counts over the actions handed out so far.
    pub fn stats(&self) -> ScheduleStats {
        self.engine.stats()
    }
}

impl Schedule for Revolve {
    fn next(&mut self) -> Action {
        self.engine.next()
    }
}

/// A snapshot every `interval` steps, for comparison: the forward sweep
/// stores the states at steps 0, interval, 2 interval, ... below `steps - 1`
/// (at most [`Periodic::slots`]` = ceil(steps / interval)` slots), and each
/// segment between two of them is reversed from its first state alone, by
/// advancing from it again for every step of the segment.
///
/// Advances: `c + sum over segments of L (L - 1) / 2`, where `c` is the last
/// multiple of `interval` below `steps` and `L` the segment lengths
/// (`interval`, and `steps - c` for the last). With `interval = 1` this
/// stores every state (`steps - 1` advances); with `interval >= steps` it is
/// the single-slot schedule (`steps (steps - 1) / 2`).
pub struct Periodic {
    interval: usize,
    slots: usize,
    engine: Engine,
}

impl Periodic {
    /// # Panics
    /// If `interval` is 0.
    pub fn new(steps: usize, interval: usize) -> Periodic {
        assert!(interval >= 1, "the snapshot interval must be at least one step");
        let slots = steps.div_ceil(interval);
        Periodic { interval, slots, engine: Engine::offline(steps, slots.max(1), Policy::Periodic(interval)) }
    }

    /// The slots the schedule uses: `ceil(steps / interval)`.
    pub fn slots(&self) -> usize {
        self.slots
    }

    pub fn interval(&self) -> usize {
        self.interval
    }

    /// Counts over the actions handed out so far.
    pub fn stats(&self) -> ScheduleStats {
        self.engine.stats()
    }
}

impl Schedule for Periodic {
    fn next(&mut self) -> Action {
        self.engine.next()
    }
}
