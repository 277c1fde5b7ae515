//! `serlab demo --out DIR`: write the synthetic demo corpus somewhere visible.

use crate::corpus::demo;
use std::path::Path;

pub fn run(out: &Path) -> anyhow::Result<()> {
    let roots = demo::write_demo(out)?;
    println!(
        "wrote the synthetic demo corpus ({} clips) to {}",
        demo::demo_clips().len(),
        out.display()
    );
    println!("to use it, add to datasets.toml:");
    for (kind, path) in roots {
        println!(
            "\n[[corpus]]\nkind = \"{kind}\"\npath = \"{}\"",
            path.display()
        );
    }
    Ok(())
}
