//! The run-time side of checkpointed loops (see `ad/reverse/checkpointed.rs`):
//! a schedule from `crate::checkpoint`, the registered state (buffers and
//! one-element cells of the iteration arguments), and the snapshot slots.
//! Takeshot and restore are done here, by copying the state; JIT code is
//! only asked to advance (plain steps) or to turn (reverse one step).

//!
//! Errors (a budget too small for one snapshot, a bug in a schedule) stop the
//! call through the run-time error channel (`trap`).

use super::trap::{self, Resource};
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
    /// Snapshots written (a slot is written again each time the schedule
    /// reuses it).
    pub snapshot_writes: u64,
    /// The most snapshots held at once (slots in use).
    pub snapshots_held: u64,
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

/// The state at one step: the host regions' bytes, one after another, and
/// a copy in GPU memory of each region that is a CUDA function's managed
/// buffer (in region order).
#[derive(Default)]
struct Snapshot {
    step: usize,
    host: Vec<u8>,
    device: Vec<super::cuda::DeviceSnapshot>,
}

impl Snapshot {
    fn bytes(&self) -> u64 {
        (self.host.len() + self.device.iter().map(|copy| copy.bytes()).sum::<usize>()) as u64
    }
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
    slots: Vec<Option<Snapshot>>,
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
    /// the budget holds, or a default. A budget that does not hold one
    /// snapshot of the state is an error (the state's size is known only
    /// now, at run time).
    fn snapshot_count(&self) -> Result<usize, String> {
        if self.snapshots > 0 {
            Ok(self.snapshots)
        } else if self.budget > 0 {
            let state = self.state_bytes();
            if self.budget < state {
                return Err(format!(
                    "the checkpointing budget of {} bytes is smaller than one snapshot of the time loop's \
                     state ({state} bytes): give a budget of at least {state} bytes, or a number of snapshots",
                    self.budget
                ));
            }
            Ok((self.budget / state.max(1)).max(1))
        } else {
            Ok(default_snapshots(self.steps.max(1000)))
        }
    }

    fn schedule(&mut self) -> Result<&mut Box<dyn Schedule>, String> {
        if self.schedule.is_none() {
            let schedule: Box<dyn Schedule> = match self.scheme {
                // For the periodic scheme `snapshots` is the interval.
                PERIODIC => Box::new(Periodic::new(self.steps, self.snapshots.max(1))),
                ONLINE => Box::new(self.online.take().ok_or("an online schedule reversed before its forward run")?),
                _ => Box::new(Revolve::new(self.steps, self.snapshot_count()?)),
            };
            self.schedule = Some(schedule);
        }
        self.schedule.as_mut().ok_or_else(|| "no schedule".to_string())
    }

    fn take_shot(&mut self, slot: usize, step: usize) -> Result<(), String> {
        if self.slots.len() <= slot {
            self.slots.resize_with(slot + 1, || None);
        }
        // Reuse the slot's buffers: a long loop stores many snapshots in few slots.
        let mut snapshot = self.slots[slot].take().unwrap_or_default();
        snapshot.step = step;
        snapshot.host.clear();
        let mut device = std::mem::take(&mut snapshot.device).into_iter();
        for &(pointer, bytes) in &self.regions {
            if super::cuda::is_managed(pointer) {
                let copy = match device.next() {
                    Some(copy) if copy.bytes() == bytes => copy,
                    _ => super::cuda::DeviceSnapshot::new(bytes)?,
                };
                copy.take(pointer)?;
                snapshot.device.push(copy);
            } else {
                // SAFETY: registered regions are live buffers of the running
                // kernel, `bytes` long.
                snapshot.host.extend_from_slice(unsafe { std::slice::from_raw_parts(pointer, bytes) });
            }
        }
        self.slots[slot] = Some(snapshot);
        let held = self.slots.iter().flatten().count() as u64;
        let held_bytes: u64 = self.slots.iter().flatten().map(Snapshot::bytes).sum();
        record(|s| {
            s.snapshot_writes += 1;
            s.snapshots_held = s.snapshots_held.max(held);
            s.peak_snapshot_bytes = s.peak_snapshot_bytes.max(held_bytes);
        });
        Ok(())
    }

    fn restore(&mut self, slot: usize, step: usize) -> Result<(), String> {
        let Some(snapshot) = self.slots.get(slot).and_then(Option::as_ref) else {
            return Err(format!("the schedule restores slot {slot}, which holds no snapshot"));
        };
        if snapshot.step != step {
            return Err(format!("the schedule restores step {step} from slot {slot}, which holds step {}", snapshot.step));
        }
        let mut offset = 0;
        let mut device = snapshot.device.iter();
        for &(pointer, bytes) in &self.regions {
            if super::cuda::is_managed(pointer) {
                device.next().ok_or("a snapshot without the GPU copy of a region")?.restore(pointer)?;
            } else {
                // SAFETY: as in `take_shot`; the slot holds exactly the
                // host regions.
                unsafe { std::ptr::copy_nonoverlapping(snapshot.host[offset..].as_ptr(), pointer, bytes) };
                offset += bytes;
            }
        }
        self.current = step;
        Ok(())
    }

    /// Runs schedule actions until JIT code has work: an advance or a turn.
    fn next(&mut self, forward_phase: bool) -> Result<usize, String> {
        if let Some(step) = self.pending_turn
            && !self.turn_ready
        {
            // Back from the rest of the forward sweep: the state is the final
            // one; rebuild the state at `step` from the latest snapshot.
            let (slot, stored) = self
                .slots
                .iter()
                .enumerate()
                .filter_map(|(slot, entry)| entry.as_ref().map(|snapshot| (slot, snapshot.step)))
                .filter(|&(_, s)| s <= step)
                .max_by_key(|&(_, s)| s)
                .ok_or("no snapshot holds a state before the pending turn")?;
            self.restore(slot, stored)?;
            self.turn_ready = true;
            if stored < step {
                return Ok(self.advance(stored, step));
            }
        }
        if let Some(step) = self.pending_turn.take() {
            self.turn_ready = false;
            return Ok(self.turn(step));
        }
        loop {
            let action = self.schedule()?.next();
            match action {
                Action::TakeShot { slot, step } => self.take_shot(slot, step)?,
                Action::Restore { slot, step } => self.restore(slot, step)?,
                Action::Advance { from, to } => return Ok(self.advance(from, to)),
                Action::Turn { step } if forward_phase => {
                    self.pending_turn = Some(step);
                    return Ok(TERMINATE);
                }
                Action::Turn { step } => return Ok(self.turn(step)),
                Action::Terminate => return Ok(TERMINATE),
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

/// Runs a run-time function on the checkpointer `handle`; an error stops
/// the call (see `trap`).
fn with<T>(what: &str, handle: usize, body: impl FnOnce(&mut Checkpointer) -> Result<T, String>) -> T {
    trap::run(what, || {
        // SAFETY: `handle` comes from `zad_ckpt_new` and is used by the
        // kernel that made it, on one thread, until `zad_ckpt_free`.
        body(unsafe { &mut *(handle as *mut Checkpointer) })
    })
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
    let handle = Box::into_raw(Box::new(checkpointer)) as usize;
    trap::track(Resource::Checkpointer(handle));
    handle
}

pub(super) extern "C" fn ckpt_add(handle: usize, pointer: usize, bytes: usize) {
    with("zad_ckpt_add", handle, |c| {
        c.regions.push((pointer as *mut u8, bytes));
        Ok(())
    })
}

/// The trip count of a counted loop, known before it runs.
pub(super) extern "C" fn ckpt_set_steps(handle: usize, steps: usize) {
    with("zad_ckpt_set_steps", handle, |c| {
        c.steps = steps;
        Ok(())
    })
}

/// A while loop's iteration `step` is about to run, its state current.
pub(super) extern "C" fn ckpt_online_step(handle: usize, step: usize) {
    with("zad_ckpt_online_step", handle, |c| {
        if c.online.is_none() {
            c.online = Some(Online::new(c.snapshot_count()?));
        }
        let slot = c.online.as_mut().ok_or("no online schedule")?.forward_step(step);
        record(|s| s.forward_steps += 1);
        if let Some(slot) = slot {
            c.take_shot(slot, step)?;
        }
        Ok(())
    })
}

/// A while loop ended after `steps` iterations.
pub(super) extern "C" fn ckpt_online_finish(handle: usize, steps: usize) {
    with("zad_ckpt_online_finish", handle, |c| {
        c.steps = steps;
        if steps > 0 {
            c.online.as_mut().ok_or("a while loop ended without announcing its iterations")?.finish(steps);
        }
        c.current = steps;
        Ok(())
    })
}

pub(super) extern "C" fn ckpt_forward(handle: usize) -> usize {
    with("zad_ckpt_forward", handle, |c| if c.steps == 0 { Ok(TERMINATE) } else { c.next(true) })
}

pub(super) extern "C" fn ckpt_position(handle: usize) -> usize {
    with("zad_ckpt_position", handle, |c| Ok(if c.steps == 0 { 0 } else { c.current }))
}

pub(super) extern "C" fn ckpt_next(handle: usize) -> usize {
    with("zad_ckpt_next", handle, |c| if c.steps == 0 { Ok(TERMINATE) } else { c.next(false) })
}

pub(super) extern "C" fn ckpt_from(handle: usize) -> usize {
    with("zad_ckpt_from", handle, |c| Ok(c.from))
}

pub(super) extern "C" fn ckpt_to(handle: usize) -> usize {
    with("zad_ckpt_to", handle, |c| Ok(c.to))
}

/// # Safety
/// `handle` comes from `ckpt_new` and is freed once (by the kernel, or by
/// the trap path when the kernel stopped early).
pub(super) unsafe extern "C" fn ckpt_free(handle: usize) {
    trap::untrack(Resource::Checkpointer(handle));
    // SAFETY: see above.
    drop(unsafe { Box::from_raw(handle as *mut Checkpointer) });
}
