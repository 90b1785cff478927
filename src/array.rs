//! Arrays: owned results ([`Array`]), borrowed inputs ([`ArrayRef`],
//! [`Input`]) and caller-provided outputs ([`ArrayMut`]).

use crate::dtype::{DType, Scalar};
use crate::error::Error;
use crate::mem::{self, AllocError};

macro_rules! array_enums {
    ($($variant:ident $t:ty),*) => {
        /// Owned elements of one dtype. `bool` is one byte per element, as in NumPy.
        #[derive(Clone, Debug, PartialEq)]
        pub enum ArrayData {
            $($variant(Vec<$t>),)*
        }

        /// Borrowed elements of one dtype: a zero-copy view of the caller's data.
        #[derive(Clone, Copy, Debug, PartialEq)]
        pub enum ArrayRef<'a> {
            $($variant(&'a [$t]),)*
        }

        /// A caller-provided output buffer.
        #[derive(Debug)]
        pub enum ArrayMut<'a> {
            $($variant(&'a mut [$t]),)*
        }
    };
}
crate::dtype::for_each_dtype!(array_enums);

/// Number of elements of a shape: 0 if any dimension is 0 (whatever the
/// others: `(2^40, 2^40, 0)` is empty, and multiplying its dimensions in
/// order would overflow first), else their product (callers have checked
/// that it fits, as views and [`crate::layout::shapes`] do).
pub fn elements(shape: &[usize]) -> usize {
    if shape.contains(&0) { 0 } else { shape.iter().product() }
}

/// One input of an evaluation: a borrowed 1-D array, a 0-d scalar, or a
/// borrowed N-d view (any shape and strides).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Input<'a> {
    Array(ArrayRef<'a>),
    Scalar(Scalar),
    View(View<'a>),
}

/// A borrowed N-d array: elements of `data` at `offset + sum(index[d] *
/// strides[d])` for every index within `shape` (strides in elements; 0
/// repeats an element, negative walks backwards). The constructors check
/// that every element the view can reach lies inside `data`, so evaluation
/// never reads out of bounds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct View<'a> {
    data: ArrayRef<'a>,
    shape: &'a [usize],
    /// `None`: C-contiguous from element 0.
    strides: Option<&'a [isize]>,
    offset: usize,
}

/// Most dimensions of an input or result (NumPy's limit is 64).
pub const MAX_NDIM: usize = 32;

impl<'a> View<'a> {
    /// A C-contiguous (row-major) view of all of `data`.
    pub fn new(data: ArrayRef<'a>, shape: &'a [usize]) -> Result<View<'a>, Error> {
        if shape.len() > MAX_NDIM {
            return Err(Error::Input(format!("{} dimensions is more than numjet's limit of {MAX_NDIM}", shape.len())));
        }
        let n = shape.iter().try_fold(1usize, |a, &d| a.checked_mul(d));
        if n != Some(data.len()) {
            return Err(Error::Input(format!("shape {} needs {} elements, the data has {}", fmt_shape(shape), n.map_or("too many".to_string(), |n| n.to_string()), data.len())));
        }
        Ok(View { data, shape, strides: None, offset: 0 })
    }

    /// A view with explicit `strides` (in elements) whose first element is
    /// `data[offset]`. Errors if some element would fall outside `data`.
    pub fn strided(data: ArrayRef<'a>, shape: &'a [usize], strides: &'a [isize], offset: usize) -> Result<View<'a>, Error> {
        if shape.len() > MAX_NDIM {
            return Err(Error::Input(format!("{} dimensions is more than numjet's limit of {MAX_NDIM}", shape.len())));
        }
        if strides.len() != shape.len() {
            return Err(Error::Input(format!("{} strides for {} dimensions", strides.len(), shape.len())));
        }
        let empty = shape.contains(&0);
        // The lowest and highest element index the view reaches.
        // Each span is below 2^127 in magnitude; their sum is checked.
        let (mut lo, mut hi) = (Some(offset as i128), Some(offset as i128));
        if !empty {
            for (&d, &s) in shape.iter().zip(strides) {
                let span = (d as i128 - 1) * s as i128;
                if span < 0 {
                    lo = lo.and_then(|l| l.checked_add(span));
                } else {
                    hi = hi.and_then(|h| h.checked_add(span));
                }
            }
        }
        let n = shape.iter().try_fold(1usize, |a, &d| a.checked_mul(d));
        let outside = match (lo, hi) {
            (Some(lo), Some(hi)) => lo < 0 || hi >= data.len() as i128,
            _ => true,
        };
        if n.is_none() || (!empty && outside) {
            return Err(Error::Input(format!(
                "a view of shape {} with strides {:?} from element {offset} reaches outside its {} elements of data",
                fmt_shape(shape),
                strides,
                data.len()
            )));
        }
        Ok(View { data, shape, strides: Some(strides), offset })
    }

    pub fn dtype(&self) -> DType {
        self.data.dtype()
    }

    pub fn shape(&self) -> &'a [usize] {
        self.shape
    }

    /// The underlying elements (all of them, not only those in view).
    pub fn data(&self) -> ArrayRef<'a> {
        self.data
    }

    /// Strides in elements (C-contiguous ones for [`View::new`]).
    pub fn strides(&self) -> Vec<isize> {
        match self.strides {
            Some(s) => s.to_vec(),
            None => c_strides(self.shape),
        }
    }

    pub fn offset(&self) -> usize {
        self.offset
    }

    /// Number of elements in view.
    pub fn len(&self) -> usize {
        elements(self.shape)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the elements in view are exactly `data[offset..offset + len]`
    /// in C order.
    pub fn is_c_contiguous(&self) -> bool {
        let Some(s) = self.strides else { return true };
        let mut want = 1isize;
        for (&d, &st) in self.shape.iter().zip(s).rev() {
            if d != 1 && st != want {
                return false;
            }
            want = want.saturating_mul(d as isize);
        }
        true
    }
}

/// C-order (row-major) strides, in elements, of `shape`.
pub fn c_strides(shape: &[usize]) -> Vec<isize> {
    let mut s = vec![0isize; shape.len()];
    let mut acc = 1isize;
    for d in (0..shape.len()).rev() {
        s[d] = acc;
        acc = acc.saturating_mul(shape[d] as isize);
    }
    s
}

/// `(2, 3)`, `(4,)`, `()`: NumPy's way of writing a shape.
pub fn fmt_shape(shape: &[usize]) -> String {
    match shape {
        [] => "()".to_string(),
        [n] => format!("({n},)"),
        _ => format!("({})", shape.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(", ")),
    }
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
crate::dtype::for_each_dtype!(per_dtype);

macro_rules! array_impls {
    ($($variant:ident $t:ty),*) => {
        macro_rules! dispatch {
            ($self:expr, $Enum:ident, |$v:ident| $e:expr) => {
                match $self { $($Enum::$variant($v) => $e,)* }
            };
        }

        /// Rebuilds the same variant around `$e`, a function of the variant's slice.
        macro_rules! dispatch_into {
            ($self:expr, $Enum:ident, |$v:ident| $e:expr) => {
                match $self { $($Enum::$variant($v) => $Enum::$variant($e),)* }
            };
        }

        impl ArrayData {
            pub fn dtype(&self) -> DType {
                match self { $(ArrayData::$variant(_) => DType::$variant,)* }
            }

            pub fn len(&self) -> usize {
                dispatch!(self, ArrayData, |v| v.len())
            }

            pub fn is_empty(&self) -> bool {
                self.len() == 0
            }

            /// An empty buffer of `dtype` with room for `n` elements.
            pub fn with_capacity(dtype: DType, n: usize) -> ArrayData {
                match dtype { $(DType::$variant => ArrayData::$variant(Vec::with_capacity(n)),)* }
            }

            /// Appends a value, which must have this buffer's dtype.
            pub fn push(&mut self, s: Scalar) {
                match (self, s) {
                    $((ArrayData::$variant(v), Scalar::$variant(x)) => v.push(x),)*
                    (a, s) => panic!("pushing {:?} into {} buffer", s, a.dtype()),
                }
            }

            /// `n` zeros (false for bool). The memory comes zeroed from the
            /// allocator, so large buffers are not touched until written.
            pub fn zeros(dtype: DType, n: usize) -> ArrayData {
                match dtype { $(DType::$variant => ArrayData::$variant(vec![<$t>::default(); n]),)* }
            }

            /// `n` zeros like [`ArrayData::zeros`], or an error where the allocator
            /// refuses (see [`crate::mem`]): every buffer whose size comes from the
            /// input is allocated this way.
            pub fn try_zeros(dtype: DType, n: usize) -> Result<ArrayData, AllocError> {
                Ok(match dtype { $(DType::$variant => ArrayData::$variant(mem::try_zeroed(n)?),)* })
            }

            /// An empty buffer with room for `n` elements, or an error where the
            /// allocator refuses.
            pub fn try_with_capacity(dtype: DType, n: usize) -> Result<ArrayData, AllocError> {
                Ok(match dtype { $(DType::$variant => ArrayData::$variant(mem::try_vec(n)?),)* })
            }

            /// A mutable view, for [`crate::Kernel::eval_into`].
            pub fn as_mut(&mut self) -> ArrayMut<'_> {
                match self { $(ArrayData::$variant(v) => ArrayMut::$variant(v),)* }
            }

            pub fn as_ref(&self) -> ArrayRef<'_> {
                match self { $(ArrayData::$variant(v) => ArrayRef::$variant(v),)* }
            }
        }

        impl<'a> ArrayRef<'a> {
            pub fn dtype(&self) -> DType {
                match self { $(ArrayRef::$variant(_) => DType::$variant,)* }
            }

            /// Elements `start..start + len`, or `None` past the end.
            pub fn slice(&self, start: usize, len: usize) -> Option<ArrayRef<'a>> {
                let end = start.checked_add(len)?;
                Some(match *self { $(ArrayRef::$variant(v) => ArrayRef::$variant(v.get(start..end)?),)* })
            }

            /// Element `i` (panics if out of range, like slice indexing).
            pub fn get(&self, i: usize) -> Scalar {
                match self { $(ArrayRef::$variant(v) => Scalar::$variant(v[i]),)* }
            }
        }

        impl<'a> ArrayMut<'a> {
            pub fn dtype(&self) -> DType {
                match self { $(ArrayMut::$variant(_) => DType::$variant,)* }
            }

            /// Cuts the buffer into pieces of `n` elements (at least 1; the last
            /// may be shorter), each with the index of its first element.
            pub fn chunks(self, n: usize) -> Vec<(usize, ArrayMut<'a>)> {
                let n = n.max(1);
                match self {
                    $(ArrayMut::$variant(v) => v.chunks_mut(n).enumerate().map(|(k, c)| (k * n, ArrayMut::$variant(c))).collect(),)*
                }
            }

            /// Copies `src` (same dtype and length, checked by the caller) into the buffer.
            pub(crate) fn copy_from(&mut self, src: &ArrayData) {
                match (self, src) {
                    $((ArrayMut::$variant(d), ArrayData::$variant(s)) => d.copy_from_slice(s),)*
                    (d, s) => panic!("copying {} into {}", s.dtype(), d.dtype()),
                }
            }
        }
    };
}
crate::dtype::for_each_dtype!(array_impls);

impl<'a> ArrayRef<'a> {
    pub fn len(&self) -> usize {
        dispatch!(self, ArrayRef, |v| v.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The address of the first element (for the kernel ABI).
    pub(crate) fn as_ptr(&self) -> *const u8 {
        dispatch!(self, ArrayRef, |v| v.as_ptr().cast::<u8>())
    }
}

impl<'a> ArrayMut<'a> {
    pub fn len(&self) -> usize {
        dispatch!(self, ArrayMut, |v| v.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The address of the first element (for the kernel ABI).
    pub(crate) fn as_mut_ptr(&mut self) -> *mut u8 {
        dispatch!(self, ArrayMut, |v| v.as_mut_ptr().cast::<u8>())
    }

    /// A shorter borrow of the same buffer.
    pub fn reborrow(&mut self) -> ArrayMut<'_> {
        dispatch_into!(self, ArrayMut, |v| &mut v[..])
    }

    /// Elements `at..at + len` (panics past the end, like slice indexing).
    pub fn slice_mut(&mut self, at: usize, len: usize) -> ArrayMut<'_> {
        dispatch_into!(self, ArrayMut, |v| &mut v[at..at + len])
    }

    /// Splits the buffer into `parts` contiguous pieces (at most; fewer
    /// when it is short), each with the index of its first element.
    pub fn split(self, parts: usize) -> Vec<(usize, ArrayMut<'a>)> {
        let per = self.len().div_ceil(parts.max(1));
        self.chunks(per)
    }
}

impl<'a> Input<'a> {
    pub fn dtype(&self) -> DType {
        match self {
            Input::Array(a) => a.dtype(),
            Input::Scalar(s) => s.dtype(),
            Input::View(v) => v.dtype(),
        }
    }

    /// Number of dimensions (0 for a scalar).
    pub fn ndim(&self) -> usize {
        match self {
            Input::Array(_) => 1,
            Input::Scalar(_) => 0,
            Input::View(v) => v.shape().len(),
        }
    }

    /// The shape (`[]` for a scalar).
    pub fn shape(&self) -> Vec<usize> {
        match self {
            Input::Array(a) => vec![a.len()],
            Input::Scalar(_) => vec![],
            Input::View(v) => v.shape().to_vec(),
        }
    }

    /// The same input with a 0-d view as the scalar it holds: both
    /// backends read 0-d inputs as scalars, so evaluation hands them this.
    pub fn normalized(self) -> Input<'a> {
        match self {
            Input::View(v) if v.shape().is_empty() => Input::Scalar(v.data().get(v.offset())),
            x => x,
        }
    }

    /// `inputs` with every 0-d view [`Input::normalized`] (borrowed as
    /// they are when there is none).
    pub fn normalize<'s>(inputs: &'s [Input<'a>]) -> std::borrow::Cow<'s, [Input<'a>]> {
        if inputs.iter().any(|x| matches!(x, Input::View(v) if v.shape().is_empty())) {
            std::borrow::Cow::Owned(inputs.iter().map(|x| x.normalized()).collect())
        } else {
            std::borrow::Cow::Borrowed(inputs)
        }
    }
}

/// A 1-D input of all the elements.
impl<'a> From<&'a ArrayData> for Input<'a> {
    fn from(d: &'a ArrayData) -> Self {
        Input::Array(d.as_ref())
    }
}

impl<'a> From<View<'a>> for Input<'a> {
    fn from(v: View<'a>) -> Self {
        Input::View(v)
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
        let n = if shape.contains(&0) { Some(0) } else { shape.iter().try_fold(1usize, |a, &d| a.checked_mul(d)) };
        (n == Some(data.len())).then_some(Array { data, shape })
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

    /// A borrowed view, for feeding a result back in as an input: a
    /// scalar for 0-d, [`Input::Array`] for 1-D, [`Input::View`] otherwise.
    pub fn as_input(&self) -> Input<'_> {
        match self.shape.len() {
            0 => Input::Scalar(self.data.as_ref().get(0)),
            1 => Input::Array(self.data.as_ref()),
            _ => Input::View(View { data: self.data.as_ref(), shape: &self.shape, strides: None, offset: 0 }),
        }
    }

    /// The array as an N-d view (0-d arrays have shape `[]`).
    pub fn view(&self) -> View<'_> {
        View { data: self.data.as_ref(), shape: &self.shape, strides: None, offset: 0 }
    }
}
