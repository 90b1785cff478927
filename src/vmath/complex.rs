//! Complex math for complex64 and complex128 (issue 13, in progress): not
//! yet reachable from programs.
