//! `npy`: any bytes as a `.npy` file. Reading gives an array or an error,
//! never a panic or an allocation beyond what the bytes hold; an array
//! that was read is consistent (shape, strides, length), converts to C
//! order, and what numjet writes of it reads back to the same bytes.

use numjet::npy::{read_bytes, to_bytes};

pub fn check(data: &[u8]) {
    let Ok(a) = read_bytes(data, "fuzz.npy") else { return };
    let n = a.shape().iter().try_fold(1usize, |p, &d| p.checked_mul(d)).expect("the element count fits");
    assert_eq!(n, a.len(), "shape {:?} and length disagree", a.shape());
    assert_eq!(a.strides().len(), a.shape().len());
    assert!(a.nbytes() <= data.len(), "{} bytes of data from a {}-byte file", a.nbytes(), data.len());
    assert_eq!(a.view().shape(), a.shape());
    let arr = a.clone().into_array();
    assert_eq!(arr.shape(), a.shape());
    assert_eq!(arr.dtype(), a.dtype());
    let bytes = to_bytes(&arr);
    let back = read_bytes(&bytes, "round trip").unwrap_or_else(|e| panic!("numjet does not read what it writes: {e}"));
    assert!(!back.is_fortran() || back.shape().len() <= 1);
    assert_eq!(to_bytes(&back.into_array()), bytes, "the round trip changed the array");
}
