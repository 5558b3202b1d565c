//! Online checkpointing: the step count is known only when the loop ends.

use super::schedule::Engine;
use super::{Action, Schedule, ScheduleStats, optimal_advances};
use std::collections::BinaryHeap;

/// Online checkpointing for loops whose step count is known only when they
/// end (`scf.while`).
///
/// # Use
///
/// During the forward run call [`Online::forward_step`]`(k)` with the state
/// at step `k` current, right before step `k` runs, for `k = 0, 1, 2, ...`;
/// when it returns `Some(slot)`, store the current state in `slot` (it may
/// overwrite a state that is no longer needed). When the loop has run
/// `steps` steps (the state at `steps` is current), call
/// [`Online::finish`]`(steps)`; the reversal then comes from
/// [`Schedule::next`] as for [`super::Revolve`]: `Restore`, `Advance`,
/// `TakeShot`, `Turn` for `steps - 1, ..., 0`, `Terminate`. Calling
/// `forward_step(steps)` as well (for the final state) is allowed but may
/// waste a slot on a state the reversal never needs.
///
/// # Strategy
///
/// The snapshots are placed by the dynamic checkpointing algorithm of Wang,
/// Moin & Iaccarino ("Minimal repetition dynamic checkpointing algorithm for
/// unsteady adjoint calculation", SIAM J. Sci. Comput. 31(4), 2009), which
/// works for any number of steps and keeps, at every step, a placement with
/// the optimal repetition number: counting the forward run, no step runs
/// untaped more often than in the offline schedule for `steps + 1` steps
/// (the online run also runs the last step untaped; the tests check this).
/// Each checkpoint has a level; the one of
/// step 0 has level infinity. A checkpoint is *dispensable* when a later one
/// has a higher level. When step `k` arrives:
///
/// 1. with at most `s` checkpoints (besides `k`), `k` joins at level 0;
/// 2. else, if one is dispensable, the latest dispensable one is dropped and
///    `k` joins at level 0;
/// 3. else the latest checkpoint (`k - 1`) is dropped and `k` joins at its
///    level plus one.
///
/// As in the paper, the newest checkpoint is the current state itself (not
/// in a slot); the others occupy the `s` slots. Which of the three cases the
/// next step will take is known already when `k` arrives, so `forward_step`
/// stores `k` right away exactly when `k` will stay (cases 1 and 2; in case
/// 2 into the slot of the checkpoint that will be dropped).
///
/// The reversal is not the paper's dynamic one: once `steps` is known the
/// placement is final, and each segment between consecutive snapshots is
/// reversed by the optimal offline (binomial) schedule with the slots free
/// at that time. The `i`-th segment from the end has the slots of the
/// snapshots after it back, so the reversal costs
/// `sum_i p(len_i, s - i)` advances (`i = 0` for the first segment,
/// [`optimal_advances`] for `p`).
///
/// # Costs
///
/// O(log s) amortised work per forward step (a heap of the dispensable
/// checkpoints and a stack of the others), O(s) memory; `finish` sorts the
/// snapshots, then every reverse action costs as in [`super::Revolve`].
/// [`Online::advances`] counts the forward run's own `steps` steps plus the
/// reversal's advances; the offline optimum for comparison is
/// [`optimal_advances`]`(steps, s)`, which cannot be beaten even knowing the
/// step count in advance and which, unlike the online run, never runs the
/// last step untaped (so online costs at least one step more).
pub struct Online {
    snapshots: usize,
    /// The step `forward_step` expects next.
    next_step: usize,
    /// The checkpoints that are not dispensable, by step; their levels do not
    /// increase (step 0, level `usize::MAX`, is the first). The last one is
    /// the newest checkpoint, stored only if it is to stay.
    records: Vec<Record>,
    /// The dispensable checkpoints (all stored): (step, slot), latest first.
    dispensable: BinaryHeap<(usize, usize)>,
    /// Whether the newest checkpoint goes when the next step arrives (case 3).
    promote_newest: bool,
    free_slots: Vec<usize>,
    /// Slot numbers `0..fresh` have been handed out.
    fresh: usize,
    /// Slots holding a checkpoint.
    occupied: usize,
    stats: ScheduleStats,
    /// The steps of the forward run, once finished, and the advances of the
    /// reversal.
    finished: Option<(usize, u64)>,
    engine: Option<Engine>,
}

#[derive(Clone, Copy, Debug)]
struct Record {
    step: usize,
    level: usize,
    slot: Option<usize>,
}

impl Online {
    /// # Panics
    /// If `snapshots` is 0.
    pub fn new(snapshots: usize) -> Online {
        assert!(snapshots >= 1, "checkpointing needs at least one snapshot slot");
        Online {
            snapshots,
            next_step: 0,
            records: Vec::new(),
            dispensable: BinaryHeap::new(),
            promote_newest: false,
            free_slots: Vec::new(),
            fresh: 0,
            occupied: 0,
            stats: ScheduleStats::default(),
            finished: None,
            engine: None,
        }
    }

    pub fn snapshots(&self) -> usize {
        self.snapshots
    }

    /// The state at `step` is current (steps are 0, 1, 2, ... in order):
    /// `Some(slot)` when it must be stored in `slot` now.
    ///
    /// # Panics
    /// If the steps come out of order, or after [`Online::finish`].
    pub fn forward_step(&mut self, step: usize) -> Option<usize> {
        assert!(self.finished.is_none(), "Online::forward_step after finish");
        assert_eq!(step, self.next_step, "Online::forward_step: steps must come in order");
        self.next_step += 1;
        if step == 0 {
            self.records.push(Record { step, level: usize::MAX, slot: None });
        } else if self.promote_newest {
            let newest = self.records.pop().expect("step 0 stays");
            let level = newest.level + 1;
            self.demote_below(level);
            self.records.push(Record { step, level, slot: None });
        } else {
            self.records.push(Record { step, level: 0, slot: None });
        }
        // What happens when the next step arrives decides whether this one
        // is stored now.
        let members = self.records.len() + self.dispensable.len();
        let slot = if members <= self.snapshots {
            Some(self.allocate())
        } else if let Some((_, slot)) = self.dispensable.pop() {
            Some(slot)
        } else {
            None
        };
        self.promote_newest = slot.is_none();
        self.records.last_mut().expect("just pushed").slot = slot;
        if slot.is_some() {
            self.stats.snapshots_taken += 1;
        }
        slot
    }

    /// Checkpoints of a level below `level` stop being records.
    fn demote_below(&mut self, level: usize) {
        while let Some(&record) = self.records.last() {
            if record.level >= level {
                break;
            }
            self.records.pop();
            let slot = record.slot.expect("checkpoints other than the newest are stored");
            self.dispensable.push((record.step, slot));
        }
    }

    fn allocate(&mut self) -> usize {
        let slot = self.free_slots.pop().unwrap_or_else(|| {
            self.fresh += 1;
            self.fresh - 1
        });
        self.occupied += 1;
        self.stats.max_slots_used = self.stats.max_slots_used.max(self.occupied);
        slot
    }

    /// Ends the forward run after `steps` steps (the state at `steps` is
    /// current); the reversal comes from [`Schedule::next`].
    ///
    /// # Panics
    /// If `forward_step` was not called for the steps `0..steps`, or on a
    /// second call.
    pub fn finish(&mut self, steps: usize) {
        assert!(self.finished.is_none(), "Online::finish called twice");
        assert!(
            self.next_step >= steps && self.next_step <= steps + 1,
            "Online::finish({steps}) after forward_step for the steps below {}",
            self.next_step
        );
        let mut stored: Vec<(usize, usize)> = self
            .records
            .iter()
            .filter_map(|record| record.slot.map(|slot| (record.step, slot)))
            .chain(self.dispensable.iter().copied())
            .collect();
        stored.sort_unstable();
        // A state stored at `steps` or later is not needed.
        while stored.last().is_some_and(|&(step, _)| step >= steps) {
            let (_, slot) = stored.pop().expect("just checked");
            self.free_slots.push(slot);
        }
        let reverse: u64 = stored
            .iter()
            .enumerate()
            .map(|(i, &(step, _))| {
                let end = stored.get(i + 1).map_or(steps, |&(next, _)| next);
                optimal_advances(end - step, self.snapshots - i)
            })
            .sum();
        self.finished = Some((steps, reverse));
        self.engine = Some(Engine::resume(
            steps,
            self.snapshots,
            stored,
            std::mem::take(&mut self.free_slots),
            self.fresh,
            self.stats,
        ));
        self.records = Vec::new();
        self.dispensable = BinaryHeap::new();
    }

    /// The forward steps made or still to be made without taping: the
    /// forward run's own steps (`steps` once finished; before `finish`, the
    /// steps run so far) plus, once finished, all the advances of the
    /// reversal (also those not handed out yet).
    pub fn advances(&self) -> u64 {
        match self.finished {
            Some((steps, reverse)) => steps as u64 + reverse,
            None => self.next_step.saturating_sub(1) as u64,
        }
    }

    /// Counts over the forward run's stores and the reverse actions handed
    /// out so far (`advances` counts the reverse `Advance`s only).
    pub fn stats(&self) -> ScheduleStats {
        self.engine.as_ref().map_or(self.stats, Engine::stats)
    }
}

impl Schedule for Online {
    /// # Panics
    /// Before [`Online::finish`].
    fn next(&mut self) -> Action {
        self.engine.as_mut().expect("Online::next before finish").next()
    }
}
