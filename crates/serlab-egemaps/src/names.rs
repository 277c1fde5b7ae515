//! Feature names exactly as openSMILE writes them for eGeMAPSv02, built from the descriptor and
//! functional names of the parameter set.

pub const LLD_NAMES: [&str; 25] = [
    "Loudness_sma3",
    "alphaRatio_sma3",
    "hammarbergIndex_sma3",
    "slope0-500_sma3",
    "slope500-1500_sma3",
    "spectralFlux_sma3",
    "mfcc1_sma3",
    "mfcc2_sma3",
    "mfcc3_sma3",
    "mfcc4_sma3",
    "F0semitoneFrom27.5Hz_sma3nz",
    "jitterLocal_sma3nz",
    "shimmerLocaldB_sma3nz",
    "HNRdBACF_sma3nz",
    "logRelF0-H1-H2_sma3nz",
    "logRelF0-H1-A3_sma3nz",
    "F1frequency_sma3nz",
    "F1bandwidth_sma3nz",
    "F1amplitudeLogRelF0_sma3nz",
    "F2frequency_sma3nz",
    "F2bandwidth_sma3nz",
    "F2amplitudeLogRelF0_sma3nz",
    "F3frequency_sma3nz",
    "F3bandwidth_sma3nz",
    "F3amplitudeLogRelF0_sma3nz",
];

const TEN: [&str; 10] = [
    "amean",
    "stddevNorm",
    "percentile20.0",
    "percentile50.0",
    "percentile80.0",
    "pctlrange0-2",
    "meanRisingSlope",
    "stddevRisingSlope",
    "meanFallingSlope",
    "stddevFallingSlope",
];

/// The 88 functional names, in openSMILE's order (the order of [`crate::functionals`]).
pub fn functional_names() -> Vec<String> {
    let mut names = Vec::with_capacity(88);
    for base in ["F0semitoneFrom27.5Hz_sma3nz", "loudness_sma3"] {
        names.extend(TEN.iter().map(|f| format!("{base}_{f}")));
    }
    let two = |names: &mut Vec<String>, base: &str| {
        names.push(format!("{base}_amean"));
        names.push(format!("{base}_stddevNorm"));
    };
    for base in [
        "spectralFlux_sma3",
        "mfcc1_sma3",
        "mfcc2_sma3",
        "mfcc3_sma3",
        "mfcc4_sma3",
    ] {
        two(&mut names, base);
    }
    for base in &LLD_NAMES[11..] {
        two(&mut names, base);
    }
    let voiced = [
        "alphaRatio",
        "hammarbergIndex",
        "slope",
        "slope",
        "spectralFlux",
    ];
    let bands = ["", "", "0-500", "500-1500", ""];
    for (v, b) in voiced.iter().zip(bands) {
        two(&mut names, &format!("{v}V{b}_sma3nz"));
    }
    for i in 1..=4 {
        two(&mut names, &format!("mfcc{i}V_sma3nz"));
    }
    for (v, b) in voiced.iter().zip(bands) {
        names.push(format!("{v}UV{b}_sma3nz_amean"));
    }
    names.extend(
        [
            "loudnessPeaksPerSec",
            "VoicedSegmentsPerSec",
            "MeanVoicedSegmentLengthSec",
            "StddevVoicedSegmentLengthSec",
            "MeanUnvoicedSegmentLength",
            "StddevUnvoicedSegmentLength",
            "equivalentSoundLevel_dBp",
        ]
        .map(String::from),
    );
    names
}
