//! The terminal app. `terminal` alone owns the screen (raw mode, alternate screen, panic hook);
//! `app` holds state and turns keys into changes; `views` only draw state.

mod app;
mod inspect;
pub mod keys;
mod terminal;
pub mod theme;
mod views;

pub use app::App;
pub use views::draw;

use crate::config::{dirs, DatasetsConfig};
use crate::corpus::open_catalog;
use crate::util::stderr_redirect::StderrRedirect;
use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;

/// Exit status when there is no terminal to draw on.
const NO_TERMINAL: u8 = 2;

pub fn run_app(
    datasets: Option<&Path>,
    plugins: &crate::features::PluginOptions,
    on_plugin_error: crate::features::batch::OnPluginError,
) -> ExitCode {
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        eprintln!("serlab: the terminal UI needs a terminal (stdin and stdout must be a TTY); for headless use see `serlab --help`");
        return ExitCode::from(NO_TERMINAL);
    }
    let config = match DatasetsConfig::load(datasets) {
        Ok(config) => config,
        Err(err) => {
            eprintln!("serlab: error: {err}");
            return ExitCode::FAILURE;
        }
    };
    eprintln!("serlab: loading the catalog…");
    let catalog = match open_catalog(&config) {
        Ok(catalog) => catalog,
        Err(err) => {
            eprintln!("serlab: error: {err}");
            return ExitCode::FAILURE;
        }
    };
    let relabels =
        match crate::relabel::RelabelStore::open(&crate::relabel::RelabelStore::default_path()) {
            Ok(store) => Some(store),
            Err(err) => {
                eprintln!("serlab: warning: {err}; relabeling is disabled this session");
                None
            }
        };
    let registry = crate::features::open_registry(&config, plugins);
    // Missing corpora open the app on a panel that lists them (`App::with_parts`).
    let mut app = App::with_parts(catalog, relabels, registry);
    app.on_plugin_error = on_plugin_error;
    let cache = plugins.feature_cache(&config);
    app.train_settings.config.cache_dir = Some(cache.root().to_path_buf());
    app.demo_loader = Some(Box::new(move || {
        crate::corpus::open_demo_catalog(&config).map_err(|e| e.to_string())
    }));
    app.use_settings(
        app::AppPaths {
            augment: Some(crate::augment::AugmentPolicy::user_default_path()),
            ui: Some(theme::UiSettings::default_path()),
            models: Some(dirs::data_dir().join("models")),
            runs: Some(crate::train::runs::RunStore::default_location()),
        },
        Some(&theme::ThemeSet::user_dir()),
    );
    // The latest run's predictions beside the clips, from the start.
    app.use_latest_run();
    app.playback.player = Some(crate::audio::player::Player::spawn());
    app.clip.inspector = Some(inspect::Inspector::spawn(Some(cache)));
    let result = {
        // Nothing may write on the screen behind ratatui's back: C libraries' stderr goes to the log.
        let _quiet = StderrRedirect::to_file(&dirs::log_file()).ok();
        terminal::run(&mut app)
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("serlab: error: {err}");
            ExitCode::FAILURE
        }
    }
}
