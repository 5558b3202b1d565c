//! The host runtime of the CUDA target, on NVIDIA's driver API through
//! `cudarc` (loaded at run time: zad builds, and runs on the CPU, without
//! CUDA; with no driver the CUDA target is a clear `Unsupported` error).
//!
//! - The `mgpu*` functions MLIR's `gpu-to-llvm` lowering and its
//!   `gpu.binary` translation call (module load from PTX, kernel launch,
//!   streams), which MLIR's own `libmlir_cuda_runtime` provides upstream
//!   and Debian does not ship.
//! - Buffers: every `memref.alloc` of a CUDA function is CUDA managed
//!   memory, reachable from the host code and the kernels alike.
//! - Host arrays passed to a call are copied into managed memory and back
//!   (`Staging`); the device-pointer entry point passes them through.
//!
//! The `mgpu*` functions cannot return an error to the JIT code that calls
//! them: the first failure of a call is kept in a per-thread slot, later
//! GPU operations of that call are skipped, and the call reports the
//! failure when it returns (`take_error`). Compiling is such a call: the
//! JIT engine's initialisation loads the kernels (a global constructor
//! calls `mgpuModuleLoadJIT`), which is where a missing driver is found
//! and reported ("no CUDA driver", `Unsupported`).

use crate::error::{Error, Result};
use cudarc::driver::sys::{self as cu, CUresult};
use parking_lot::Mutex;
use std::{
    cell::RefCell,
    collections::HashSet,
    ffi::{CStr, c_char, c_void},
    sync::{
        OnceLock,
        atomic::{AtomicUsize, Ordering},
    },
};

/// The driver's context on the first GPU, shared by every CUDA function
/// of the process.
struct Device {
    context: cu::CUcontext,
    chip: String,
}

// SAFETY: a CUDA context handle may be made current on any thread.
unsafe impl Send for Device {}
// SAFETY: as above.
unsafe impl Sync for Device {}

static DEVICE: OnceLock<std::result::Result<Device, String>> = OnceLock::new();

/// The first GPU, initialised once; an `Unsupported` error saying why when
/// there is no driver or no GPU.
fn device() -> Result<&'static Device> {
    DEVICE.get_or_init(open_device).as_ref().map_err(|why| Error::Unsupported(why.clone()))
}

fn open_device() -> std::result::Result<Device, String> {
    // SAFETY: probing for the library only loads and unloads it.
    if !unsafe { cu::is_culib_present() } {
        return Err("no CUDA driver: the CUDA target needs NVIDIA's driver library (libcuda.so.1), which is not \
                    installed or not on the library path (PTX is produced without it: zad emit --stage ptx)"
            .to_string());
    }
    // SAFETY: the driver library is present (checked above); every call
    // gets valid out-pointers.
    unsafe {
        check(cu::cuInit(0), "initialising the CUDA driver")?;
        let mut count = 0;
        check(cu::cuDeviceGetCount(&mut count), "counting GPUs")?;
        if count < 1 {
            return Err("no CUDA device: the driver is installed but sees no GPU".to_string());
        }
        let mut device = 0;
        check(cu::cuDeviceGet(&mut device, 0), "opening GPU 0")?;
        let (mut major, mut minor) = (0, 0);
        check(cu::cuDeviceGetAttribute(&mut major, cu::CUdevice_attribute::CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, device), "reading GPU 0's architecture")?;
        check(cu::cuDeviceGetAttribute(&mut minor, cu::CUdevice_attribute::CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, device), "reading GPU 0's architecture")?;
        let mut managed = 0;
        check(cu::cuDeviceGetAttribute(&mut managed, cu::CUdevice_attribute::CU_DEVICE_ATTRIBUTE_MANAGED_MEMORY, device), "reading GPU 0's attributes")?;
        if managed == 0 {
            return Err("GPU 0 has no managed memory, which zad's CUDA target uses for its buffers".to_string());
        }
        let mut context = std::ptr::null_mut();
        check(cu::cuDevicePrimaryCtxRetain(&mut context, device), "creating a context on GPU 0")?;
        Ok(Device { context, chip: format!("sm_{major}{minor}") })
    }
}

/// The architecture of the first GPU (`sm_90`), when a driver and a GPU are there.
pub fn device_chip() -> Option<String> {
    device().ok().map(|device| device.chip.clone())
}

/// Checks that the CUDA target can run here: the driver and a GPU.
fn require_device() -> Result<()> {
    device().map(|_| ())
}

/// The driver's message for a failed call.
fn describe(result: CUresult, what: &str) -> String {
    let mut text: *const c_char = std::ptr::null();
    // SAFETY: cuGetErrorString writes a pointer to a static string (or
    // leaves it null for an unknown code).
    let name = unsafe {
        cu::cuGetErrorString(result, &mut text);
        if text.is_null() { format!("{result:?}") } else { CStr::from_ptr(text).to_string_lossy().into_owned() }
    };
    format!("CUDA: {what} failed: {name}")
}

fn check(result: CUresult, what: &str) -> std::result::Result<(), String> {
    if result == CUresult::CUDA_SUCCESS { Ok(()) } else { Err(describe(result, what)) }
}

thread_local! {
    /// The first failure of a GPU operation on this thread since the last
    /// `take_error`.
    static FAILURE: RefCell<Option<Error>> = const { RefCell::new(None) };
}

fn failed() -> bool {
    FAILURE.with(|failure| failure.borrow().is_some())
}

fn record(result: CUresult, what: &str) -> bool {
    if result == CUresult::CUDA_SUCCESS {
        return true;
    }
    fail(Error::Compile(describe(result, what)));
    false
}

/// Keeps `error` as this thread's failure unless one is kept already.
fn fail(error: Error) {
    FAILURE.with(|failure| {
        failure.borrow_mut().get_or_insert(error);
    });
}

/// The first GPU failure on this thread since the last call.
pub(crate) fn take_error() -> Result<()> {
    match FAILURE.with(|failure| failure.borrow_mut().take()) {
        None => Ok(()),
        Some(error) => Err(error),
    }
}

/// Makes the device's context current on this thread (the calling thread
/// of a kernel may be any thread of the host program).
fn make_current() -> bool {
    match device() {
        // SAFETY: a context retained by `open_device`, never released.
        Ok(device) => record(unsafe { cu::cuCtxSetCurrent(device.context) }, "making the GPU's context current"),
        Err(error) => {
            fail(error);
            false
        }
    }
}

// --- MLIR's GPU runtime interface --------------------------------------

/// `mgpuModuleLoadJIT(ptx, optLevel)`: the global constructor of a
/// `gpu.binary` holding PTX (a NUL-terminated string) loads it.
unsafe extern "C" fn module_load_jit(data: *const c_void, _opt_level: i32) -> *mut c_void {
    if failed() || !make_current() {
        return std::ptr::null_mut();
    }
    let mut module = std::ptr::null_mut();
    // SAFETY: `data` is the NUL-terminated PTX embedded in the JIT code.
    let ok = record(unsafe { cu::cuModuleLoadData(&mut module, data) }, "loading the kernels' PTX");
    if ok { module.cast() } else { std::ptr::null_mut() }
}

/// `mgpuModuleLoad(data, size)`: as `mgpuModuleLoadJIT` (binary formats).
unsafe extern "C" fn module_load(data: *const c_void, _size: i64) -> *mut c_void {
    // SAFETY: as above.
    unsafe { module_load_jit(data, 0) }
}

/// `mgpuModuleUnload(module)`.
unsafe extern "C" fn module_unload(module: *mut c_void) {
    if !module.is_null() && make_current() {
        // SAFETY: a module from `module_load_jit`, unloaded once (by the
        // engine's global destructor).
        record(unsafe { cu::cuModuleUnload(module.cast()) }, "unloading kernels");
    }
}

/// `mgpuModuleGetFunction(module, name)`.
unsafe extern "C" fn module_get_function(module: *mut c_void, name: *const c_char) -> *mut c_void {
    if module.is_null() || failed() {
        return std::ptr::null_mut();
    }
    let mut function = std::ptr::null_mut();
    // SAFETY: a live module and the kernel's NUL-terminated name.
    let ok = record(unsafe { cu::cuModuleGetFunction(&mut function, module.cast(), name) }, "finding a kernel");
    if ok { function.cast() } else { std::ptr::null_mut() }
}

/// `mgpuStreamCreate()`.
extern "C" fn stream_create() -> *mut c_void {
    if failed() || !make_current() {
        return std::ptr::null_mut();
    }
    let mut stream = std::ptr::null_mut();
    // SAFETY: a valid out-pointer; the flag value is the driver's.
    let ok = record(unsafe { cu::cuStreamCreate(&mut stream, cu::CUstream_flags::CU_STREAM_NON_BLOCKING as u32) }, "creating a stream");
    if ok { stream.cast() } else { std::ptr::null_mut() }
}

/// `mgpuStreamSynchronize(stream)`.
unsafe extern "C" fn stream_synchronize(stream: *mut c_void) {
    if !stream.is_null() && !failed() {
        // SAFETY: a live stream from `stream_create`.
        record(unsafe { cu::cuStreamSynchronize(stream.cast()) }, "running a kernel");
    }
}

/// `mgpuStreamDestroy(stream)`.
unsafe extern "C" fn stream_destroy(stream: *mut c_void) {
    if !stream.is_null() {
        // SAFETY: a live stream from `stream_create`, destroyed once.
        record(unsafe { cu::cuStreamDestroy_v2(stream.cast()) }, "destroying a stream");
    }
}

/// `mgpuLaunchKernel(function, grid xyz, block xyz, shared bytes, stream,
/// params, extra, param count)`. An empty grid (a parallel loop with no
/// iterations) launches nothing.
#[allow(clippy::too_many_arguments)]
unsafe extern "C" fn launch_kernel(
    function: *mut c_void,
    grid_x: i64,
    grid_y: i64,
    grid_z: i64,
    block_x: i64,
    block_y: i64,
    block_z: i64,
    shared_bytes: i32,
    stream: *mut c_void,
    params: *mut *mut c_void,
    extra: *mut *mut c_void,
    _param_count: i64,
) {
    if function.is_null() || stream.is_null() || failed() {
        return;
    }
    let dims = [grid_x, grid_y, grid_z, block_x, block_y, block_z];
    if dims.iter().any(|&dim| dim <= 0) {
        return;
    }
    let Some(dims) = dims.iter().map(|&dim| u32::try_from(dim).ok()).collect::<Option<Vec<u32>>>() else {
        fail(Error::Unsupported(format!(
            "CUDA: a parallel loop needs a grid of {grid_x} x {grid_y} x {grid_z} blocks, more than CUDA allows"
        )));
        return;
    };
    // SAFETY: a live kernel and stream; `params` holds one pointer per
    // kernel parameter (built by MLIR's lowering for this kernel).
    let result = unsafe {
        cu::cuLaunchKernel(function.cast(), dims[0], dims[1], dims[2], dims[3], dims[4], dims[5], shared_bytes.max(0) as u32, stream.cast(), params, extra)
    };
    record(result, "launching a kernel");
}

// --- Managed memory ------------------------------------------------------

/// Blocks of managed memory alive, so that `memory::release` (which frees
/// the memref results of every call) can tell them from malloc blocks.
static MANAGED: Mutex<Option<HashSet<usize>>> = Mutex::new(None);
static MANAGED_COUNT: AtomicUsize = AtomicUsize::new(0);

/// Managed memory of `size` bytes (aligned to 256 bytes at least), or null
/// with the failure recorded.
fn allocate_managed(size: usize) -> *mut c_void {
    if !make_current() {
        return std::ptr::null_mut();
    }
    let mut pointer: cu::CUdeviceptr = 0;
    // SAFETY: a valid out-pointer; the flag is the driver's.
    let ok = record(
        unsafe { cu::cuMemAllocManaged(&mut pointer, size.max(1), cu::CUmemAttach_flags::CU_MEM_ATTACH_GLOBAL as u32) },
        "allocating managed memory",
    );
    if !ok {
        return std::ptr::null_mut();
    }
    MANAGED.lock().get_or_insert_with(HashSet::new).insert(pointer as usize);
    MANAGED_COUNT.fetch_add(1, Ordering::Relaxed);
    pointer as *mut c_void
}

/// Frees `block` if it is managed memory; false if it is not.
pub(crate) fn release_if_managed(block: *mut c_void) -> bool {
    if MANAGED_COUNT.load(Ordering::Relaxed) == 0 {
        return false;
    }
    let removed = MANAGED.lock().as_mut().is_some_and(|blocks| blocks.remove(&(block as usize)));
    if removed {
        MANAGED_COUNT.fetch_sub(1, Ordering::Relaxed);
        make_current();
        // SAFETY: a block from `allocate_managed`, freed once (removed
        // from the set above).
        record(unsafe { cu::cuMemFree_v2(block as cu::CUdeviceptr) }, "freeing managed memory");
    }
    removed
}

extern "C" fn allocate(size: usize) -> *mut c_void {
    allocate_managed(size)
}

extern "C" fn allocate_aligned(alignment: usize, size: usize) -> *mut c_void {
    // Managed blocks are aligned to at least 256 bytes; larger alignments
    // are over-allocated and the aligned pointer is kept in the descriptor
    // by MLIR (the allocated one is freed).
    if alignment <= 256 { allocate_managed(size) } else { allocate_managed(size + alignment) }
}

unsafe extern "C" fn release(block: *mut c_void) {
    if !block.is_null() && !release_if_managed(block) {
        // SAFETY: not managed, so one of zad's malloc blocks.
        unsafe { super::memory::release(block) };
    }
}

/// The symbols of the CUDA runtime, for the JIT engines of the CUDA
/// target (they replace the allocator's).
pub(super) fn symbols() -> Vec<(&'static str, *mut c_void)> {
    vec![
        ("mgpuModuleLoadJIT", module_load_jit as *mut c_void),
        ("mgpuModuleLoad", module_load as *mut c_void),
        ("mgpuModuleUnload", module_unload as *mut c_void),
        ("mgpuModuleGetFunction", module_get_function as *mut c_void),
        ("mgpuStreamCreate", stream_create as *mut c_void),
        ("mgpuStreamSynchronize", stream_synchronize as *mut c_void),
        ("mgpuStreamDestroy", stream_destroy as *mut c_void),
        ("mgpuLaunchKernel", launch_kernel as *mut c_void),
        ("_mlir_memref_to_llvm_alloc", allocate as *mut c_void),
        ("_mlir_memref_to_llvm_aligned_alloc", allocate_aligned as *mut c_void),
        ("_mlir_memref_to_llvm_free", release as *mut c_void),
    ]
}

// --- Checkpoint snapshots of GPU buffers ---------------------------------

/// Whether `pointer` starts a managed buffer that a CUDA function
/// allocated (its state lives on the GPU between kernels).
pub(crate) fn is_managed(pointer: *const u8) -> bool {
    MANAGED_COUNT.load(Ordering::Relaxed) > 0 && MANAGED.lock().as_ref().is_some_and(|blocks| blocks.contains(&(pointer as usize)))
}

/// Device memory holding a checkpoint snapshot of a managed buffer, so that
/// taking and restoring it copies on the GPU instead of moving the
/// buffer's pages to the host and back. Freed when dropped.
pub(crate) struct DeviceSnapshot {
    pointer: cu::CUdeviceptr,
    bytes: usize,
}

impl DeviceSnapshot {
    pub(crate) fn new(bytes: usize) -> std::result::Result<DeviceSnapshot, String> {
        device().map_err(|error| error.to_string())?;
        let mut pointer: cu::CUdeviceptr = 0;
        // SAFETY: the context is current (make_current) and `pointer` a
        // valid out-pointer.
        check_current(|| unsafe { cu::cuMemAlloc_v2(&mut pointer, bytes.max(1)) }, "allocating a checkpoint snapshot on the GPU")?;
        Ok(DeviceSnapshot { pointer, bytes })
    }

    pub(crate) fn bytes(&self) -> usize {
        self.bytes
    }

    /// Copies `self.bytes()` bytes of managed memory from `source` in.
    pub(crate) fn take(&self, source: *const u8) -> std::result::Result<(), String> {
        // SAFETY: `source` is a managed buffer of at least `bytes` bytes
        // (a registered state region) and the snapshot is as long; with
        // unified addressing a managed pointer is a device pointer.
        check_current(|| unsafe { cu::cuMemcpy(self.pointer, source as cu::CUdeviceptr, self.bytes) }, "taking a checkpoint snapshot")?;
        synchronize()
    }

    /// Copies the snapshot back into managed memory at `target`.
    pub(crate) fn restore(&self, target: *mut u8) -> std::result::Result<(), String> {
        // SAFETY: as in `take`, the other way.
        check_current(|| unsafe { cu::cuMemcpy(target as cu::CUdeviceptr, self.pointer, self.bytes) }, "restoring a checkpoint snapshot")?;
        synchronize()
    }
}

impl Drop for DeviceSnapshot {
    fn drop(&mut self) {
        // SAFETY: memory from cuMemAlloc_v2, freed once.
        let _ = check_current(|| unsafe { cu::cuMemFree_v2(self.pointer) }, "freeing a checkpoint snapshot");
    }
}

/// Runs a driver call with the device's context current.
fn check_current(call: impl FnOnce() -> CUresult, what: &str) -> std::result::Result<(), String> {
    let device = device().map_err(|error| error.to_string())?;
    // SAFETY: a context retained by `open_device`, never released.
    check(unsafe { cu::cuCtxSetCurrent(device.context) }, "making the GPU's context current")?;
    check(call(), what)
}

/// Waits for the GPU (a device-to-device copy does not wait by itself).
fn synchronize() -> std::result::Result<(), String> {
    // SAFETY: no arguments; the context is current (check_current).
    check_current(|| unsafe { cu::cuCtxSynchronize() }, "waiting for the GPU")
}

// --- Copying host arrays in and out -------------------------------------

/// One array argument: where it is and how it is laid out.
pub(crate) struct HostArray {
    pub data: *mut c_void,
    pub element_size: usize,
    pub shape: Vec<i64>,
    pub strides: Vec<i64>,
}

impl HostArray {
    /// The bytes `[first, end)` the array's elements occupy, or None when
    /// it has none.
    fn span(&self) -> Option<(usize, usize)> {
        if self.shape.iter().any(|&size| size <= 0) {
            return None;
        }
        let (mut low, mut high) = (0i64, 0i64);
        for (&size, &stride) in self.shape.iter().zip(&self.strides) {
            let reach = (size - 1) * stride;
            if reach < 0 { low += reach } else { high += reach }
        }
        let base = self.data as usize as i64;
        let size = self.element_size as i64;
        Some(((base + low * size) as usize, (base + (high + 1) * size) as usize))
    }
}

/// The managed copies of a call's host arrays: arrays whose memory
/// overlaps share one copy, so that aliasing is the same on the GPU.
pub(crate) struct Staging<'a> {
    arrays: &'a [HostArray],
    /// (first host byte, end, managed copy of [first, end)).
    groups: Vec<(usize, usize, *mut u8)>,
}

impl<'a> Staging<'a> {
    /// Copies `arrays` into managed memory.
    pub(crate) fn new(arrays: &'a [HostArray]) -> Result<Staging<'a>> {
        require_device()?;
        let mut spans: Vec<(usize, usize)> = arrays.iter().filter_map(HostArray::span).collect();
        spans.sort();
        let mut merged: Vec<(usize, usize)> = Vec::new();
        for (first, end) in spans {
            match merged.last_mut() {
                Some(last) if first < last.1 => last.1 = last.1.max(end),
                _ => merged.push((first, end)),
            }
        }
        let mut staging = Staging { arrays, groups: Vec::new() };
        for (first, end) in merged {
            let copy = allocate_managed(end - first).cast::<u8>();
            if copy.is_null() {
                take_error()?;
                return Err(Error::Internal("managed allocation failed without a CUDA error".into()));
            }
            // SAFETY: the host span holds the caller's arrays (readable,
            // as `push_array` requires); the copy is as long.
            unsafe { std::ptr::copy_nonoverlapping(first as *const u8, copy, end - first) };
            staging.groups.push((first, end, copy));
        }
        Ok(staging)
    }

    /// Where the kernel finds the array whose host data is at `data`.
    pub(crate) fn relocate(&self, data: *mut c_void) -> *mut c_void {
        let address = data as usize;
        self.groups
            .iter()
            .find(|(first, end, _)| (*first..*end).contains(&address))
            // SAFETY: `address` lies in the group, so the offset is in the copy.
            .map_or(data, |(first, _, copy)| unsafe { copy.add(address - first) }.cast())
    }

    /// Copies every element of every array back to the host.
    pub(crate) fn copy_back(&self) {
        for array in self.arrays {
            let source = self.relocate(array.data).cast::<u8>();
            let size = array.element_size as i64;
            for_each_element(&array.shape, &array.strides, |offset| {
                // SAFETY: the element lies in the array (inside its shape),
                // in the host memory and in its copy alike.
                unsafe {
                    std::ptr::copy_nonoverlapping(
                        source.offset((offset * size) as isize),
                        array.data.cast::<u8>().offset((offset * size) as isize),
                        array.element_size,
                    )
                }
            });
        }
    }
}

impl Drop for Staging<'_> {
    fn drop(&mut self) {
        for &(_, _, copy) in &self.groups {
            release_if_managed(copy.cast());
        }
    }
}

/// Calls `visit` with the offset (in elements) of every element of an
/// array of `shape` and `strides`.
fn for_each_element(shape: &[i64], strides: &[i64], mut visit: impl FnMut(i64)) {
    if shape.iter().any(|&size| size <= 0) {
        return;
    }
    let mut index = vec![0i64; shape.len()];
    loop {
        visit(index.iter().zip(strides).map(|(i, s)| i * s).sum());
        let mut dim = shape.len();
        loop {
            if dim == 0 {
                return;
            }
            dim -= 1;
            index[dim] += 1;
            if index[dim] < shape[dim] {
                break;
            }
            index[dim] = 0;
        }
    }
}
