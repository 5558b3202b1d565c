//! Foreign functions: functions a kernel declares without a body
//! (`func.func private @name(...)`) and that zad finds outside the module.
//!
//! A name is resolved, in this order, from the functions registered on the
//! context ([`Registry::register`], `zad_context_register_function`), from
//! the libraries loaded on it ([`Registry::load_library`],
//! `zad_context_load_library`, `zad --load`), in the order they were
//! loaded, and from the process itself (`dlsym`). The address found is
//! handed to the JIT, so a host program need not export its symbols
//! (`-rdynamic`).
//!
//! A foreign function is called through MLIR's C interface, as zad's own
//! raw entry points are: scalars by value, each memref as a pointer to its
//! descriptor (`ZAD_MEMREF(T, R)` in zad.h), one result by value (several,
//! or a memref, through a pointer to a struct passed first).
//!
//! Derivatives of a foreign function can be registered too
//! ([`Registry::register_derivative`], `zad_context_register_derivative`):
//! they are foreign functions under names of zad's own
//! (`__zad_registered_adjoint_<name>`, `__zad_registered_tangent_<name>`),
//! which the AD names on the declaration of `<name>` (see `ad::custom`).

use crate::error::{Error, Result};
use std::{
    collections::HashMap,
    ffi::{CStr, CString, c_void},
    path::Path,
    sync::Arc,
};

/// A function registered by name on a context.
#[derive(Clone, Copy, Debug)]
pub struct ForeignFunction {
    /// The function's machine code.
    pub address: *const c_void,
}

// SAFETY: an address of code, shared read-only.
unsafe impl Send for ForeignFunction {}
// SAFETY: as above.
unsafe impl Sync for ForeignFunction {}

/// A shared library loaded with `dlopen`, closed when the last context,
/// module or compiled function that may call into it is gone.
pub struct Library {
    handle: *mut c_void,
    path: String,
}

// SAFETY: dlsym and dlclose may be called from any thread.
unsafe impl Send for Library {}
// SAFETY: as above.
unsafe impl Sync for Library {}

impl Drop for Library {
    fn drop(&mut self) {
        // SAFETY: `handle` came from dlopen and is closed once.
        unsafe { libc::dlclose(self.handle) };
    }
}

impl Library {
    /// The path it was loaded from.
    pub fn path(&self) -> &str {
        &self.path
    }

    fn symbol(&self, name: &CStr) -> Option<*mut c_void> {
        // SAFETY: a live handle and a NUL-terminated name.
        let address = unsafe { libc::dlsym(self.handle, name.as_ptr()) };
        (!address.is_null()).then_some(address)
    }
}

/// Where a name was found.
#[derive(Clone)]
pub enum Origin {
    Registered,
    /// A loaded library, kept alive by whoever holds the address.
    Library(Arc<Library>),
    Process,
}

/// A resolved foreign function.
#[derive(Clone)]
pub struct Resolved {
    pub address: *mut c_void,
    pub origin: Origin,
}

/// The foreign functions and libraries of one context.
#[derive(Default)]
pub struct Registry {
    functions: HashMap<String, ForeignFunction>,
    libraries: Vec<Arc<Library>>,
    /// Names with a registered adjoint and/or tangent.
    derivatives: HashMap<String, (bool, bool)>,
}

impl Registry {
    /// Registers `address` under `name`, replacing an earlier registration.
    /// Modules compiled from then on call it for `@name`.
    pub fn register(&mut self, name: &str, address: *const c_void) -> Result<()> {
        if name.is_empty() || name.contains('\0') {
            return Err(Error::InvalidArgument(format!("{name:?} is not a function name")));
        }
        if address.is_null() {
            return Err(Error::InvalidArgument(format!("the address registered for {name} is NULL")));
        }
        self.functions.insert(name.to_string(), ForeignFunction { address });
        Ok(())
    }

    /// Registers the adjoint and/or the tangent of the foreign function
    /// `name` (at least one; either address may be NULL). Modules compiled
    /// from then on call them when they differentiate a call of `@name`,
    /// as if its declaration had `zad.adjoint` / `zad.tangent` attributes
    /// naming them (attributes written in the text take precedence).
    pub fn register_derivative(&mut self, name: &str, adjoint: *const c_void, tangent: *const c_void) -> Result<()> {
        if name.is_empty() || name.contains('\0') {
            return Err(Error::InvalidArgument(format!("{name:?} is not a function name")));
        }
        if adjoint.is_null() && tangent.is_null() {
            return Err(Error::InvalidArgument(format!(
                "the adjoint and the tangent registered for {name} are both NULL: give at least one"
            )));
        }
        let entry = self.derivatives.entry(name.to_string()).or_default();
        if !adjoint.is_null() {
            self.functions.insert(format!("{}{name}", crate::ad::custom::REGISTERED_ADJOINT), ForeignFunction { address: adjoint });
            entry.0 = true;
        }
        if !tangent.is_null() {
            self.functions.insert(format!("{}{name}", crate::ad::custom::REGISTERED_TANGENT), ForeignFunction { address: tangent });
            entry.1 = true;
        }
        Ok(())
    }

    /// Whether `name` has a registered adjoint, and a registered tangent.
    pub fn derivatives(&self, name: &str) -> (bool, bool) {
        self.derivatives.get(name).copied().unwrap_or_default()
    }

    /// Loads a shared library (`dlopen`, symbols resolved now, kept local
    /// to zad) whose functions modules compiled from then on may call.
    pub fn load_library(&mut self, path: &Path) -> Result<()> {
        let text = path.display().to_string();
        let c_path = CString::new(text.as_bytes())
            .map_err(|_| Error::InvalidArgument(format!("{text:?} is not a valid path")))?;
        // SAFETY: a NUL-terminated path. dlerror is read right after, on
        // this thread.
        let handle = unsafe { libc::dlopen(c_path.as_ptr(), libc::RTLD_NOW | libc::RTLD_LOCAL) };
        if handle.is_null() {
            // SAFETY: dlerror returns NULL or a NUL-terminated message.
            let reason = unsafe { libc::dlerror() };
            let reason = if reason.is_null() {
                "unknown error".to_string()
            } else {
                // SAFETY: see above.
                unsafe { CStr::from_ptr(reason) }.to_string_lossy().into_owned()
            };
            return Err(Error::Io(format!("{text}: cannot load the library: {reason}")));
        }
        self.libraries.push(Arc::new(Library { handle, path: text }));
        Ok(())
    }

    /// The function registered under `name`, if any.
    pub fn registered(&self, name: &str) -> Option<&ForeignFunction> {
        self.functions.get(name)
    }

    /// The loaded libraries, in load order.
    pub fn libraries(&self) -> &[Arc<Library>] {
        &self.libraries
    }

    /// Finds `name`: registered functions first, then the libraries in load
    /// order, then the process.
    pub fn resolve(&self, name: &str) -> Option<Resolved> {
        if let Some(function) = self.functions.get(name) {
            return Some(Resolved { address: function.address.cast_mut(), origin: Origin::Registered });
        }
        let c_name = CString::new(name).ok()?;
        for library in &self.libraries {
            if let Some(address) = library.symbol(&c_name) {
                return Some(Resolved { address, origin: Origin::Library(library.clone()) });
            }
        }
        process_symbol(&c_name).map(|address| Resolved { address, origin: Origin::Process })
    }
}

/// `name` in the process: the program (if it exports its symbols) and the
/// libraries it has loaded.
pub(crate) fn process_symbol(name: &CStr) -> Option<*mut c_void> {
    // SAFETY: RTLD_DEFAULT with a NUL-terminated name.
    let address = unsafe { libc::dlsym(libc::RTLD_DEFAULT, name.as_ptr()) };
    (!address.is_null()).then_some(address)
}
