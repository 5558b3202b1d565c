//! Where a kernel's parallel loops run: the CPU's threads, or a CUDA GPU.
//!
//! A target is chosen per context (`Context::set_target`, `zad_context_set_target`,
//! `zad run --target`) and read when a function is compiled; compiled code
//! is cached per target. Adding a target is a pipeline in `lower` and a
//! runtime module in `exec` (see `dialect/README.md`, "Targets").

use crate::error::{Error, Result};
use std::{fmt, str::FromStr};

/// A compilation target.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub enum Target {
    /// The host: `scf.parallel` loops run on the threads of LLVM's OpenMP
    /// runtime, everything else on the calling thread.
    #[default]
    Cpu,
    /// An NVIDIA GPU: `scf.parallel` loops become CUDA kernels (PTX, loaded
    /// by the CUDA driver), everything else runs on the host.
    Cuda(CudaArch),
}

/// The GPU architecture PTX is generated for: `sm_<major><minor>`, or the
/// architecture of the first device when none is named.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct CudaArch {
    pub chip: Option<String>,
}

/// The architecture `zad emit --stage ptx` uses when none is named and no
/// driver says which GPU is there (the H100/H200 generation).
pub const DEFAULT_CUDA_CHIP: &str = "sm_90";

impl CudaArch {
    /// The PTX ISA version LLVM needs for `chip` (it refuses newer chips
    /// with its default, PTX 6.0): the first version that supports it.
    pub fn ptx_features(chip: &str) -> Result<&'static str> {
        let number: u32 = chip
            .strip_prefix("sm_")
            .map(|digits| digits.trim_end_matches(['a', 'f']))
            .and_then(|digits| digits.parse().ok())
            .ok_or_else(|| Error::InvalidArgument(format!("unknown CUDA architecture '{chip}' (expected sm_XY, e.g. sm_80)")))?;
        Ok(match number {
            0..=49 => {
                return Err(Error::Unsupported(format!(
                    "CUDA architecture {chip} is too old: zad's GPU code needs sm_50 or newer"
                )));
            }
            50..=72 => "+ptx60",
            73..=75 => "+ptx63",
            76..=80 => "+ptx70",
            81..=86 => "+ptx71",
            87 => "+ptx74",
            88..=90 => "+ptx78",
            91..=100 => "+ptx86",
            _ => "+ptx87",
        })
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Cpu => f.write_str("cpu"),
            Target::Cuda(CudaArch { chip: None }) => f.write_str("cuda"),
            Target::Cuda(CudaArch { chip: Some(chip) }) => write!(f, "cuda:{chip}"),
        }
    }
}

impl FromStr for Target {
    type Err = Error;
    /// `cpu`, `cuda`, or `cuda:sm_XY` for a given GPU architecture.
    fn from_str(text: &str) -> Result<Target> {
        match text.trim() {
            "cpu" => Ok(Target::Cpu),
            "cuda" => Ok(Target::Cuda(CudaArch::default())),
            other => match other.strip_prefix("cuda:") {
                Some(chip) => {
                    CudaArch::ptx_features(chip)?;
                    Ok(Target::Cuda(CudaArch { chip: Some(chip.to_string()) }))
                }
                None => Err(Error::InvalidArgument(format!(
                    "unknown target '{other}' (known targets: cpu, cuda, cuda:sm_XY)"
                ))),
            },
        }
    }
}
