//! The session handles of the vendor API: non-negative `INT32`s that name a table slot *and*
//! the slot's generation, so that a closed handle stays invalid when its slot is reused.
//!
//! Encoding: `handle = generation × 512 + slot`. `slot` (0–511, the vendor's largest
//! `MaxNumSess`) indexes the table; `generation` counts the sessions the slot held before,
//! modulo 2²², so every handle lies in 0…2³¹−1. A new session takes the free slot used the
//! fewest times (the lowest such slot), so the first 512 handles of a process are 0, 1, 2, …,
//! 511 as with the vendor library, and a handle is only handed out again after 2²² sessions
//! went through its slot. A program that indexes an array of `MAX_NUM_SESS` entries by handle
//! should index it by `handle % 512`.

/// Slots in the table: the vendor's largest `MaxNumSess`.
pub(crate) const SLOTS: usize = 512;
/// Generations per slot before they repeat (`SLOTS × GENERATIONS` = 2³¹).
const GENERATIONS: u32 = 1 << 22;

#[derive(Debug)]
struct Slot<T> {
    generation: u32,
    value: Option<T>,
}

/// A table of values named by generation-carrying handles.
#[derive(Debug)]
pub(crate) struct Handles<T> {
    slots: Vec<Slot<T>>,
}

impl<T> Handles<T> {
    /// An empty table.
    pub(crate) const fn new() -> Self {
        Handles { slots: Vec::new() }
    }

    fn handle(slot: usize, generation: u32) -> i32 {
        // slot < 512 and generation < 2^22: the product stays below 2^31.
        (generation as usize * SLOTS + slot) as i32
    }

    fn slot_of(handle: i32) -> Option<(usize, u32)> {
        let h = usize::try_from(handle).ok()?;
        Some((h % SLOTS, (h / SLOTS) as u32))
    }

    /// Stores `value` and returns its handle; `None` when all 512 slots are taken.
    pub(crate) fn insert(&mut self, value: T) -> Option<i32> {
        let free = self
            .slots
            .iter()
            .enumerate()
            .filter(|(_, s)| s.value.is_none())
            .min_by_key(|(i, s)| (s.generation, *i))
            .map(|(i, _)| i);
        let slot = match free {
            // A slot not created yet (generation 0) beats every reused one.
            Some(i) if self.slots[i].generation == 0 || self.slots.len() == SLOTS => i,
            _ if self.slots.len() < SLOTS => {
                self.slots.push(Slot {
                    generation: 0,
                    value: None,
                });
                self.slots.len() - 1
            }
            _ => return None,
        };
        let s = &mut self.slots[slot];
        s.value = Some(value);
        Some(Self::handle(slot, s.generation))
    }

    /// The value of `handle`, if it names a live one.
    pub(crate) fn get(&self, handle: i32) -> Option<&T> {
        let (slot, generation) = Self::slot_of(handle)?;
        let s = self.slots.get(slot)?;
        (s.generation == generation).then_some(s.value.as_ref()?)
    }

    /// Removes the value of `handle`; the handle is invalid from now on.
    pub(crate) fn remove(&mut self, handle: i32) -> Option<T> {
        let (slot, generation) = Self::slot_of(handle)?;
        let s = self.slots.get_mut(slot)?;
        if s.generation != generation {
            return None;
        }
        let v = s.value.take()?;
        s.generation = (s.generation + 1) % GENERATIONS;
        Some(v)
    }

    /// Removes every value; their handles are invalid from now on.
    pub(crate) fn drain(&mut self) -> Vec<T> {
        let mut out = Vec::new();
        for s in &mut self.slots {
            if let Some(v) = s.value.take() {
                s.generation = (s.generation + 1) % GENERATIONS;
                out.push(v);
            }
        }
        out
    }

    /// Values stored.
    pub(crate) fn len(&self) -> usize {
        self.slots.iter().filter(|s| s.value.is_some()).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_handles_are_dense_and_a_closed_handle_stays_invalid() {
        let mut t = Handles::new();
        assert_eq!(t.insert("a"), Some(0));
        assert_eq!(t.insert("b"), Some(1));
        assert_eq!(t.remove(0), Some("a"));
        // Slot 0 was used once: a never-used slot comes first.
        assert_eq!(t.insert("c"), Some(2));
        assert_eq!(t.get(0), None);
        assert_eq!(t.remove(0), None);
        assert_eq!(t.get(2), Some(&"c"));
        assert_eq!(t.len(), 2);
        assert_eq!(t.get(-1), None);
        assert_eq!(t.get(i32::MAX), None);
    }

    #[test]
    fn a_reused_slot_gets_a_new_handle() {
        let mut t = Handles::new();
        for i in 0..SLOTS {
            assert_eq!(t.insert(i), Some(i as i32));
        }
        assert_eq!(t.insert(999), None);
        assert_eq!(t.remove(7), Some(7));
        let h = t.insert(1000).unwrap();
        assert_eq!(h, (SLOTS + 7) as i32);
        assert_eq!(t.get(7), None, "the stale handle reads nothing");
        assert_eq!(t.get(h), Some(&1000));
        assert_eq!(t.remove(7), None, "the stale handle closes nothing");
        assert_eq!(t.get(h), Some(&1000));
        // Dropping everything invalidates every handle, also for the next session.
        assert_eq!(t.drain().len(), SLOTS);
        assert_eq!(t.get(h), None);
        let next = t.insert(1).unwrap();
        assert!(next != h && next >= SLOTS as i32, "{next}");
    }

    #[test]
    fn generations_wrap_below_i32_max() {
        let mut t = Handles::new();
        t.slots = (0..SLOTS)
            .map(|_| Slot {
                generation: GENERATIONS - 1,
                value: None,
            })
            .collect();
        let h = t.insert(()).unwrap();
        assert_eq!(h, i32::MAX - (SLOTS as i32 - 1));
        assert_eq!(t.remove(h), Some(()));
        // The generation of slot 0 wrapped to 0: the least used slot again.
        assert_eq!(t.insert(()), Some(0));
    }
}
