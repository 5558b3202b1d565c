/* The run-time error channel of JIT code (see src/exec/trap.rs).
 *
 * zad_guarded_call runs a kernel's packed wrapper under a setjmp on a
 * thread-local jump buffer; zad_guard_escape, called by zad's run-time
 * functions once they have recorded an error, longjmps back to it. The
 * frames jumped over are JIT code and zad run-time functions that hold
 * nothing to destroy at that point, so nothing is unwound.
 *
 * The buffers form a stack (each call saves the one it replaces), so a
 * kernel may call a foreign function that calls zad again; each thread has
 * its own. */

#include <setjmp.h>
#include <stddef.h>

typedef void (*zad_packed_fn)(void **);

static _Thread_local jmp_buf *zad_active_guard;

/* Calls fn(args); returns 0 when it returned, 1 when it escaped. */
int zad_guarded_call(zad_packed_fn fn, void **args) {
    jmp_buf guard;
    jmp_buf *volatile outer = zad_active_guard;
    if (setjmp(guard) != 0) {
        zad_active_guard = outer;
        return 1;
    }
    zad_active_guard = &guard;
    fn(args);
    zad_active_guard = outer;
    return 0;
}

/* Whether a guarded call is running on this thread. */
int zad_guard_active(void) {
    return zad_active_guard != NULL;
}

/* Jumps back to the innermost guarded call; only when one is active. */
_Noreturn void zad_guard_escape(void) {
    longjmp(*zad_active_guard, 1);
}
