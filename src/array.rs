//! Arrays: owned results ([`Array`]), borrowed inputs ([`ArrayRef`],
//! [`Input`]) and caller-provided outputs ([`ArrayMut`]).

use crate::dtype::{DType, Scalar};

/// Owned elements of one dtype. `bool` is one byte per element, as in NumPy.
#[derive(Clone, Debug, PartialEq)]
pub enum ArrayData {
    Bool(Vec<bool>),
    Int32(Vec<i32>),
    Int64(Vec<i64>),
    Float32(Vec<f32>),
    Float64(Vec<f64>),
}

/// Borrowed elements of one dtype: a zero-copy view of the caller's data.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ArrayRef<'a> {
    Bool(&'a [bool]),
    Int32(&'a [i32]),
    Int64(&'a [i64]),
    Float32(&'a [f32]),
    Float64(&'a [f64]),
}

/// A caller-provided output buffer.
#[derive(Debug)]
pub enum ArrayMut<'a> {
    Bool(&'a mut [bool]),
    Int32(&'a mut [i32]),
    Int64(&'a mut [i64]),
    Float32(&'a mut [f32]),
    Float64(&'a mut [f64]),
}

/// One input of an evaluation: a borrowed 1-D array or a 0-d scalar.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Input<'a> {
    Array(ArrayRef<'a>),
    Scalar(Scalar),
}

macro_rules! per_dtype {
    ($($variant:ident $t:ty),*) => {
        $(
            impl<'a> From<&'a [$t]> for ArrayRef<'a> {
                fn from(s: &'a [$t]) -> Self { ArrayRef::$variant(s) }
            }
            impl<'a> From<&'a [$t]> for Input<'a> {
                fn from(s: &'a [$t]) -> Self { Input::Array(ArrayRef::$variant(s)) }
            }
            impl<'a> From<&'a Vec<$t>> for Input<'a> {
                fn from(s: &'a Vec<$t>) -> Self { Input::Array(ArrayRef::$variant(s)) }
            }
            impl<'a, const N: usize> From<&'a [$t; N]> for Input<'a> {
                fn from(s: &'a [$t; N]) -> Self { Input::Array(ArrayRef::$variant(s)) }
            }
            impl From<$t> for Input<'_> {
                fn from(v: $t) -> Self { Input::Scalar(Scalar::$variant(v)) }
            }
            impl<'a> From<&'a mut [$t]> for ArrayMut<'a> {
                fn from(s: &'a mut [$t]) -> Self { ArrayMut::$variant(s) }
            }
            impl From<Vec<$t>> for ArrayData {
                fn from(v: Vec<$t>) -> Self { ArrayData::$variant(v) }
            }
        )*
    };
}
per_dtype!(Bool bool, Int32 i32, Int64 i64, Float32 f32, Float64 f64);

macro_rules! dispatch {
    ($self:expr, $Enum:ident, |$v:ident| $e:expr) => {
        match $self {
            $Enum::Bool($v) => $e,
            $Enum::Int32($v) => $e,
            $Enum::Int64($v) => $e,
            $Enum::Float32($v) => $e,
            $Enum::Float64($v) => $e,
        }
    };
}

impl ArrayData {
    pub fn dtype(&self) -> DType {
        match self {
            ArrayData::Bool(_) => DType::Bool,
            ArrayData::Int32(_) => DType::Int32,
            ArrayData::Int64(_) => DType::Int64,
            ArrayData::Float32(_) => DType::Float32,
            ArrayData::Float64(_) => DType::Float64,
        }
    }

    pub fn len(&self) -> usize {
        dispatch!(self, ArrayData, |v| v.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// An empty buffer of `dtype` with room for `n` elements.
    pub fn with_capacity(dtype: DType, n: usize) -> ArrayData {
        match dtype {
            DType::Bool => ArrayData::Bool(Vec::with_capacity(n)),
            DType::Int32 => ArrayData::Int32(Vec::with_capacity(n)),
            DType::Int64 => ArrayData::Int64(Vec::with_capacity(n)),
            DType::Float32 => ArrayData::Float32(Vec::with_capacity(n)),
            DType::Float64 => ArrayData::Float64(Vec::with_capacity(n)),
        }
    }

    /// Appends a value, which must have this buffer's dtype.
    pub fn push(&mut self, s: Scalar) {
        match (self, s) {
            (ArrayData::Bool(v), Scalar::Bool(x)) => v.push(x),
            (ArrayData::Int32(v), Scalar::Int32(x)) => v.push(x),
            (ArrayData::Int64(v), Scalar::Int64(x)) => v.push(x),
            (ArrayData::Float32(v), Scalar::Float32(x)) => v.push(x),
            (ArrayData::Float64(v), Scalar::Float64(x)) => v.push(x),
            (a, s) => panic!("pushing {:?} into {} buffer", s, a.dtype()),
        }
    }

    /// `n` zeros (false for bool). The memory comes zeroed from the
    /// allocator, so large buffers are not touched until written.
    pub fn zeros(dtype: DType, n: usize) -> ArrayData {
        match dtype {
            DType::Bool => ArrayData::Bool(vec![false; n]),
            DType::Int32 => ArrayData::Int32(vec![0; n]),
            DType::Int64 => ArrayData::Int64(vec![0; n]),
            DType::Float32 => ArrayData::Float32(vec![0.0; n]),
            DType::Float64 => ArrayData::Float64(vec![0.0; n]),
        }
    }

    /// A mutable view, for [`crate::Kernel::eval_into`].
    pub fn as_mut(&mut self) -> ArrayMut<'_> {
        match self {
            ArrayData::Bool(v) => ArrayMut::Bool(v),
            ArrayData::Int32(v) => ArrayMut::Int32(v),
            ArrayData::Int64(v) => ArrayMut::Int64(v),
            ArrayData::Float32(v) => ArrayMut::Float32(v),
            ArrayData::Float64(v) => ArrayMut::Float64(v),
        }
    }

    pub fn as_ref(&self) -> ArrayRef<'_> {
        match self {
            ArrayData::Bool(v) => ArrayRef::Bool(v),
            ArrayData::Int32(v) => ArrayRef::Int32(v),
            ArrayData::Int64(v) => ArrayRef::Int64(v),
            ArrayData::Float32(v) => ArrayRef::Float32(v),
            ArrayData::Float64(v) => ArrayRef::Float64(v),
        }
    }
}

impl ArrayRef<'_> {
    pub fn dtype(&self) -> DType {
        match self {
            ArrayRef::Bool(_) => DType::Bool,
            ArrayRef::Int32(_) => DType::Int32,
            ArrayRef::Int64(_) => DType::Int64,
            ArrayRef::Float32(_) => DType::Float32,
            ArrayRef::Float64(_) => DType::Float64,
        }
    }

    pub fn len(&self) -> usize {
        dispatch!(self, ArrayRef, |v| v.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Element `i` (panics if out of range, like slice indexing).
    pub fn get(&self, i: usize) -> Scalar {
        match self {
            ArrayRef::Bool(v) => Scalar::Bool(v[i]),
            ArrayRef::Int32(v) => Scalar::Int32(v[i]),
            ArrayRef::Int64(v) => Scalar::Int64(v[i]),
            ArrayRef::Float32(v) => Scalar::Float32(v[i]),
            ArrayRef::Float64(v) => Scalar::Float64(v[i]),
        }
    }
}

impl ArrayMut<'_> {
    pub fn dtype(&self) -> DType {
        match self {
            ArrayMut::Bool(_) => DType::Bool,
            ArrayMut::Int32(_) => DType::Int32,
            ArrayMut::Int64(_) => DType::Int64,
            ArrayMut::Float32(_) => DType::Float32,
            ArrayMut::Float64(_) => DType::Float64,
        }
    }

    pub fn len(&self) -> usize {
        dispatch!(self, ArrayMut, |v| v.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Copies `src` (same dtype and length, checked by the caller) into the buffer.
    pub(crate) fn copy_from(&mut self, src: &ArrayData) {
        match (self, src) {
            (ArrayMut::Bool(d), ArrayData::Bool(s)) => d.copy_from_slice(s),
            (ArrayMut::Int32(d), ArrayData::Int32(s)) => d.copy_from_slice(s),
            (ArrayMut::Int64(d), ArrayData::Int64(s)) => d.copy_from_slice(s),
            (ArrayMut::Float32(d), ArrayData::Float32(s)) => d.copy_from_slice(s),
            (ArrayMut::Float64(d), ArrayData::Float64(s)) => d.copy_from_slice(s),
            (d, s) => panic!("copying {} into {}", s.dtype(), d.dtype()),
        }
    }
}

impl Input<'_> {
    pub fn dtype(&self) -> DType {
        match self {
            Input::Array(a) => a.dtype(),
            Input::Scalar(s) => s.dtype(),
        }
    }
}

/// An owned result: elements and a shape (`[]` for 0-d, `[n]` for 1-D).
#[derive(Clone, Debug, PartialEq)]
pub struct Array {
    data: ArrayData,
    shape: Vec<usize>,
}

impl Array {
    /// An array of `data` with `shape`; the element count must match.
    pub fn new(data: ArrayData, shape: Vec<usize>) -> Option<Array> {
        (shape.iter().product::<usize>() == data.len()).then_some(Array { data, shape })
    }

    /// A 0-d array holding one value.
    pub fn scalar(s: Scalar) -> Array {
        let mut data = ArrayData::with_capacity(s.dtype(), 1);
        data.push(s);
        Array { data, shape: vec![] }
    }

    /// A 1-D array.
    pub fn from_vec(data: impl Into<ArrayData>) -> Array {
        let data = data.into();
        let n = data.len();
        Array { data, shape: vec![n] }
    }

    pub fn dtype(&self) -> DType {
        self.data.dtype()
    }

    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.data.len()
    }

    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    pub fn data(&self) -> &ArrayData {
        &self.data
    }

    pub fn into_data(self) -> ArrayData {
        self.data
    }

    /// Element `i` of the flattened array.
    pub fn get(&self, i: usize) -> Option<Scalar> {
        (i < self.len()).then(|| self.data.as_ref().get(i))
    }

    /// The value of a 0-d array.
    pub fn to_scalar(&self) -> Option<Scalar> {
        if self.shape.is_empty() { self.get(0) } else { None }
    }

    pub fn as_f64(&self) -> Option<&[f64]> {
        if let ArrayData::Float64(v) = &self.data { Some(v) } else { None }
    }

    pub fn as_f32(&self) -> Option<&[f32]> {
        if let ArrayData::Float32(v) = &self.data { Some(v) } else { None }
    }

    pub fn as_i64(&self) -> Option<&[i64]> {
        if let ArrayData::Int64(v) = &self.data { Some(v) } else { None }
    }

    pub fn as_i32(&self) -> Option<&[i32]> {
        if let ArrayData::Int32(v) = &self.data { Some(v) } else { None }
    }

    pub fn as_bool(&self) -> Option<&[bool]> {
        if let ArrayData::Bool(v) = &self.data { Some(v) } else { None }
    }

    /// A borrowed view, for feeding a result back in as an input.
    pub fn as_input(&self) -> Input<'_> {
        match self.to_scalar() {
            Some(s) => Input::Scalar(s),
            None => Input::Array(self.data.as_ref()),
        }
    }
}
