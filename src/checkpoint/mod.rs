//! Checkpointing schedules for reversing time loops (pure Rust, no MLIR).
//!
//! Reverse mode over a loop of `n` steps needs the loop's states in reverse
//! order. Keeping all of them costs `n` states of memory; a checkpointing
//! schedule keeps at most `s` of them ("snapshots", in numbered slots) and
//! recomputes the others from the nearest stored one. A schedule is a stream
//! of [`Action`]s that a driver carries out one at a time:
//!
//! * [`Revolve`]: offline binomial checkpointing (Griewank & Walther,
//!   "Algorithm 799: revolve", ACM TOMS 26(1), 2000) for a known step count.
//!   It makes the fewest forward steps possible with `s` slots,
//!   [`optimal_advances`]`(n, s)`, and is generated lazily: O(s) memory and
//!   O(t) work per action, where `t` is the repetition number (below).
//! * [`Periodic`]: a snapshot every `interval` steps, for comparison.
//! * [`Online`]: for loops whose step count is known only when they end
//!   (`scf.while`): the snapshots are placed while the loop runs, then the
//!   reversal is scheduled like [`Revolve`] between them.
//!
//! # Conventions
//!
//! Step `k` takes the state at step `k` to the state at step `k + 1`; the
//! loop has steps `0..n`. The state at step 0 is current when a schedule
//! starts. The `s` slots include the one that holds the state at step 0.
//! [`Action::Turn`]`{ step: k }` runs step `k` once more with taping and
//! reverses it; turns come for `n - 1, n - 2, ..., 0`. After a turn the
//! current state is unspecified: the schedules never advance from it (the
//! next action that needs a state is a [`Action::Restore`]).
//!
//! # The counts
//!
//! With `s` slots and `n` steps let `t` be the smallest integer with
//! `C(s + t, s) >= n` (the repetition number: no step is run more than `t`
//! times untaped). The fewest forward steps are then
//! `p(n, s) = t * n - C(s + t, s + 1)`: for example `p(10, 3) = 15`,
//! `p(n, 1) = n (n - 1) / 2` and `p(n, s) = n - 1` once `s >= n - 1`.
//!
//! # Statistics
//!
//! Every schedule has `stats()`, a [`ScheduleStats`] of the actions handed
//! out so far. A slot number that has not been used before is handed out only
//! when every lower one holds a state still needed, so all slot numbers stay
//! below `stats().max_slots_used` (which is at most the number of slots).

mod online;
mod schedule;

pub use online::Online;
pub use schedule::{Periodic, Revolve, optimal_advances};

/// What the driver of a checkpointed loop must do next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Run the primal steps from..to (state goes from step `from` to step `to`), no taping.
    Advance { from: usize, to: usize },
    /// Store the current state (which is the state at step `step`) in slot `slot` (< snapshots).
    TakeShot { slot: usize, step: usize },
    /// Load the state at step `step` from slot `slot`.
    Restore { slot: usize, step: usize },
    /// The current state is the state at step `step`: run step `step` with taping and reverse it
    /// (its adjoint). Turns come for step n-1, n-2, ..., 0 in that order.
    Turn { step: usize },
    /// Done: every step has been reversed.
    Terminate,
}

/// A schedule hands out actions one at a time.
///
/// After [`Action::Terminate`] every further call returns
/// [`Action::Terminate`] again.
pub trait Schedule: Send {
    fn next(&mut self) -> Action;
}

/// Counts over the actions a schedule has handed out so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ScheduleStats {
    /// Forward steps run without taping: the sum of `to - from` over the
    /// [`Action::Advance`]s. (For [`Online`], the forward run's own steps are
    /// not actions and are not included; see [`Online::advances`].)
    pub advances: u64,
    /// States stored: [`Action::TakeShot`]s (and, for [`Online`], the stores
    /// requested by [`Online::forward_step`]).
    pub snapshots_taken: u64,
    /// [`Action::Turn`]s, i.e. steps reversed.
    pub turns: u64,
    /// The most slots holding a state that the schedule still needed at one
    /// time; all slot numbers handed out are below it.
    pub max_slots_used: usize,
}

/// The numbers that cross between JIT code and the run time's checkpoint
/// driver (`exec/checkpoint.rs`): defined once, used by the code the AD
/// transform writes and by the driver that reads them.
pub mod codes {
    /// Schemes, the third argument of `zad_ckpt_new`.
    pub const BINOMIAL: i64 = 0;
    pub const PERIODIC: i64 = 1;
    pub const ONLINE: i64 = 2;
    /// What `zad_ckpt_forward` and `zad_ckpt_next` ask JIT code to do.
    pub const TERMINATE: i64 = 0;
    pub const ADVANCE: i64 = 1;
    pub const TURN: i64 = 2;
}
