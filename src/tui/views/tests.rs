//! The views drawn into ratatui's `TestBackend`: snapshots of every view (insta) and checks of
//! the cells that matter, driven by keys as a user would.

use crate::config::LabelMap;
use crate::corpus::{Catalog, Clip, CorpusKind, CorpusRoot, Emotion, Gender, Intensity};
use crate::tui::app::Overlay;
use crate::tui::App;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::prelude::*;

fn catalog(n: usize) -> Catalog {
    let labels = LabelMap::default();
    let clips = (0..n)
        .map(|i| Clip {
            corpus: CorpusKind::Savee,
            path: format!("/c/DC/a{i:02}.wav").into(),
            relative: format!("DC/a{i:02}.wav"),
            speaker: "DC".into(),
            gender: Gender::Male,
            emotion: Emotion::Angry,
            intensity: Intensity::Unspecified,
            target: labels.target(Emotion::Angry),
            sample_rate: 16_000,
            channels: 1,
            duration_s: 1.5,
            relabelled: false,
        })
        .collect();
    Catalog {
        corpora: vec![CorpusRoot {
            kind: CorpusKind::Savee,
            path: "/c".into(),
        }],
        clips,
        problems: vec![],
        missing: vec![],
        labels,
        sample_rate: 16_000,
        synthetic: true,
    }
}

fn render(app: &App, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|f| crate::tui::views::draw(f, app)).unwrap();
    let buffer = terminal.backend().buffer().clone();
    (0..height)
        .map(|y| {
            (0..width)
                .map(|x| buffer[(x, y)].symbol().to_string())
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn shows_the_title_rows_and_the_synthetic_mark() {
    let app = App::new(catalog(3));
    let screen = render(&app, 140, 12);
    assert!(screen.contains("Browse"), "{screen}");
    assert!(screen.contains("SYNTHETIC"), "{screen}");
    assert!(screen.contains("DC/a02.wav"), "{screen}");
    assert!(screen.contains("angry"), "{screen}");
}

#[test]
fn scrolling_renders_only_the_visible_window_around_the_selection() {
    let mut app = App::new(catalog(5000));
    for _ in 0..3 {
        app.handle_key(KeyEvent::from(KeyCode::PageDown));
    }
    app.handle_key(KeyEvent::from(KeyCode::End));
    assert_eq!(app.browse.selected, 4999);
    let screen = render(&app, 140, 20);
    assert!(screen.contains("DC/a4999.wav"), "{screen}");
    assert!(!screen.contains("DC/a00.wav"));
    assert!(screen.contains("5000/5000"), "{screen}");
}

#[test]
fn digit_keys_relabel_persistently_and_u_undoes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("relabels.toml");
    let store = crate::relabel::RelabelStore::open(&path).unwrap();
    let mut app = App::with_parts(catalog(3), Some(store), Default::default());
    app.handle_key(KeyEvent::from(KeyCode::Down));
    app.handle_key(KeyEvent::from(KeyCode::Char('3')));
    assert_eq!(app.catalog.clips[1].target, Some(2), "3 = sad");
    assert!(app.catalog.clips[1].relabelled);
    let reread = crate::relabel::RelabelStore::open(&path).unwrap();
    assert_eq!(reread.relabels().count(), 1, "saved at once");
    let screen = render(&app, 100, 12);
    assert!(screen.contains("sad*"), "{screen}");
    app.handle_key(KeyEvent::from(KeyCode::Char('u')));
    assert_eq!(app.catalog.clips[1].target, Some(3), "back to angry");
    assert!(!app.catalog.clips[1].relabelled);
    app.handle_key(KeyEvent::new(
        KeyCode::Char('r'),
        ratatui::crossterm::event::KeyModifiers::CONTROL,
    ));
    assert_eq!(app.catalog.clips[1].target, Some(2), "redo");
    app.handle_key(KeyEvent::from(KeyCode::Char('0')));
    assert_eq!(app.catalog.clips[1].target, Some(3), "0 = corpus label");
    assert_eq!(
        crate::relabel::RelabelStore::open(&path)
            .unwrap()
            .relabels()
            .count(),
        0
    );
}

#[test]
fn tabs_switch_with_keys_and_each_view_has_its_title() {
    let mut app = App::new(catalog(3));
    for (key, title) in [
        (KeyCode::F(2), "Clip"),
        (KeyCode::F(3), "Augment"),
        (KeyCode::F(4), "Plugins"),
        (KeyCode::F(5), "Train"),
        (KeyCode::F(6), "Runs"),
        (KeyCode::F(7), "Live"),
        (KeyCode::Tab, "Browse"),
    ] {
        app.handle_key(KeyEvent::from(key));
        assert_eq!(app.tab.title(), title);
        let screen = render(&app, 120, 20);
        assert!(screen.contains(&format!(" {title}")), "{title}: {screen}");
    }
    app.handle_key(KeyEvent::from(KeyCode::BackTab));
    assert_eq!(app.tab.title(), "Live");
    app.handle_key(KeyEvent::from(KeyCode::BackTab));
    assert_eq!(app.tab.title(), "Runs");
    app.handle_key(KeyEvent::from(KeyCode::BackTab));
    assert_eq!(app.tab.title(), "Train");
    app.handle_key(KeyEvent::from(KeyCode::Char('?')));
    let screen = render(&app, 120, 24);
    assert!(
        screen.contains("start training"),
        "help lists the Train keys: {screen}"
    );
    app.handle_key(KeyEvent::from(KeyCode::Char('x')));
    assert_eq!(app.overlay, Overlay::None, "any key closes help");
    app.handle_key(KeyEvent::from(KeyCode::Char('q')));
    assert!(app.should_quit());
}

#[test]
fn filters_search_and_sort_narrow_the_view_and_the_counts() {
    let mut cat = catalog(6);
    for (i, clip) in cat.clips.iter_mut().enumerate() {
        if i % 2 == 0 {
            clip.emotion = Emotion::Sad;
            clip.target = Some(2);
        }
        clip.duration_s = 3.0 - i as f64 * 0.1;
    }
    let mut app = App::new(cat);
    app.handle_key(KeyEvent::from(KeyCode::Char('l'))); // neutral
    assert!(app.browse.view.is_empty());
    app.handle_key(KeyEvent::from(KeyCode::Char('l'))); // happy
    app.handle_key(KeyEvent::from(KeyCode::Char('l'))); // sad
    assert_eq!(app.browse.view, vec![0, 2, 4]);
    let screen = render(&app, 140, 12);
    assert!(
        screen.contains("class sad") && screen.contains("1/3 clips"),
        "{screen}"
    );
    app.handle_key(KeyEvent::from(KeyCode::Char('l'))); // angry
    app.handle_key(KeyEvent::from(KeyCode::Char('l'))); // all
    assert_eq!(app.browse.view.len(), 6);
    app.handle_key(KeyEvent::from(KeyCode::Char('/')));
    for c in "a03".chars() {
        app.handle_key(KeyEvent::from(KeyCode::Char(c)));
    }
    assert_eq!(app.browse.view, vec![3]);
    app.handle_key(KeyEvent::from(KeyCode::Char('q'))); // typed into the search, not quitting
    assert!(!app.should_quit());
    assert!(app.browse.view.is_empty());
    app.handle_key(KeyEvent::from(KeyCode::Backspace));
    app.handle_key(KeyEvent::from(KeyCode::Enter));
    assert_eq!(app.browse.view, vec![3]);
    app.handle_key(KeyEvent::from(KeyCode::Char('3'))); // relabels the filtered clip
    assert_eq!(app.current_clip(), Some(3));
    // Sorting by duration puts the shortest (last) clip first.
    app.browse.filters.search.clear();
    app.refresh_view();
    for _ in 0..3 {
        app.handle_key(KeyEvent::from(KeyCode::Char('o')));
    }
    assert_eq!(app.browse.filters.sort.name(), "duration");
    assert_eq!(app.browse.view[0], 5);
}

#[test]
fn undo_selects_the_clip_in_the_filtered_view() {
    let dir = tempfile::tempdir().unwrap();
    let store = crate::relabel::RelabelStore::open(&dir.path().join("r.toml")).unwrap();
    let mut app = App::with_parts(catalog(6), Some(store), Default::default());
    app.handle_key(KeyEvent::from(KeyCode::Char('/')));
    for c in "a0".chars() {
        app.handle_key(KeyEvent::from(KeyCode::Char(c)));
    }
    app.handle_key(KeyEvent::from(KeyCode::Char('4'))); // "a04" matches only clip 4
    app.handle_key(KeyEvent::from(KeyCode::Enter));
    assert_eq!(app.browse.view, vec![4]);
    app.handle_key(KeyEvent::from(KeyCode::Char('3')));
    app.handle_key(KeyEvent::from(KeyCode::Char('u')));
    assert_eq!(
        app.browse.selected, 0,
        "position in the view, not the catalog index"
    );
    assert_eq!(app.current_clip(), Some(4));
}

#[test]
fn a_tiny_terminal_gets_a_message() {
    let app = App::new(catalog(3));
    let screen = render(&app, 30, 5);
    assert!(screen.contains("too small"), "{screen}");
}

// ---- views added with the Clip pictures, Augment editor, themes, plugin prompt, final results

use crate::audio::display::{envelope, mel_spectrogram};
use crate::tui::app::AppPaths;
use crate::tui::inspect::{ClipDetails, FeatureValues};
use crate::tui::theme::Theme;

fn buffer_of(app: &mut App, width: u16, height: u16) -> Buffer {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|f| crate::tui::views::draw(f, app)).unwrap();
    terminal.backend().buffer().clone()
}

/// Two speakers of each gender, three clips each.
fn mixed_catalog() -> Catalog {
    let mut cat = catalog(12);
    for (i, clip) in cat.clips.iter_mut().enumerate() {
        let (speaker, gender) = [
            ("DC", Gender::Male),
            ("JE", Gender::Male),
            ("KL", Gender::Female),
            ("ZZ", Gender::Female),
        ][i / 3];
        clip.speaker = speaker.into();
        clip.gender = gender;
        clip.relative = format!("{speaker}/a{i:02}.wav");
    }
    cat
}

/// What the inspector would send for clip 0: a vowel-like tone rising in pitch, and four values.
fn details_for_clip0() -> ClipDetails {
    let rate = 16_000;
    let samples: Vec<f32> = (0..rate)
        .map(|i| {
            let t = i as f32 / rate as f32;
            let gate = if (0.2..0.8).contains(&t) { 0.6 } else { 0.02 };
            gate * (2.0 * std::f32::consts::PI * (200.0 + 300.0 * t) * t).sin()
        })
        .collect();
    ClipDetails {
        clip: 0,
        plugin: None,
        envelope: envelope(&samples, 1024),
        spectrogram: Some(mel_spectrogram(&samples, rate, 40, 400, 80.0)),
        features: Some(Ok(FeatureValues {
            plugin: "classic".into(),
            names: vec!["zcr".into(), "rms".into(), "mfcc_0".into(), "mfcc_1".into()],
            values: vec![0.125, 0.031, -300.5, 74.25],
            frames: 1,
        })),
        error: None,
    }
}

#[test]
fn speaker_and_gender_filters_narrow_the_view_and_x_clears_them() {
    let mut app = App::new(mixed_catalog());
    app.handle_key(KeyEvent::from(KeyCode::Char('s')));
    assert_eq!(app.browse.filters.speaker.as_deref(), Some("savee:DC"));
    assert_eq!(app.browse.view, vec![0, 1, 2]);
    let screen = render(&app, 140, 12);
    assert!(screen.contains("speaker savee DC"), "{screen}");
    app.handle_key(KeyEvent::from(KeyCode::Char('s')));
    assert_eq!(app.browse.view, vec![3, 4, 5]);
    app.handle_key(KeyEvent::from(KeyCode::Char('f'))); // female: JE is male, nothing left
    assert!(app.browse.view.is_empty());
    let screen = render(&app, 140, 12);
    assert!(screen.contains("0/0 clips"), "{screen}");
    app.handle_key(KeyEvent::from(KeyCode::Char('x')));
    assert_eq!(app.browse.view.len(), 12);
    app.handle_key(KeyEvent::from(KeyCode::Char('f')));
    assert_eq!(app.browse.view, vec![6, 7, 8, 9, 10, 11]);
    app.handle_key(KeyEvent::from(KeyCode::Char('f'))); // male
    assert_eq!(app.browse.view, vec![0, 1, 2, 3, 4, 5]);
    app.handle_key(KeyEvent::from(KeyCode::Char('f'))); // unknown
    assert!(app.browse.view.is_empty());
    app.handle_key(KeyEvent::from(KeyCode::Char('f'))); // all again
    assert_eq!(app.browse.view.len(), 12);
}

#[test]
fn clip_view_draws_waveform_spectrogram_and_features_and_relabels() {
    let dir = tempfile::tempdir().unwrap();
    let store = crate::relabel::RelabelStore::open(&dir.path().join("r.toml")).unwrap();
    let mut app = App::with_parts(mixed_catalog(), Some(store), Default::default());
    app.handle_key(KeyEvent::from(KeyCode::F(2)));
    let screen = render(&app, 120, 34);
    assert!(
        screen.contains("(not computed in this session)"),
        "{screen}"
    );
    app.clip.details = Some(details_for_clip0());
    let screen = render(&app, 120, 34);
    insta::assert_snapshot!("clip", screen);
    assert!(screen.contains("Waveform · peak"), "{screen}");
    assert!(
        screen.contains('⣿'),
        "the envelope is drawn in Braille: {screen}"
    );
    assert!(
        screen.contains("zcr") && screen.contains("-300.5000"),
        "{screen}"
    );
    // The spectrogram: half blocks whose colours differ (loud band vs quiet band).
    let buffer = buffer_of(&mut app, 120, 34);
    let colours: std::collections::BTreeSet<String> = (0..120)
        .flat_map(|x| (0..34).map(move |y| (x, y)))
        .filter(|&(x, y)| buffer[(x, y)].symbol() == "▀")
        .map(|(x, y)| format!("{:?}{:?}", buffer[(x, y)].fg, buffer[(x, y)].bg))
        .collect();
    assert!(colours.len() > 20, "{} colour pairs", colours.len());
    // ] scrolls the feature list; Down moves to the next clip, whose details are not loaded.
    app.handle_key(KeyEvent::from(KeyCode::Char(']')));
    assert_eq!(app.clip.feature_scroll, 1);
    app.handle_key(KeyEvent::from(KeyCode::Down));
    assert_eq!(app.current_clip(), Some(1));
    assert!(!app.details_are_current());
    // Relabeling works here as in Browse.
    app.handle_key(KeyEvent::from(KeyCode::Char('1')));
    assert_eq!(app.catalog.clips[1].target, Some(0));
    assert!(render(&app, 120, 34).contains("(relabelled)"));
}

#[test]
fn the_colourless_theme_paints_no_colour_and_shades_the_spectrogram() {
    let mut app = App::new(mixed_catalog());
    app.theme = Theme::colourless();
    app.clip.details = Some(details_for_clip0());
    for tab in [KeyCode::F(1), KeyCode::F(2), KeyCode::F(5)] {
        app.handle_key(KeyEvent::from(tab));
        let buffer = buffer_of(&mut app, 120, 34);
        for cell in buffer.content() {
            assert_eq!(cell.fg, Color::Reset, "{tab:?}: {cell:?}");
            assert_eq!(cell.bg, Color::Reset, "{tab:?}: {cell:?}");
        }
    }
    app.handle_key(KeyEvent::from(KeyCode::F(2)));
    let screen = render(&app, 120, 34);
    assert!(screen.contains('█') || screen.contains('▓'), "{screen}");
    assert!(!screen.contains('▀'), "{screen}");
}

#[test]
fn augment_edits_are_saved_at_once_and_bad_values_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("augment.toml");
    let mut app = App::new(catalog(2));
    app.use_settings(
        AppPaths {
            augment: Some(path.clone()),
            ..Default::default()
        },
        None,
    );
    app.handle_key(KeyEvent::from(KeyCode::F(3)));
    app.handle_key(KeyEvent::from(KeyCode::Enter)); // noise off
    app.handle_key(KeyEvent::from(KeyCode::Down));
    app.handle_key(KeyEvent::from(KeyCode::Right)); // noise probability 0.55
    let saved = crate::augment::AugmentPolicy::load(&path).unwrap();
    assert!(!saved.noise.enabled);
    assert_eq!(saved.noise.probability, 0.55);
    assert!(app.status.contains("saved"), "{}", app.status);
    for _ in 0..20 {
        app.handle_key(KeyEvent::from(KeyCode::Char('-')));
    }
    assert_eq!(app.augment.policy.noise.probability, 0.0, "stops at 0");
    assert!(app.status.contains("not changed"), "{}", app.status);
    assert_eq!(
        crate::augment::AugmentPolicy::load(&path)
            .unwrap()
            .noise
            .probability,
        0.0
    );
    // A fresh app reads what was saved.
    let mut again = App::new(catalog(2));
    again.use_settings(
        AppPaths {
            augment: Some(path.clone()),
            ..Default::default()
        },
        None,
    );
    assert!(!again.augment.policy.noise.enabled);
    again.tab = crate::tui::app::Tab::Augment;
    again.paths.augment = None;
    let screen = render(&again, 100, 28);
    insta::assert_snapshot!("augment", screen);
    assert!(
        screen.contains("noise") && screen.contains("off"),
        "{screen}"
    );
}

#[test]
fn the_theme_key_cycles_themes_and_remembers_the_choice() {
    let dir = tempfile::tempdir().unwrap();
    let ui = dir.path().join("ui.toml");
    let paths = AppPaths {
        ui: Some(ui.clone()),
        ..Default::default()
    };
    let mut app = App::new(catalog(3));
    app.use_settings(paths.clone(), None);
    assert_eq!(app.theme.name, "dark");
    let dark = buffer_of(&mut app, 100, 12);
    app.handle_key(KeyEvent::from(KeyCode::Char('t')));
    assert_eq!(app.theme.name, "light");
    assert!(std::fs::read_to_string(&ui).unwrap().contains("light"));
    let light = buffer_of(&mut app, 100, 12);
    // The selected row (first table row, y = 3) changes colour with the theme.
    assert_ne!(dark[(2, 3)].bg, light[(2, 3)].bg);
    assert_eq!(light[(2, 3)].bg, app.theme.selection.bg.unwrap());
    let mut again = App::new(catalog(3));
    again.use_settings(paths, None);
    assert_eq!(again.theme.name, "light", "read back from ui.toml");
    // An unknown theme in ui.toml is reported, not fatal.
    std::fs::write(&ui, "theme = \"plaid\"\n").unwrap();
    let mut third = App::new(catalog(3));
    third.use_settings(
        AppPaths {
            ui: Some(ui),
            ..Default::default()
        },
        None,
    );
    assert!(third.status.contains("plaid"), "{}", third.status);
}

#[test]
fn the_plugin_prompt_loads_a_path_and_lists_a_refusal() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.so");
    std::fs::write(&junk, b"not a library").unwrap();
    let mut app = App::new(catalog(2));
    app.handle_key(KeyEvent::from(KeyCode::F(4)));
    app.handle_key(KeyEvent::from(KeyCode::Char('o')));
    for c in junk.display().to_string().chars() {
        app.handle_key(KeyEvent::from(KeyCode::Char(c)));
    }
    let screen = render(&app, 120, 20);
    assert!(
        screen.contains("Load a plugin") && screen.contains("junk.so"),
        "{screen}"
    );
    app.handle_key(KeyEvent::from(KeyCode::Char('q'))); // typed, not quitting
    assert!(!app.should_quit());
    app.handle_key(KeyEvent::from(KeyCode::Backspace));
    app.handle_key(KeyEvent::from(KeyCode::Enter));
    assert_eq!(app.overlay, Overlay::None);
    // The probe runs on a worker thread; the UI goes on meanwhile.
    let started = std::time::Instant::now();
    while app.plugins.is_loading() {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(60),
            "no answer from the probe"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
        app.tick();
    }
    assert!(app.status.starts_with("refused"), "{}", app.status);
    assert_eq!(app.plugins.registry.entries.len(), 1);
    let screen = render(&app, 120, 20);
    assert!(
        screen.contains("refused") && screen.contains("junk.so"),
        "{screen}"
    );
    // Esc cancels without loading anything.
    app.handle_key(KeyEvent::from(KeyCode::Char('o')));
    app.handle_key(KeyEvent::from(KeyCode::Char('x')));
    app.handle_key(KeyEvent::from(KeyCode::Esc));
    assert_eq!(app.plugins.registry.entries.len(), 1);
}

#[test]
fn the_train_view_shows_curves_the_test_matrix_and_where_the_model_went() {
    use crate::train::events::EpochReport;
    use crate::train::metrics::Scores;
    let mut app = App::new(catalog(3));
    app.tab = crate::tui::app::Tab::Train;
    let truth = [0, 0, 1, 1, 2, 2, 3, 3];
    let guess = [0, 1, 1, 1, 2, 2, 3, 0];
    let scores = Scores::compute(&truth, &guess, 4);
    for epoch in 0..12 {
        app.train.history.push(EpochReport {
            fold: 0,
            epoch,
            train_loss: 1.4 / (1.0 + epoch as f64),
            train_accuracy: 0.5,
            validation_loss: 1.3 / (1.0 + 0.5 * epoch as f64),
            validation: scores.clone(),
            lr: 1e-3,
            seconds: 1.0,
        });
    }
    app.train.markers = vec![(7, "lr"), (11, "stop")];
    app.train.test = Some(scores);
    app.train.result = Some("test UA 0.750, accuracy 0.750 over 8 clips".into());
    app.train.saved = Some("/models/classic-1".into());
    let screen = render(&app, 120, 30);
    insta::assert_snapshot!("train_finished", screen);
    assert!(
        screen.contains("model saved to /models/classic-1"),
        "{screen}"
    );
    assert!(
        screen.contains("test confusion") && screen.contains("test: UA 0.750"),
        "{screen}"
    );
    assert!(
        screen.contains('⠉') || screen.contains('⠒'),
        "curves: {screen}"
    );
}

#[test]
fn snapshots_of_browse_plugins_and_help() {
    let mut app = App::new(mixed_catalog());
    app.handle_key(KeyEvent::from(KeyCode::Down));
    insta::assert_snapshot!("browse", render(&app, 120, 16));
    app.plugins
        .registry
        .entries
        .push(crate::features::RegistryEntry::Refused {
            path: "/plugins/libbroken.so".into(),
            error: crate::features::PluginError::Load {
                path: "/plugins/libbroken.so".into(),
                reason: "file too short".into(),
            },
        });
    app.handle_key(KeyEvent::from(KeyCode::F(4)));
    insta::assert_snapshot!("plugins", render(&app, 120, 12));
    app.handle_key(KeyEvent::from(KeyCode::F(1)));
    app.handle_key(KeyEvent::from(KeyCode::Char('?')));
    insta::assert_snapshot!("browse_help", render(&app, 120, 30));
}

#[test]
fn missing_corpora_are_shown_first_and_the_demo_only_comes_on_a_key() {
    let mut empty = catalog(0);
    empty.synthetic = false;
    empty.missing = vec![crate::corpus::MissingCorpus {
        kind: CorpusKind::Tess,
        path: "/corpra/TESS".into(),
        file: Some("/home/u/datasets.toml".into()),
        line: 3,
        error: "does not exist".into(),
    }];
    let mut app = App::new(empty);
    assert_eq!(app.overlay, Overlay::MissingCorpora, "opens on the panel");
    app.demo_loader = Some(Box::new(|| Ok(catalog(4))));
    let screen = render(&app, 120, 20);
    assert!(screen.contains("Missing corpora"), "{screen}");
    assert!(screen.contains("/corpra/TESS"), "{screen}");
    assert!(
        screen.contains("TESS corpus folder does not exist (set in /home/u/datasets.toml:3)"),
        "{screen}"
    );
    assert!(!screen.contains("SYNTHETIC"), "{screen}");
    // Other keys do nothing while the panel is up: no view switches behind it.
    app.handle_key(KeyEvent::from(KeyCode::F(5)));
    assert_eq!(app.overlay, Overlay::MissingCorpora);
    app.start_training();
    assert!(app.status.contains("not training"), "{}", app.status);
    app.handle_key(KeyEvent::from(KeyCode::Char('d')));
    assert_eq!(app.overlay, Overlay::None);
    assert_eq!(app.browse.view.len(), 4);
    let screen = render(&app, 120, 20);
    assert!(screen.contains("SYNTHETIC"), "{screen}");
    assert!(screen.contains("as asked"), "{screen}");
}

#[test]
fn ctrl_c_is_q_and_asks_first_while_training() {
    use ratatui::crossterm::event::KeyModifiers;
    let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
    let mut app = App::new(catalog(2));
    app.train.running = true;
    app.handle_key(ctrl_c);
    assert_eq!(app.overlay, Overlay::ConfirmQuit);
    assert!(!app.should_quit());
    let screen = render(&app, 100, 20);
    assert!(screen.contains("Quit and stop it? (y / any"), "{screen}");
    app.handle_key(KeyEvent::from(KeyCode::Char('n')));
    assert_eq!(app.overlay, Overlay::None, "any other key goes back");
    assert!(!app.should_quit());
    app.handle_key(ctrl_c);
    app.handle_key(ctrl_c);
    assert!(app.should_quit(), "Ctrl-c twice quits");
    let mut idle = App::new(catalog(2));
    idle.handle_key(ctrl_c);
    assert!(idle.should_quit(), "nothing running: Ctrl-c quits at once");
}

#[test]
fn class_names_in_any_script_are_drawn_by_characters() {
    use crate::corpus::Emotion;
    let labels = LabelMap::from_parts(
        vec![
            "нейтральный".into(),
            "радость".into(),
            "悲伤的".into(),
            "怒り".into(),
        ],
        vec![
            (Emotion::Neutral, 0),
            (Emotion::Happy, 1),
            (Emotion::Sad, 2),
            (Emotion::Angry, 3),
        ],
    );
    let mut catalog = catalog(4);
    for clip in &mut catalog.clips {
        clip.target = labels.target(clip.emotion);
    }
    catalog.labels = labels;
    let app = App::new(catalog);
    let screen = render(&app, 140, 12);
    assert!(screen.contains("нейтр"), "{screen}");
    // A wide character takes two cells (the second one blank in the buffer).
    assert!(screen.contains("怒 り"), "{screen}");
    // The columns stay aligned: angry's count ends under the last cell of its name.
    let lines: Vec<Vec<char>> = screen.lines().map(|l| l.chars().collect()).collect();
    let header = &lines[2];
    let ri = header.iter().rposition(|&c| c == 'り').unwrap();
    assert_eq!(lines[3][ri + 1], '4', "{screen}");
    assert!(!screen.contains("悲 伤 的"), "cut to five cells: {screen}");
}

/// Eight clips, two of each class, and a run whose out-of-fold predictions get two of them wrong:
/// a01 (neutral) predicted sad, a07 (angry) predicted happy.
fn lab_with_a_run(dir: &std::path::Path) -> App {
    let emotions = [
        Emotion::Neutral,
        Emotion::Happy,
        Emotion::Sad,
        Emotion::Angry,
    ];
    let mut catalog = catalog(8);
    for (i, clip) in catalog.clips.iter_mut().enumerate() {
        clip.emotion = emotions[i / 2];
        clip.target = catalog.labels.target(clip.emotion);
    }
    let model = dir.join("model");
    std::fs::create_dir_all(&model).unwrap();
    let mut csv =
        String::from("corpus,path,speaker,label,predicted,fold,p_neutral,p_happy,p_sad,p_angry\n");
    let rows = [
        ("neutral", "neutral", [0.9, 0.05, 0.03, 0.02]),
        ("neutral", "sad", [0.1, 0.05, 0.8, 0.05]),
        ("happy", "happy", [0.05, 0.85, 0.05, 0.05]),
        ("happy", "happy", [0.1, 0.7, 0.1, 0.1]),
        ("sad", "sad", [0.1, 0.05, 0.8, 0.05]),
        ("sad", "sad", [0.3, 0.05, 0.6, 0.05]),
        ("angry", "angry", [0.05, 0.15, 0.05, 0.75]),
        ("angry", "happy", [0.02, 0.9, 0.03, 0.05]),
    ];
    for (i, (label, predicted, p)) in rows.iter().enumerate() {
        csv.push_str(&format!(
            "savee,DC/a{i:02}.wav,DC,{label},{predicted},{},{},{},{},{}\n",
            1 + i % 2,
            p[0],
            p[1],
            p[2],
            p[3]
        ));
    }
    std::fs::write(model.join("predictions.csv"), csv).unwrap();
    std::fs::write(
        model.join("metrics.json"),
        serde_json::json!({
            "protocol": "p", "leaky": false, "accuracy": 0.75, "unweighted_accuracy": 0.75,
            "macro_f1": 0.73, "classes": ["neutral", "happy", "sad", "angry"],
            "confusion": [[1, 0, 1, 0], [0, 2, 0, 0], [0, 0, 2, 0], [0, 1, 0, 1]],
            "per_corpus": {}, "n": 8, "synthetic": true
        })
        .to_string(),
    )
    .unwrap();
    let store = crate::train::runs::RunStore::new(dir.join("runs"));
    let mut app = App::new(catalog);
    app.paths.runs = Some(store.clone());
    for (id, ua) in [
        ("20261207-100000-aaaaaa", 0.75),
        ("20261207-110000-bbbbbb", 0.5),
    ] {
        let record: crate::train::runs::RunRecord = serde_json::from_value(serde_json::json!({
            "id": id, "started": format!("2026-12-07T{}:00:00Z", &id[9..11]), "finished": "x",
            "source": "tui", "status": "finished", "plugin": "classic", "plugin_version": "1.0.0",
            "plugin_params": {}, "split": "speaker-independent split", "folds": 2, "ensemble": 1,
            "epochs": 20, "norm": "Global", "augmentation": "off", "seed": 1,
            "fingerprint": "f", "synthetic": true, "unweighted_accuracy": ua, "accuracy": ua,
            "macro_f1": ua, "n": 8, "model": model
        }))
        .unwrap();
        store.record(&record).unwrap();
    }
    app.use_latest_run();
    app
}

#[test]
fn browse_shows_each_clips_prediction_and_sorts_by_suspicion() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = lab_with_a_run(dir.path());
    let model = app
        .model
        .as_ref()
        .expect("the latest run's predictions are shown");
    assert_eq!(model.run.as_ref().unwrap().id, "20261207-110000-bbbbbb");
    let screen = render(&app, 150, 14);
    assert!(
        screen.contains("pred") && screen.contains("conf"),
        "{screen}"
    );
    let row = |screen: &str, file: &str| -> String {
        screen
            .lines()
            .find(|l| l.contains(file))
            .unwrap_or_default()
            .to_string()
    };
    assert!(row(&screen, "DC/a01.wav").contains("sad≠"), "{screen}");
    assert!(row(&screen, "DC/a00.wav").contains("neutral "), "{screen}");
    assert!(!row(&screen, "DC/a00.wav").contains('≠'), "{screen}");
    // o cycles to the suspicion sort: the two wrong ones first, the surest wrong first.
    for _ in 0..4 {
        app.handle_key(KeyEvent::from(KeyCode::Char('o')));
    }
    assert_eq!(app.browse.filters.sort, crate::tui::app::SortKey::Suspicion);
    let order: Vec<&str> = app.browse.view[..2]
        .iter()
        .map(|&i| app.catalog.clips[i].relative.as_str())
        .collect();
    assert_eq!(order, ["DC/a07.wav", "DC/a01.wav"]);
    let screen = render(&app, 150, 14);
    assert!(
        screen.contains("susp") && screen.contains("0.95"),
        "{screen}"
    );
    insta::assert_snapshot!("browse_predictions", screen);
    // Relabelling a01 as the model says makes its prediction stale and it is suspect no more.
    app.browse.selected = app.browse.view.iter().position(|&i| i == 1).unwrap();
    app.relabels =
        Some(crate::relabel::RelabelStore::open(&dir.path().join("relabels.toml")).unwrap());
    app.handle_key(KeyEvent::from(KeyCode::Char('3')));
    let model = app.model.as_ref().unwrap();
    let key = crate::relabel::ClipKey::of(&app.catalog.clips[1]);
    assert!(model.stale.contains(&key));
    assert!(!model.suspicion.contains_key(&key));
    assert!(row(&render(&app, 150, 14), "DC/a01.wav").contains("sad~"));
}

#[test]
fn a_matrix_cell_opens_browse_on_its_clips_and_x_clears_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = lab_with_a_run(dir.path());
    app.handle_key(KeyEvent::from(KeyCode::F(5)));
    let screen = render(&app, 150, 30);
    assert!(
        screen.contains("out-of-fold confusion · m to move in it"),
        "{screen}"
    );
    app.handle_key(KeyEvent::from(KeyCode::Char('m')));
    // Down 3 (angry), Right 1 (happy): the angry clip predicted happy.
    for key in [KeyCode::Down, KeyCode::Down, KeyCode::Down, KeyCode::Right] {
        app.handle_key(KeyEvent::from(key));
    }
    assert_eq!(app.train_settings.cell, (3, 1));
    let screen = render(&app, 150, 30);
    assert!(
        screen.contains("[ 1]") && screen.contains("Enter opens"),
        "{screen}"
    );
    app.handle_key(KeyEvent::from(KeyCode::Enter));
    assert_eq!(app.tab.title(), "Browse");
    assert_eq!(app.browse.view.len(), 1);
    assert_eq!(app.catalog.clips[app.browse.view[0]].relative, "DC/a07.wav");
    let screen = render(&app, 150, 14);
    assert!(
        screen.contains("labelled angry predicted happy"),
        "{screen}"
    );
    app.handle_key(KeyEvent::from(KeyCode::Char('x')));
    assert_eq!(app.browse.view.len(), 8);
}

#[test]
fn the_train_settings_change_within_their_ranges_and_the_run_uses_them() {
    let mut app = App::new(catalog(3));
    app.handle_key(KeyEvent::from(KeyCode::F(5)));
    let settings = |app: &App| app.train_settings.config.clone();
    let before = settings(&app);
    assert_eq!(before.ensemble, 1, "the TUI's own choice: one network");
    // Down to `folds`, then Right: cross-validation with 2 folds; Left back to off, and Left
    // again is refused.
    app.handle_key(KeyEvent::from(KeyCode::Down));
    app.handle_key(KeyEvent::from(KeyCode::Down));
    app.handle_key(KeyEvent::from(KeyCode::Right));
    assert_eq!(settings(&app).folds, Some(2));
    app.handle_key(KeyEvent::from(KeyCode::Left));
    app.handle_key(KeyEvent::from(KeyCode::Left));
    assert_eq!(settings(&app).folds, None);
    assert!(app.status.contains("not changed"), "{}", app.status);
    // Networks: up to 16 and no further.
    app.handle_key(KeyEvent::from(KeyCode::Down));
    app.handle_key(KeyEvent::from(KeyCode::Down));
    for _ in 0..20 {
        app.handle_key(KeyEvent::from(KeyCode::Right));
    }
    assert_eq!(settings(&app).ensemble, 16);
    let screen = render(&app, 150, 30);
    assert!(screen.contains("networks         16"), "{screen}");
}

#[test]
fn the_runs_view_lists_runs_and_compares_two() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = lab_with_a_run(dir.path());
    app.handle_key(KeyEvent::from(KeyCode::F(6)));
    assert_eq!(app.runs.list.len(), 2, "newest first");
    let screen = render(&app, 150, 34);
    assert!(
        screen.contains("2 recorded") && screen.contains("0.500"),
        "{screen}"
    );
    assert!(screen.contains("Mark two runs"), "{screen}");
    app.handle_key(KeyEvent::from(KeyCode::Char(' ')));
    app.handle_key(KeyEvent::from(KeyCode::Down));
    app.handle_key(KeyEvent::from(KeyCode::Char(' ')));
    assert_eq!(app.runs.compared.len(), 2);
    let screen = render(&app, 150, 34);
    assert!(
        screen.contains("confusion, B − A") && screen.contains("recall neutral"),
        "{screen}"
    );
    insta::assert_snapshot!("runs_compared", screen);
    // Enter: this run's predictions beside the clips.
    app.handle_key(KeyEvent::from(KeyCode::Enter));
    assert_eq!(
        app.model.as_ref().unwrap().run.as_ref().unwrap().id,
        "20261207-100000-aaaaaa"
    );
}
