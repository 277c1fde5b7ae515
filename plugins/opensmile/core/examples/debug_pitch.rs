fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mut reader =
        hound::WavReader::open(format!("../shared/reference/egemaps/clips/{}", args[1])).unwrap();
    let rate = reader.spec().sample_rate;
    let samples: Vec<f32> = reader
        .samples::<i16>()
        .map(|s| f32::from(s.unwrap()) / 32768.0)
        .collect();
    let frame_at: usize = args[2].parse().unwrap();
    let len60 = 960;
    let mut fft = serlab_egemaps::fft::WindowedFft::new(serlab_egemaps::frames::gaussian(len60));
    let mut shs = serlab_egemaps::pitch::Shs::new(rate, fft.bins());
    let mut mag = vec![0.0; fft.bins()];
    fft.magnitudes(&samples[frame_at * 160..frame_at * 160 + len60], &mut mag);
    let frame = shs.analyse(&mag);
    for c in &frame.candidates[..frame.len] {
        println!(
            "{:.2} Hz ({:.3} st) voicing {:.3}",
            c.f0,
            12.0 * (c.f0 / 27.5).log2(),
            c.voicing
        );
    }
    if args.len() > 3 {
        shs.dump();
    }
}
