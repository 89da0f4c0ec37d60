//! 16-bit serial-number arithmetic for DRW indexes (docs/protocol.md §3.3).
//!
//! Indexes wrap 65535 → 0; the difference of two indexes modulo 65536 is read as a signed
//! value, so "newer" means "ahead by less than half the space".

/// Signed distance `a - b` on the 16-bit circle.
#[inline]
pub fn diff(a: u16, b: u16) -> i16 {
    a.wrapping_sub(b) as i16
}

/// True when `a` comes before `b`.
#[inline]
pub fn before(a: u16, b: u16) -> bool {
    diff(a, b) < 0
}

/// Distance from `base` forward to `a`, as an unsigned offset (`a - base` modulo 65536).
#[inline]
pub fn offset(a: u16, base: u16) -> u16 {
    a.wrapping_sub(base)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps() {
        assert_eq!(diff(0, 65535), 1);
        assert_eq!(diff(65535, 0), -1);
        assert!(before(65500, 3));
        assert!(!before(3, 65500));
        assert_eq!(offset(2, 65534), 4);
    }
}
