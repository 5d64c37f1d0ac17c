//! The order in which CPython iterates a set of numbers. Python makes no promise about set
//! order, but learners print sets of small ints and expect `{1, 2, 3}`; CPython's order comes
//! from its open-addressing table, which this replays (insertions only: a set that had
//! removals may differ). Sets holding other values keep insertion order.

use super::Value;

const LINEAR_PROBES: usize = 9;
const PERTURB_SHIFT: u32 = 5;

/// Slot of `hash` in a table being filled without dummies (`set_insert_clean`).
fn insert_clean(table: &mut [Option<usize>], hash: u64, item: usize) {
    let mask = table.len() - 1;
    let mut perturb = hash;
    let mut i = (hash as usize) & mask;
    loop {
        if table[i].is_none() {
            table[i] = Some(item);
            return;
        }
        if i + LINEAR_PROBES <= mask {
            for j in 1..=LINEAR_PROBES {
                if table[i + j].is_none() {
                    table[i + j] = Some(item);
                    return;
                }
            }
        }
        perturb >>= PERTURB_SHIFT;
        i = (i * 5 + 1 + perturb as usize) & mask;
    }
}

/// The positions (into `items`) in CPython's iteration order, or `None` when some item's
/// hash is not deterministic across runs (strings) or not known here.
pub fn cpython_order(items: &[Value]) -> Option<Vec<usize>> {
    let hashes: Vec<u64> = items
        .iter()
        .map(|v| match v {
            Value::Int(_) | Value::BigInt(_) | Value::Bool(_) | Value::Float(_) => {
                crate::builtins::numeric_hash(v).map(|h| h as u64)
            }
            _ => None,
        })
        .collect::<Option<_>>()?;
    let mut table: Vec<Option<usize>> = vec![None; 8];
    let mut used = 0usize;
    for (item, &hash) in hashes.iter().enumerate() {
        // Items are distinct keys already, so each insertion lands in an unused slot.
        insert_clean(&mut table, hash, item);
        used += 1;
        let mask = table.len() - 1;
        if used * 5 >= mask * 3 {
            let minused = if used > 50000 { used * 2 } else { used * 4 };
            let mut size = 8;
            while size <= minused {
                size <<= 1;
            }
            let old = std::mem::replace(&mut table, vec![None; size]);
            for it in old.into_iter().flatten() {
                insert_clean(&mut table, hashes[it], it);
            }
        }
    }
    Some(table.into_iter().flatten().collect())
}
