//! Sample-rate conversion by linear interpolation: plenty for speech to a camera speaker
//! (8 kHz, 4-bit ADPCM), exact for equal rates, and free of dependencies.

/// Resamples `input` from `from` Hz to `to` Hz. The output has `round(len · to / from)`
/// samples; output sample `k` is the input interpolated at position `k · from / to`. Before
/// downsampling by more than 1.5× the input is low-passed with a moving average over the
/// ratio, which keeps most aliasing out of the speech band.
pub fn linear(input: &[f32], from: u32, to: u32) -> Vec<f32> {
    if input.is_empty() || from == 0 || to == 0 {
        return Vec::new();
    }
    if from == to {
        return input.to_vec();
    }
    let ratio = f64::from(from) / f64::from(to);
    let smoothed;
    let src: &[f32] = if ratio > 1.5 {
        let w = ratio.round() as usize;
        smoothed = moving_average(input, w);
        &smoothed
    } else {
        input
    };
    let n = ((input.len() as f64) / ratio).round() as usize;
    (0..n)
        .map(|k| {
            let pos = k as f64 * ratio;
            let i = pos.floor() as usize;
            let frac = (pos - i as f64) as f32;
            let a = src[i.min(src.len() - 1)];
            let b = src[(i + 1).min(src.len() - 1)];
            a + (b - a) * frac
        })
        .collect()
}

fn moving_average(input: &[f32], w: usize) -> Vec<f32> {
    let w = w.max(1);
    let mut out = Vec::with_capacity(input.len());
    let mut sum = 0.0f64;
    for (i, &x) in input.iter().enumerate() {
        sum += f64::from(x);
        if i >= w {
            sum -= f64::from(input[i - w]);
        }
        out.push((sum / (i + 1).min(w) as f64) as f32);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(freq: f64, rate: u32, secs: f64) -> Vec<f32> {
        let n = (f64::from(rate) * secs) as usize;
        (0..n)
            .map(|i| (2.0 * std::f64::consts::PI * freq * i as f64 / f64::from(rate)).sin() as f32)
            .collect()
    }

    /// Frequency estimated from zero crossings.
    fn freq(x: &[f32], rate: u32) -> f64 {
        let crossings = x.windows(2).filter(|w| w[0] < 0.0 && w[1] >= 0.0).count();
        crossings as f64 * f64::from(rate) / x.len() as f64
    }

    #[test]
    fn lengths_and_pitch_are_kept() {
        for (from, to) in [
            (44100, 8000),
            (48000, 11025),
            (8000, 8000),
            (8000, 16000),
            (22050, 8000),
        ] {
            let x = tone(440.0, from, 1.0);
            let y = linear(&x, from, to);
            assert_eq!(y.len(), to as usize, "{from}->{to}");
            let f = freq(&y, to);
            assert!((f - 440.0).abs() < 5.0, "{from}->{to}: {f} Hz");
            let peak = y.iter().fold(0f32, |m, v| m.max(v.abs()));
            assert!(peak > 0.8 && peak <= 1.0, "{from}->{to}: peak {peak}");
        }
        assert!(linear(&[], 8000, 16000).is_empty());
        assert_eq!(linear(&[0.5], 44100, 8000).len(), 0);
    }
}
