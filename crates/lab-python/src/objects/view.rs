//! Dict views (`d.keys()`, `d.values()`, `d.items()`): live views over the dict.

use super::{Dict, Iter, NativeObject, Value};
use crate::vm::{Kwargs, PyResult, Vm, err};
use std::sync::Arc;

/// Which view.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum ViewKind {
    /// `keys()`
    Keys,
    /// `values()`
    Values,
    /// `items()`
    Items,
}

/// A view of a dict.
pub struct DictView {
    /// The dict.
    pub dict: Arc<Dict>,
    /// Which view.
    pub kind: ViewKind,
}

impl DictView {
    fn items(&self) -> Vec<Value> {
        match self.kind {
            ViewKind::Keys => self.dict.keys(),
            ViewKind::Values => self.dict.items().into_iter().map(|(_, v)| v).collect(),
            ViewKind::Items => self
                .dict
                .items()
                .into_iter()
                .map(|(k, v)| Value::tuple(vec![k, v]))
                .collect(),
        }
    }
}

impl NativeObject for DictView {
    fn type_name(&self) -> &'static str {
        match self.kind {
            ViewKind::Keys => "dict_keys",
            ViewKind::Values => "dict_values",
            ViewKind::Items => "dict_items",
        }
    }

    fn call_method(&self, vm: &mut Vm, name: &str, a: Vec<Value>, _: Kwargs) -> PyResult<Value> {
        match name {
            "__iter__" => Ok(Iter::seq(self.items().into())),
            "__len__" => Ok(Value::Int(self.dict.len() as i64)),
            "__contains__" => {
                let x = a.first().cloned().unwrap_or(Value::None);
                if self.kind == ViewKind::Keys {
                    let k = vm.key(&x)?;
                    return Ok(Value::Bool(self.dict.get(&k).is_some()));
                }
                for v in self.items() {
                    if vm.eq(&v, &x)? {
                        return Ok(Value::Bool(true));
                    }
                }
                Ok(Value::Bool(false))
            }
            "__repr__" => {
                let inner = vm.repr(&Value::list(self.items()))?;
                Ok(Value::str(&format!("{}({inner})", self.type_name())))
            }
            _ => Err(err(
                "AttributeError",
                &format!("'{}' object has no attribute '{name}'", self.type_name()),
            )),
        }
    }

    fn has_method(&self, name: &str) -> bool {
        matches!(name, "__iter__" | "__len__" | "__contains__")
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}
