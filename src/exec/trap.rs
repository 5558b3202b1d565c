//! The run-time error channel: how JIT code and zad's run-time functions
//! stop a call and report an error through its status instead of aborting
//! the host process.
//!
//! Every call of a kernel goes through [`call`], which runs the packed
//! wrapper under `zad_guarded_call` (`guard.c`: a `setjmp` on a thread-local
//! jump buffer). A failed check in JIT code calls [`trap`] (registered with
//! the JIT as `zad_trap`); a run-time function that meets an error calls
//! [`raise`]. Both record the message for the thread and `longjmp` back, and
//! [`call`] returns it as an error. The frames jumped over are JIT code and
//! run-time functions that hold nothing to drop when they escape (they move
//! their message into the thread's state first), so nothing needs
//! unwinding.
//!
//! What a kernel held when it stopped is freed on that path: the buffers it
//! allocated (`memref.alloc`, preallocated tapes), its tape stacks and its
//! checkpointers. Each is tracked from creation to release while a call
//! runs (see [`track`]); the jump buffers and the tracked resources form a
//! stack per thread, so a kernel may call a foreign function that calls zad
//! again, and threads do not interfere.
//!
//! The raw entry point (`zad_function_pointer`) runs no guard: an error
//! there has no status to go to, and zad prints it and aborts.

use std::{
    cell::RefCell,
    ffi::{CStr, c_char, c_void},
    panic::{AssertUnwindSafe, catch_unwind},
};

use super::PackedFn;

unsafe extern "C" {
    /// Calls `function(args)`; 0 when it returned, 1 when it escaped.
    fn zad_guarded_call(function: PackedFn, args: *mut *mut c_void) -> i32;
    /// Whether a guarded call is running on this thread.
    fn zad_guard_active() -> i32;
    /// Jumps back to the innermost guarded call of this thread.
    fn zad_guard_escape() -> !;
}

/// Something a running kernel holds that must be freed if it stops early.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Resource {
    /// A block from `memory::allocate`.
    Block(*mut c_void),
    /// A tape stack from `runtime::tape_new`.
    Tape(usize),
    /// A checkpointer from `checkpoint::ckpt_new`.
    Checkpointer(usize),
}

#[derive(Default)]
struct CallState {
    /// Guarded calls running on this thread (nested through foreign functions).
    depth: usize,
    /// Resources made by the running calls and not yet released, the
    /// innermost call's last.
    resources: Vec<Resource>,
    /// The error of the call that is escaping.
    pending: Option<String>,
}

thread_local! {
    static STATE: RefCell<CallState> = RefCell::new(CallState::default());
}

/// Records a resource a running kernel just made (nothing outside calls).
pub(super) fn track(resource: Resource) {
    STATE.with(|state| {
        let mut state = state.borrow_mut();
        if state.depth > 0 {
            state.resources.push(resource);
        }
    });
}

/// Forgets a resource that is being released. Resources are mostly
/// released in the reverse order of their making, so the search starts at
/// the end.
pub(super) fn untrack(resource: Resource) {
    STATE.with(|state| {
        let mut state = state.borrow_mut();
        if let Some(index) = state.resources.iter().rposition(|&held| held == resource) {
            state.resources.remove(index);
        }
    });
}

/// Calls a packed wrapper with `args`, guarded: an error raised while it
/// runs comes back as `Err(message)`, after what the kernel held has been
/// freed.
///
/// # Safety
/// `args` is what `function` expects (one pointer per argument and result).
pub(crate) unsafe fn call(function: PackedFn, args: *mut *mut c_void) -> Result<(), String> {
    let mark = STATE.with(|state| {
        let mut state = state.borrow_mut();
        state.depth += 1;
        state.resources.len()
    });
    // SAFETY: `args` fits `function` (caller); guard.c restores its jump
    // buffer on both paths.
    let escaped = unsafe { zad_guarded_call(function, args) } != 0;
    let (held, message) = STATE.with(|state| {
        let mut state = state.borrow_mut();
        state.depth -= 1;
        let mark = mark.min(state.resources.len());
        let held = state.resources.split_off(mark);
        (held, if escaped { state.pending.take() } else { None })
    });
    if !escaped {
        // What is still held belongs to the results or was leaked by the
        // kernel itself, as without a guard.
        return Ok(());
    }
    for resource in held.into_iter().rev() {
        // SAFETY: the kernel made these, had not released them, and can no
        // longer use them: it has stopped.
        unsafe { release(resource) };
    }
    Err(message.unwrap_or_else(|| "a run-time error without a message (please report)".into()))
}

/// # Safety
/// `resource` is live and nothing uses it any more.
unsafe fn release(resource: Resource) {
    // SAFETY: see above.
    unsafe {
        match resource {
            Resource::Block(block) => super::memory::release(block),
            Resource::Tape(tape) => super::runtime::tape_free(tape),
            Resource::Checkpointer(handle) => super::checkpoint::ckpt_free(handle),
        }
    }
}

/// Stops the running call with `message` as its error. Callers hold
/// nothing that needs dropping (no borrows, no guards): the frames up to
/// the guarded call are left without unwinding.
pub(super) fn raise(message: String) -> ! {
    // SAFETY: reads a thread-local pointer.
    if unsafe { zad_guard_active() } == 0 {
        eprintln!("zad: run-time error in a call without a status (the raw entry point): {message}");
        std::process::abort();
    }
    STATE.with(|state| state.borrow_mut().pending = Some(message));
    // SAFETY: a guarded call is active on this thread (checked above), and
    // every frame above it is JIT code or a run-time function with nothing
    // left to drop.
    unsafe { zad_guard_escape() }
}

/// Runs the body of a run-time function: its error, or a panic (a bug in
/// zad), stops the call instead of aborting the process.
pub(super) fn run<T>(what: &str, body: impl FnOnce() -> Result<T, String>) -> T {
    let message = match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(value)) => return value,
        Ok(Err(message)) => message,
        Err(payload) => {
            let text = payload
                .downcast_ref::<&str>()
                .map(|text| text.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            format!("internal error (please report): {what}: {text}")
        }
    };
    raise(message)
}

/// `zad_trap(message, first, second)`: a check in JIT code failed. The
/// message (a NUL-terminated constant of the module) says where and what;
/// `{0}` and `{1}` in it stand for the two values.
///
/// # Safety
/// `message` is a NUL-terminated string.
pub(super) unsafe extern "C" fn trap(message: *const c_char, first: i64, second: i64) {
    // SAFETY: a constant string of the module (see `lower::checks`).
    let text = unsafe { CStr::from_ptr(message) }.to_string_lossy();
    let text = text.replace("{0}", &first.to_string()).replace("{1}", &second.to_string());
    raise(text)
}

thread_local! {
    /// The lowest address of this thread's stack, once asked for.
    static STACK_LOW: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// `zad_stack_low()`: the lowest address of the calling thread's stack, for
/// the stack checks of recursive functions (`lower::checks`). 0 when the
/// system does not say (the checks then never fire).
pub(super) extern "C" fn stack_low() -> usize {
    STACK_LOW.with(|low| {
        if low.get() == 0 {
            low.set(thread_stack_low());
        }
        low.get()
    })
}

fn thread_stack_low() -> usize {
    let mut attributes = std::mem::MaybeUninit::<libc::pthread_attr_t>::uninit();
    // SAFETY: pthread_getattr_np initialises `attributes` when it succeeds;
    // they are destroyed after the stack is read from them.
    unsafe {
        if libc::pthread_getattr_np(libc::pthread_self(), attributes.as_mut_ptr()) != 0 {
            return 0;
        }
        let (mut address, mut size) = (std::ptr::null_mut(), 0usize);
        let found = libc::pthread_attr_getstack(attributes.as_ptr(), &mut address, &mut size) == 0;
        libc::pthread_attr_destroy(attributes.as_mut_ptr());
        if found { address as usize } else { 0 }
    }
}

/// Called through a symbol the JIT could not resolve. zad refuses to hand
/// out functions that reach one (see `exec::symbols`), so this is a last
/// line of defence.
pub(super) extern "C" fn unresolved_symbol() {
    raise("a function was called whose symbol could not be resolved when the module was compiled".into())
}
