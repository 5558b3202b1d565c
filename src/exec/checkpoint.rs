//! The run-time side of checkpointed loops (see `ad/reverse/checkpointed.rs`):
//! a schedule from `crate::checkpoint`, the registered state (buffers and
//! one-element cells of the iteration arguments), and the snapshot slots.
//! Takeshot and restore are done here, by copying the state; JIT code is
//! only asked to advance (plain steps) or to turn (reverse one step).

use crate::checkpoint::{Action, Online, Periodic, Revolve, Schedule, codes};
use std::cell::Cell;

/// What JIT code is asked to do, as `zad_ckpt_next` and `zad_ckpt_forward` return it.
const TERMINATE: usize = codes::TERMINATE as usize;
const ADVANCE: usize = codes::ADVANCE as usize;
const TURN: usize = codes::TURN as usize;

/// Scheme codes of `zad_ckpt_new` (see `ad/reverse/checkpointed.rs`).
const PERIODIC: usize = codes::PERIODIC as usize;
const ONLINE: usize = codes::ONLINE as usize;

/// Statistics of the checkpointed gradients run on this thread since the
/// last `take_checkpoint_stats`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CheckpointStats {
    /// Plain forward steps run (the forward sweep's and the recomputations).
    pub forward_steps: u64,
    /// Steps reversed (each runs once more, taped, inside its adjoint).
    pub reversed_steps: u64,
    /// Snapshots stored.
    pub snapshots: u64,
    /// The most bytes held in snapshots at once.
    pub peak_snapshot_bytes: u64,
}

thread_local! {
    static STATS: Cell<CheckpointStats> = Cell::new(CheckpointStats::default());
}

/// The statistics since the last call, which starts a new measurement.
pub fn take_checkpoint_stats() -> CheckpointStats {
    STATS.with(|stats| stats.replace(CheckpointStats::default()))
}

fn record(update: impl FnOnce(&mut CheckpointStats)) {
    STATS.with(|stats| {
        let mut value = stats.get();
        update(&mut value);
        stats.set(value);
    });
}

struct Checkpointer {
    steps: usize,
    snapshots: usize,
    budget: usize,
    scheme: usize,
    /// The online schedule of a while loop, while its forward run goes on.
    online: Option<Online>,
    regions: Vec<(*mut u8, usize)>,
    schedule: Option<Box<dyn Schedule>>,
    slots: Vec<Option<(usize, Vec<u8>)>>,
    /// The step the state in the registered regions belongs to.
    current: usize,
    from: usize,
    to: usize,
    /// A turn the forward phase stopped at (the rest of the forward sweep
    /// needs the final state first).
    pending_turn: Option<usize>,
    /// The state for the pending turn is being rebuilt (restored and
    /// advanced): the turn comes next.
    turn_ready: bool,
}

impl Checkpointer {
    fn state_bytes(&self) -> usize {
        self.regions.iter().map(|(_, bytes)| bytes).sum()
    }

    /// Snapshots for a binomial or online schedule: as asked, or as many as
    /// the budget holds, or a default.
    fn snapshot_count(&self) -> usize {
        if self.snapshots > 0 {
            self.snapshots
        } else if self.budget > 0 {
            (self.budget / self.state_bytes().max(1)).max(1)
        } else {
            default_snapshots(self.steps.max(1000))
        }
    }

    fn schedule(&mut self) -> &mut Box<dyn Schedule> {
        if self.schedule.is_none() {
            let schedule: Box<dyn Schedule> = match self.scheme {
                // For the periodic scheme `snapshots` is the interval.
                PERIODIC => Box::new(Periodic::new(self.steps, self.snapshots.max(1))),
                ONLINE => Box::new(self.online.take().expect("an online run finishes before it reverses")),
                _ => Box::new(Revolve::new(self.steps, self.snapshot_count())),
            };
            self.schedule = Some(schedule);
        }
        self.schedule.as_mut().expect("just made")
    }

    fn take_shot(&mut self, slot: usize, step: usize) {
        if self.slots.len() <= slot {
            self.slots.resize(slot + 1, None);
        }
        // Reuse the slot's buffer: a long loop stores many snapshots in few slots.
        let mut data = self.slots[slot].take().map(|(_, data)| data).unwrap_or_default();
        data.clear();
        for &(pointer, bytes) in &self.regions {
            // SAFETY: registered regions are live buffers of the running
            // kernel, `bytes` long.
            data.extend_from_slice(unsafe { std::slice::from_raw_parts(pointer, bytes) });
        }
        self.slots[slot] = Some((step, data));
        let held: u64 = self.slots.iter().flatten().map(|(_, d)| d.len() as u64).sum();
        record(|s| {
            s.snapshots += 1;
            s.peak_snapshot_bytes = s.peak_snapshot_bytes.max(held);
        });
    }

    fn restore(&mut self, slot: usize, step: usize) {
        let (stored, data) = self.slots[slot].as_ref().expect("restore from a stored slot");
        debug_assert_eq!(*stored, step);
        let mut offset = 0;
        for &(pointer, bytes) in &self.regions {
            // SAFETY: as in `take_shot`; the slot holds exactly the regions.
            unsafe { std::ptr::copy_nonoverlapping(data[offset..].as_ptr(), pointer, bytes) };
            offset += bytes;
        }
        self.current = step;
    }

    /// Runs schedule actions until JIT code has work: an advance or a turn.
    fn next(&mut self, forward_phase: bool) -> usize {
        if let Some(step) = self.pending_turn
            && !self.turn_ready
        {
            // Back from the rest of the forward sweep: the state is the final
            // one; rebuild the state at `step` from the latest snapshot.
            let (slot, stored) = self
                .slots
                .iter()
                .enumerate()
                .filter_map(|(slot, entry)| entry.as_ref().map(|(s, _)| (slot, *s)))
                .filter(|&(_, s)| s <= step)
                .max_by_key(|&(_, s)| s)
                .expect("the initial state is always stored");
            self.restore(slot, stored);
            self.turn_ready = true;
            if stored < step {
                return self.advance(stored, step);
            }
        }
        if let Some(step) = self.pending_turn.take() {
            self.turn_ready = false;
            return self.turn(step);
        }
        loop {
            let action = self.schedule().next();
            match action {
                Action::TakeShot { slot, step } => self.take_shot(slot, step),
                Action::Restore { slot, step } => self.restore(slot, step),
                Action::Advance { from, to } => return self.advance(from, to),
                Action::Turn { step } if forward_phase => {
                    self.pending_turn = Some(step);
                    return TERMINATE;
                }
                Action::Turn { step } => return self.turn(step),
                Action::Terminate => return TERMINATE,
            }
        }
    }

    fn advance(&mut self, from: usize, to: usize) -> usize {
        (self.from, self.to) = (from, to);
        self.current = to;
        record(|s| s.forward_steps += (to - from) as u64);
        ADVANCE
    }

    fn turn(&mut self, step: usize) -> usize {
        self.from = step;
        record(|s| s.reversed_steps += 1);
        TURN
    }
}

/// Snapshots when neither a count nor a budget is given: enough for about
/// three recomputations per step.
fn default_snapshots(steps: usize) -> usize {
    ((steps as f64).cbrt().ceil() as usize).max(1)
}

fn with<T>(handle: usize, body: impl FnOnce(&mut Checkpointer) -> T) -> T {
    // SAFETY: `handle` comes from `zad_ckpt_new` and is used by the kernel
    // that made it, on one thread, until `zad_ckpt_free`.
    body(unsafe { &mut *(handle as *mut Checkpointer) })
}

pub(super) extern "C" fn ckpt_new(snapshots: usize, budget: usize, scheme: usize) -> usize {
    let checkpointer = Checkpointer {
        steps: 0,
        snapshots,
        budget,
        scheme,
        online: None,
        regions: Vec::new(),
        schedule: None,
        slots: Vec::new(),
        current: 0,
        from: 0,
        to: 0,
        pending_turn: None,
        turn_ready: false,
    };
    Box::into_raw(Box::new(checkpointer)) as usize
}

pub(super) extern "C" fn ckpt_add(handle: usize, pointer: usize, bytes: usize) {
    with(handle, |c| c.regions.push((pointer as *mut u8, bytes)));
}

/// The trip count of a counted loop, known before it runs.
pub(super) extern "C" fn ckpt_set_steps(handle: usize, steps: usize) {
    with(handle, |c| c.steps = steps);
}

/// A while loop's iteration `step` is about to run, its state current.
pub(super) extern "C" fn ckpt_online_step(handle: usize, step: usize) {
    with(handle, |c| {
        if c.online.is_none() {
            c.online = Some(Online::new(c.snapshot_count()));
        }
        let slot = c.online.as_mut().expect("just made").forward_step(step);
        record(|s| s.forward_steps += 1);
        if let Some(slot) = slot {
            c.take_shot(slot, step);
        }
    });
}

/// A while loop ended after `steps` iterations.
pub(super) extern "C" fn ckpt_online_finish(handle: usize, steps: usize) {
    with(handle, |c| {
        c.steps = steps;
        if steps > 0 {
            c.online.as_mut().expect("iterations were announced").finish(steps);
        }
        c.current = steps;
    });
}

pub(super) extern "C" fn ckpt_forward(handle: usize) -> usize {
    with(handle, |c| if c.steps == 0 { TERMINATE } else { c.next(true) })
}

pub(super) extern "C" fn ckpt_position(handle: usize) -> usize {
    with(handle, |c| if c.steps == 0 { 0 } else { c.current })
}

pub(super) extern "C" fn ckpt_next(handle: usize) -> usize {
    with(handle, |c| if c.steps == 0 { TERMINATE } else { c.next(false) })
}

pub(super) extern "C" fn ckpt_from(handle: usize) -> usize {
    with(handle, |c| c.from)
}

pub(super) extern "C" fn ckpt_to(handle: usize) -> usize {
    with(handle, |c| c.to)
}

/// # Safety
/// `handle` comes from `ckpt_new` and is freed once.
pub(super) unsafe extern "C" fn ckpt_free(handle: usize) {
    // SAFETY: see above.
    drop(unsafe { Box::from_raw(handle as *mut Checkpointer) });
}
