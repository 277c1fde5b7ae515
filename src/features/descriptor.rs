//! Reading a version-1 descriptor that a library handed over: every string checked for NULL
//! and UTF-8, the feature names against their count and terminator, the parameter table against
//! its declared types and ranges. Nothing is trusted before it is checked.

use super::isolation::PluginInfo;
use super::{FeatureKind, ParamInfo, ParamType};
use serlab_plugin_api::*;
use std::ffi::CStr;
use std::os::raw::c_char;

const MAX_FEATURES: u32 = 1_000_000;
const MAX_PARAMS: u32 = 256;

/// Reads a C string the plugin handed over, refusing NULL and invalid UTF-8.
pub(super) unsafe fn read_str(ptr: *const c_char, what: &str) -> Result<String, String> {
    if ptr.is_null() {
        return Err(format!("{what} is NULL"));
    }
    CStr::from_ptr(ptr)
        .to_str()
        .map(str::to_string)
        .map_err(|_| format!("{what} is not valid UTF-8"))
}

/// A plugin name: 1-64 characters, no spaces or control characters.
pub(super) fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty()
        || name.len() > 64
        || name.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(format!(
            "name `{name}` must be 1-64 characters without spaces"
        ));
    }
    Ok(())
}

/// The plugin's description and its two functions.
///
/// # Safety
/// As `Plugin::from_descriptor`: `d`'s pointers are NULL or valid for what they claim.
pub(super) unsafe fn read(
    d: &serlab_plugin_descriptor_v1,
) -> Result<(PluginInfo, LayoutFn, ExtractFn), String> {
    let name = read_str(d.name, "name")?;
    check_name(&name)?;
    let version = read_str(d.version, "version")?;
    let description = if d.description.is_null() {
        String::new()
    } else {
        read_str(d.description, "description")?
    };
    let kind = match d.output_kind {
        SERLAB_OUTPUT_VECTOR => FeatureKind::Vector,
        SERLAB_OUTPUT_SEQUENCE => {
            if !(d.frame_rate.is_finite() && d.frame_rate > 0.0) {
                return Err(format!("sequence plugin with frame rate {}", d.frame_rate));
            }
            FeatureKind::Sequence {
                frame_rate: d.frame_rate,
            }
        }
        other => return Err(format!("unknown output kind {other}")),
    };
    let feature_names = feature_names(d)?;
    let params = params(d)?;
    let (Some(layout), Some(extract)) = (d.layout, d.extract) else {
        return Err("layout or extract function is NULL".into());
    };
    let info = PluginInfo {
        name,
        version,
        description,
        kind,
        feature_names,
        params,
    };
    Ok((info, layout, extract))
}

/// `feature_count` names, then the NULL terminator; none empty, none with a separator, no two
/// alike.
unsafe fn feature_names(d: &serlab_plugin_descriptor_v1) -> Result<Vec<String>, String> {
    if d.feature_count == 0 || d.feature_count > MAX_FEATURES {
        return Err(format!(
            "feature_count {} is not in 1..{MAX_FEATURES}",
            d.feature_count
        ));
    }
    if d.feature_names.is_null() {
        return Err("feature_names is NULL".into());
    }
    let mut names = Vec::with_capacity(d.feature_count as usize);
    for i in 0..d.feature_count as usize {
        let entry = *d.feature_names.add(i);
        if entry.is_null() {
            return Err(format!(
                "feature_count says {} but name {i} is NULL",
                d.feature_count
            ));
        }
        let feature = read_str(entry, &format!("feature name {i}"))?;
        if feature.is_empty() || feature.contains(['\n', ',', ';']) {
            return Err(format!(
                "feature name {i} `{feature}` is empty or contains a separator"
            ));
        }
        names.push(feature);
    }
    if !(*d.feature_names.add(d.feature_count as usize)).is_null() {
        return Err(format!(
            "feature_names has more entries than feature_count ({}), or lacks its NULL terminator",
            d.feature_count
        ));
    }
    let mut seen = std::collections::HashSet::new();
    if let Some(dup) = names.iter().find(|n| !seen.insert(n.as_str())) {
        return Err(format!("feature name `{dup}` appears twice"));
    }
    Ok(names)
}

/// The parameter table: known types, finite ranges that hold their defaults.
unsafe fn params(d: &serlab_plugin_descriptor_v1) -> Result<Vec<ParamInfo>, String> {
    if d.param_count > MAX_PARAMS || (d.param_count > 0 && d.params.is_null()) {
        return Err(format!(
            "invalid parameter table ({} entries)",
            d.param_count
        ));
    }
    let mut params = Vec::new();
    for i in 0..d.param_count as usize {
        let p = &*d.params.add(i);
        let name = read_str(p.name, &format!("parameter {i} name"))?;
        let kind = match p.kind {
            SERLAB_PARAM_FLOAT => ParamType::Float,
            SERLAB_PARAM_INT => ParamType::Int,
            SERLAB_PARAM_BOOL => ParamType::Bool,
            other => return Err(format!("parameter `{name}` has unknown type {other}")),
        };
        if !(p.min.is_finite()
            && p.max.is_finite()
            && p.min <= p.default_value
            && p.default_value <= p.max)
        {
            return Err(format!(
                "parameter `{name}` default {} is outside its range {}..{}",
                p.default_value, p.min, p.max
            ));
        }
        let description = if p.description.is_null() {
            String::new()
        } else {
            read_str(p.description, &format!("parameter `{name}` description"))?
        };
        params.push(ParamInfo {
            name,
            kind,
            default: p.default_value,
            min: p.min,
            max: p.max,
            description,
        });
    }
    Ok(params)
}
