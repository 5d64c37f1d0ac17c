//! `random`: CPython's Mersenne Twister (MT19937) with CPython's seeding from an int, so that
//! `random()`, `randint`, `randrange`, `choice` and `shuffle` give CPython's values for a seed.

use super::add;
use crate::builtins::arg;
use crate::objects::int::to_big;
use crate::objects::{Dict, Value, lock};
use crate::vm::{PyResult, Vm, err};
use std::sync::{Mutex, OnceLock};

struct Mt {
    state: [u32; 624],
    index: usize,
}

impl Mt {
    fn init_genrand(s: u32) -> Mt {
        let mut state = [0u32; 624];
        state[0] = s;
        for i in 1..624 {
            state[i] = 1812433253u32
                .wrapping_mul(state[i - 1] ^ (state[i - 1] >> 30))
                .wrapping_add(i as u32);
        }
        Mt { state, index: 624 }
    }

    fn init_by_array(key: &[u32]) -> Mt {
        let mut mt = Mt::init_genrand(19650218);
        let s = &mut mt.state;
        let (mut i, mut j) = (1usize, 0usize);
        let n = 624;
        let mut k = n.max(key.len());
        while k > 0 {
            s[i] = (s[i] ^ (s[i - 1] ^ (s[i - 1] >> 30)).wrapping_mul(1664525))
                .wrapping_add(key[j])
                .wrapping_add(j as u32);
            i += 1;
            j += 1;
            if i >= n {
                s[0] = s[n - 1];
                i = 1;
            }
            if j >= key.len() {
                j = 0;
            }
            k -= 1;
        }
        k = n - 1;
        while k > 0 {
            s[i] = (s[i] ^ (s[i - 1] ^ (s[i - 1] >> 30)).wrapping_mul(1566083941))
                .wrapping_sub(i as u32);
            i += 1;
            if i >= n {
                s[0] = s[n - 1];
                i = 1;
            }
            k -= 1;
        }
        s[0] = 0x8000_0000;
        mt
    }

    fn next_u32(&mut self) -> u32 {
        if self.index >= 624 {
            for i in 0..624 {
                let y = (self.state[i] & 0x8000_0000) | (self.state[(i + 1) % 624] & 0x7fff_ffff);
                let mut v = self.state[(i + 397) % 624] ^ (y >> 1);
                if y & 1 != 0 {
                    v ^= 0x9908_b0df;
                }
                self.state[i] = v;
            }
            self.index = 0;
        }
        let mut y = self.state[self.index];
        self.index += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }

    fn random(&mut self) -> f64 {
        let a = (self.next_u32() >> 5) as f64;
        let b = (self.next_u32() >> 6) as f64;
        (a * 67108864.0 + b) / 9007199254740992.0
    }

    fn getrandbits(&mut self, k: u32) -> u64 {
        if k <= 32 {
            return (self.next_u32() >> (32 - k)) as u64;
        }
        // Words are filled little end first, the last one keeping its top bits.
        let lo = self.next_u32() as u64;
        let hi = (self.next_u32() >> (64 - k.min(64))) as u64;
        lo | (hi << 32)
    }

    fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            return 0;
        }
        let k = 64 - n.leading_zeros();
        loop {
            let r = self.getrandbits(k);
            if r < n {
                return r;
            }
        }
    }
}

/// A seed that differs from run to run.
fn entropy() -> u32 {
    // In the browser std has no clock and no process id (both would panic).
    if cfg!(all(target_family = "wasm", target_os = "unknown")) {
        return crate::host::ENTROPY.load(std::sync::atomic::Ordering::Relaxed);
    }
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u32)
        .unwrap_or(5489)
        ^ std::process::id()
}

fn rng() -> &'static Mutex<Mt> {
    static RNG: OnceLock<Mutex<Mt>> = OnceLock::new();
    RNG.get_or_init(|| Mutex::new(Mt::init_by_array(&[entropy()])))
}

fn int_arg(vm: &mut Vm, a: &[Value], i: usize, name: &str) -> PyResult<i64> {
    vm.index(arg(a, i, name)?)
}

fn randbelow(n: i64) -> PyResult<i64> {
    if n <= 0 {
        return Err(err("ValueError", "empty range for randrange()"));
    }
    Ok(lock(rng()).below(n as u64) as i64)
}

pub(super) fn init(d: &Dict) {
    add(d, "seed", |_, a, _| {
        let key: Vec<u32> = match a.first() {
            None | Some(Value::None) => vec![entropy()],
            Some(v) => match to_big(v) {
                Some(b) => {
                    let (_, mut digits) = b.to_u32_digits();
                    if digits.is_empty() {
                        digits.push(0);
                    }
                    digits
                }
                None => {
                    return Err(err(
                        "NotImplementedError",
                        "the lab's Python seeds random only with ints",
                    ));
                }
            },
        };
        *lock(rng()) = Mt::init_by_array(&key);
        Ok(Value::None)
    });
    add(d, "random", |_, _, _| {
        Ok(Value::Float(lock(rng()).random()))
    });
    add(d, "uniform", |_, a, _| {
        let x = crate::objects::int::to_f64(arg(&a, 0, "uniform")?)?.unwrap_or(0.0);
        let y = crate::objects::int::to_f64(arg(&a, 1, "uniform")?)?.unwrap_or(0.0);
        Ok(Value::Float(x + (y - x) * lock(rng()).random()))
    });
    add(d, "randint", |vm, a, _| {
        let lo = int_arg(vm, &a, 0, "randint")?;
        let hi = int_arg(vm, &a, 1, "randint")?;
        Ok(Value::Int(lo + randbelow(hi - lo + 1)?))
    });
    add(d, "randrange", |vm, a, _| {
        let (start, stop) = match a.len() {
            1 => (0, int_arg(vm, &a, 0, "randrange")?),
            _ => (
                int_arg(vm, &a, 0, "randrange")?,
                int_arg(vm, &a, 1, "randrange")?,
            ),
        };
        let step = if a.len() > 2 {
            int_arg(vm, &a, 2, "randrange")?
        } else {
            1
        };
        if step == 1 {
            return Ok(Value::Int(start + randbelow(stop - start)?));
        }
        let n = (stop - start + step - step.signum()) / step;
        Ok(Value::Int(start + step * randbelow(n)?))
    });
    add(d, "choice", |vm, a, _| {
        let items = vm.to_vec(arg(&a, 0, "choice")?)?;
        if items.is_empty() {
            return Err(err("IndexError", "Cannot choose from an empty sequence"));
        }
        let i = randbelow(items.len() as i64)?;
        Ok(items[i as usize].clone())
    });
    add(d, "shuffle", |_, a, _| {
        let Value::List(l) = arg(&a, 0, "shuffle")? else {
            return Err(err("TypeError", "shuffle() needs a list"));
        };
        let mut items = l.snapshot();
        for i in (1..items.len()).rev() {
            let j = randbelow(i as i64 + 1)? as usize;
            items.swap(i, j);
        }
        *lock(&l.items) = items;
        Ok(Value::None)
    });
}
