# CMake package of an installed zad (`make install`):
#
#   find_package(zad CONFIG REQUIRED)     # with -DCMAKE_PREFIX_PATH=<prefix>
#   target_link_libraries(app PRIVATE zad::zad)       # C and C++
#   target_link_libraries(app PRIVATE zad::fortran)   # Fortran: `use zad`
#
# zad::zad        libzad.so with the include directory of zad.h and zad.hpp.
# zad::fortran    the Fortran module `zad`, compiled by your project with its
#                 own Fortran compiler (.mod files are compiler-specific);
#                 defined when Fortran is enabled before find_package.
# ZAD_FORTRAN_SOURCE  the module's source, to compile it some other way.
#
# The package is relocatable: paths are found from this file's location.

get_filename_component(_zad_prefix "${CMAKE_CURRENT_LIST_DIR}/../../.." ABSOLUTE)
set(ZAD_FORTRAN_SOURCE "${_zad_prefix}/share/zad/fortran/zad.f90")

if(NOT TARGET zad::zad)
  add_library(zad::zad SHARED IMPORTED)
  set_target_properties(zad::zad PROPERTIES
    IMPORTED_LOCATION "${_zad_prefix}/lib/libzad.so"
    IMPORTED_SONAME "libzad.so"
    INTERFACE_INCLUDE_DIRECTORIES "${_zad_prefix}/include")
endif()

get_property(_zad_languages GLOBAL PROPERTY ENABLED_LANGUAGES)
list(FIND _zad_languages Fortran _zad_fortran_enabled)
if(NOT _zad_fortran_enabled EQUAL -1 AND NOT TARGET zad::fortran)
  set(_zad_modules "${CMAKE_CURRENT_BINARY_DIR}/zad_fortran_modules")
  add_library(zad_fortran STATIC "${ZAD_FORTRAN_SOURCE}")
  set_target_properties(zad_fortran PROPERTIES Fortran_MODULE_DIRECTORY "${_zad_modules}")
  target_include_directories(zad_fortran INTERFACE "${_zad_modules}")
  target_link_libraries(zad_fortran PUBLIC zad::zad)
  add_library(zad::fortran ALIAS zad_fortran)
  unset(_zad_modules)
endif()

unset(_zad_fortran_enabled)
unset(_zad_languages)
unset(_zad_prefix)
