//! Memory for fresh results.

use crate::array::ArrayData;
use crate::dtype::DType;

/// `n` zeros of `dtype` for a fresh result. Zeroed memory comes from the
/// OS untouched (calloc of a large size maps fresh pages), so the pages of
/// a large result are first faulted in by the threads that write them.
pub(crate) fn zeroed(dtype: DType, n: usize) -> ArrayData {
    ArrayData::zeros(dtype, n)
}
