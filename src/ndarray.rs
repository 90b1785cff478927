//! Interoperation with the [`ndarray`](https://docs.rs/ndarray) crate
//! (behind the `ndarray` cargo feature, off by default).
//!
//! - [`input`](crate::ndarray::input) borrows an `ndarray` array or view of any dimension as a
//!   numjet [`Input`](crate::Input), zero-copy, whenever its elements form one block of
//!   memory in some order: C or Fortran order, transposed or permuted axes,
//!   reversed axes (negative strides), and broadcast axes (stride 0) on top
//!   of any of those. The block becomes the view's [`ArrayRef`](crate::ArrayRef) and the
//!   first element's place in it the view's offset; the strides are
//!   `ndarray`'s own (both count elements).
//! - [`arg`](crate::ndarray::arg) does the same but copies (in C order) a view whose elements
//!   are not one block, such as `a.slice(s![.., ..;2])`. numjet borrows
//!   data as a Rust slice, and a slice over the gaps of such a view would
//!   also cover elements the view does not borrow (and that safe code may
//!   be writing through another view, e.g. from `multi_slice_mut`), so
//!   those views are copied rather than borrowed: no `unsafe` here.
//! - [`to_ndarray`](crate::ndarray::to_ndarray) turns a result into an `ArrayD<T>` of the right
//!   element type (an error on a dtype mismatch); [`into_ndarray`](crate::ndarray::into_ndarray) gives an
//!   [`AnyArrayD`](crate::ndarray::AnyArrayD) for whatever dtype it has. Neither copies.
//! - [`evaluate`](crate::ndarray::evaluate) is [`crate::evaluate`] over `ndarray` inputs.
//!
//! ```
//! use ndarray::{array, s};
//! use numjet::ndarray::{arg, evaluate, input, to_ndarray};
//!
//! let m = array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]];
//! let t = m.t(); // transposed: borrowed, not copied
//! let r = numjet::evaluate("t * 2", &[("t", input(&t).unwrap())]).unwrap();
//! assert_eq!(to_ndarray::<f64>(r).unwrap(), array![[2.0, 8.0], [4.0, 10.0], [6.0, 12.0]].into_dyn());
//!
//! let every_other = m.slice(s![.., ..;2]); // not one block: copied by `arg`
//! let r = evaluate("sum(x, axis=1)", &[("x", arg(&every_other))]).unwrap();
//! assert_eq!(r.as_f64().unwrap(), &[4.0, 10.0]);
//! ```

use ::ndarray::{ArrayBase, ArrayD, Axis, Data, Dimension, IxDyn};

use crate::array::{Array, ArrayData, ArrayRef, Input, View};
use crate::dtype::{DType, F16, Scalar};
use crate::error::Error;

mod sealed {
    pub trait Sealed {}
}

/// An element type numjet computes with: `bool`, `i32`, `i64`, `f32`, `f64`.
pub trait Element: Copy + sealed::Sealed + 'static {
    /// The numjet dtype of this element type.
    const DTYPE: DType;
    #[doc(hidden)]
    fn array_ref(s: &[Self]) -> ArrayRef<'_>;
    #[doc(hidden)]
    fn scalar(self) -> Scalar;
    #[doc(hidden)]
    fn into_data(v: Vec<Self>) -> ArrayData;
    #[doc(hidden)]
    fn from_data(d: ArrayData) -> Result<Vec<Self>, ArrayData>;
}

macro_rules! element {
    ($($t:ty => $variant:ident),*) => {
        $(
            impl sealed::Sealed for $t {}
            impl Element for $t {
                const DTYPE: DType = DType::$variant;
                fn array_ref(s: &[Self]) -> ArrayRef<'_> {
                    ArrayRef::$variant(s)
                }
                fn scalar(self) -> Scalar {
                    Scalar::$variant(self)
                }
                fn into_data(v: Vec<Self>) -> ArrayData {
                    ArrayData::$variant(v)
                }
                fn from_data(d: ArrayData) -> Result<Vec<Self>, ArrayData> {
                    match d {
                        ArrayData::$variant(v) => Ok(v),
                        d => Err(d),
                    }
                }
            }
        )*
    };
}
element!(bool => Bool, i8 => Int8, i16 => Int16, i32 => Int32, i64 => Int64, u8 => UInt8, u16 => UInt16, u32 => UInt32, u64 => UInt64, F16 => Float16, f32 => Float32, f64 => Float64, crate::dtype::Complex<f32> => Complex64, crate::dtype::Complex<f64> => Complex128);

/// The block of memory holding every element of `a`, and the index of
/// `a`'s first element in it, if the elements (each counted once, stride-0
/// axes aside) fill one contiguous block.
fn block<'a, T, S, D>(a: &'a ArrayBase<S, D>) -> Option<(&'a [T], usize)>
where
    T: Element,
    S: Data<Elem = T>,
    D: Dimension,
{
    if a.is_empty() {
        return Some((&[], 0));
    }
    // A broadcast (stride 0) axis repeats the same elements: the block is
    // that of the view with the axis reduced to one index.
    let mut reduced = a.view();
    for (k, (&d, &s)) in a.shape().iter().zip(a.strides()).enumerate() {
        if s == 0 && d > 1 {
            reduced.collapse_axis(Axis(k), 0);
        }
    }
    let slice: &'a [T] = reduced.to_slice_memory_order()?;
    // Addresses, not pointer arithmetic: `as_ptr` is the first element
    // (index [0, 0, ...]), somewhere inside the block.
    let offset = (a.as_ptr() as usize).wrapping_sub(slice.as_ptr() as usize) / std::mem::size_of::<T>().max(1);
    (offset < slice.len()).then_some((slice, offset))
}

/// Borrows an `ndarray` array or view (any dimension, any element type
/// numjet has) as an input, zero-copy. 0-d arrays become scalars.
///
/// Errors if the elements are not one block of memory (a view sliced with
/// a step); [`arg`] copies those instead.
pub fn input<'a, T, S, D>(a: &'a ArrayBase<S, D>) -> Result<Input<'a>, Error>
where
    T: Element,
    S: Data<Elem = T>,
    D: Dimension,
{
    if a.ndim() == 0 {
        let x = a.iter().next().copied().ok_or_else(|| Error::Input("a 0-d array without an element".into()))?;
        return Ok(Input::Scalar(x.scalar()));
    }
    let Some((slice, offset)) = block(a) else {
        return Err(Error::Input(format!(
            "an ndarray view of shape {} with strides {:?} does not lie in one block of memory, so numjet cannot borrow it; \
             numjet::ndarray::arg copies it",
            crate::array::fmt_shape(a.shape()),
            a.strides()
        )));
    };
    Ok(Input::View(View::strided(T::array_ref(slice), a.shape(), a.strides(), offset)?))
}

/// An `ndarray` array ready to be an input: borrowed when its elements are
/// one block of memory, otherwise a C-order copy. See [`arg`].
#[derive(Clone, Debug)]
pub enum NdInput<'a> {
    Borrowed(Input<'a>),
    Copied(Copied),
}

/// The copy [`arg`] makes of a view that is not one block: its distinct
/// elements in C order, broadcast (stride 0) axes kept as such rather than
/// repeated, so the copy is never larger than the memory the view reads.
#[derive(Clone, Debug)]
pub struct Copied {
    data: ArrayData,
    shape: Vec<usize>,
    strides: Vec<isize>,
}

impl Copied {
    /// The copy as a view of the original's shape.
    pub fn view(&self) -> View<'_> {
        // Valid by construction: `data` holds the elements of `shape` with
        // its broadcast axes at length 1, in C order, and `strides` are
        // that order's strides with 0 on the broadcast axes, so every
        // index stays inside `data`.
        View::strided(self.data.as_ref(), &self.shape, &self.strides, 0).expect("a copy's strides stay inside its data")
    }
}

impl NdInput<'_> {
    /// The input to pass to [`crate::Kernel::eval`] or [`crate::evaluate`].
    pub fn input(&self) -> Input<'_> {
        match self {
            NdInput::Borrowed(i) => *i,
            NdInput::Copied(c) => Input::View(c.view()),
        }
    }

    /// Whether no element was copied.
    pub fn is_borrowed(&self) -> bool {
        matches!(self, NdInput::Borrowed(_))
    }
}

/// An `ndarray` array or view as an input: zero-copy as [`input`] where
/// possible, otherwise copied in C order (views that are not one block of
/// memory, such as `a.slice(s![..;2])`).
pub fn arg<'a, T, S, D>(a: &'a ArrayBase<S, D>) -> NdInput<'a>
where
    T: Element,
    S: Data<Elem = T>,
    D: Dimension,
{
    match input(a) {
        Ok(i) => NdInput::Borrowed(i),
        Err(_) => {
            // Copy each element once: a broadcast axis is collapsed to one
            // index and keeps stride 0 (`x.broadcast((1e6, n))` of a stepped
            // slice would otherwise copy 1e6 times its data).
            let mut reduced = a.view();
            let broadcast: Vec<bool> = a.shape().iter().zip(a.strides()).map(|(&d, &s)| s == 0 && d > 1).collect();
            for (k, &b) in broadcast.iter().enumerate() {
                if b {
                    reduced.collapse_axis(Axis(k), 0);
                }
            }
            let data = T::into_data(reduced.iter().copied().collect());
            let mut strides = vec![0isize; a.ndim()];
            let mut step = 1isize;
            for k in (0..a.ndim()).rev() {
                if !broadcast[k] {
                    strides[k] = step;
                    step *= reduced.shape()[k] as isize;
                }
            }
            NdInput::Copied(Copied { data, shape: a.shape().to_vec(), strides })
        }
    }
}

impl<'a, T, S, D> From<&'a ArrayBase<S, D>> for NdInput<'a>
where
    T: Element,
    S: Data<Elem = T>,
    D: Dimension,
{
    fn from(a: &'a ArrayBase<S, D>) -> NdInput<'a> {
        arg(a)
    }
}

impl<'a, T, S, D> TryFrom<&'a ArrayBase<S, D>> for Input<'a>
where
    T: Element,
    S: Data<Elem = T>,
    D: Dimension,
{
    type Error = Error;

    fn try_from(a: &'a ArrayBase<S, D>) -> Result<Input<'a>, Error> {
        input(a)
    }
}

/// A result as an `ArrayD<T>` with the result's shape, without copying.
/// Errors if the result's dtype is not `T`'s.
pub fn to_ndarray<T: Element>(r: Array) -> Result<ArrayD<T>, Error> {
    let dtype = r.dtype();
    let shape = r.shape().to_vec();
    let v = T::from_data(r.into_data())
        .map_err(|_| Error::Input(format!("the result is {dtype}, not {} as asked", T::DTYPE)))?;
    ArrayD::from_shape_vec(IxDyn(&shape), v).map_err(|e| Error::Input(format!("the result does not fit its shape: {e}")))
}

macro_rules! any_array {
    ($($variant:ident $t:ty),*) => {
        /// A result as an `ndarray` array of its own element type.
        #[derive(Clone, Debug, PartialEq)]
        pub enum AnyArrayD {
            $($variant(ArrayD<$t>),)*
        }

        impl AnyArrayD {
            pub fn dtype(&self) -> DType {
                match self { $(AnyArrayD::$variant(_) => DType::$variant,)* }
            }
        }

        /// A result as an `ndarray` array of its dtype, without copying.
        pub fn into_ndarray(r: Array) -> AnyArrayD {
            let shape = IxDyn(r.shape());
            let fit = "an Array's element count matches its shape";
            match r.into_data() {
                $(ArrayData::$variant(v) => AnyArrayD::$variant(ArrayD::from_shape_vec(shape, v).expect(fit)),)*
            }
        }
    };
}
crate::dtype::for_each_dtype!(any_array);

/// [`crate::evaluate`] over `ndarray` inputs made by [`arg`] (or `.into()`
/// from `&array`).
pub fn evaluate(program: &str, inputs: &[(&str, NdInput<'_>)]) -> Result<Array, Error> {
    let named: Vec<(&str, Input<'_>)> = inputs.iter().map(|(n, a)| (*n, a.input())).collect();
    crate::evaluate(program, &named)
}
