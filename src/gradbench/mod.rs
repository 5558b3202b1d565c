//! GradBench (github.com/gradbench/gradbench), the benchmark suite where AD
//! tools are compared: zad's implementations of its evals and a tool that
//! speaks its protocol (`zad gradbench`), so that GradBench's own harness
//! can run zad.

pub mod evals;
pub mod protocol;

pub use evals::{DefinedModule, MODULES, Prepared};
pub use protocol::serve;

/// Makes this thread's floating-point unit flush subnormal results to zero
/// and read subnormal operands as zero (x86's FTZ and DAZ), as JAX and
/// XLA run on the CPU. On targets other than x86-64 it does nothing.
///
/// Adjoints meet subnormals where primals barely do: in gmm the weights of
/// far components underflow, and every product with them in the reverse
/// sweep is a subnormal operation, 100 times slower than a normal one
/// (gmm with D = 64: 5x the gradient time). Results change only where a
/// value falls below 2.2e-308. zad's library never changes the caller's
/// mode; the GradBench tool, a process of its own, does (`zad gradbench
/// --keep-subnormals` does not).
pub fn flush_subnormals() {
    #[cfg(target_arch = "x86_64")]
    {
        /// MXCSR's flush-to-zero (bit 15) and denormals-are-zero (bit 6).
        const FTZ_DAZ: u32 = 0x8040;
        let mut mxcsr: u32 = 0;
        // SAFETY: stmxcsr and ldmxcsr read and write this thread's SSE
        // control register through a local; setting FTZ and DAZ changes
        // rounding of subnormals only and cannot fault.
        unsafe {
            std::arch::asm!("stmxcsr [{}]", in(reg) &mut mxcsr, options(nostack));
            mxcsr |= FTZ_DAZ;
            std::arch::asm!("ldmxcsr [{}]", in(reg) &mxcsr, options(nostack));
        }
    }
}
