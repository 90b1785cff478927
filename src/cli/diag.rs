//! Rendering errors for people: `ariadne` reports with a caret under the
//! offending text (colour only on a terminal).

use std::io::IsTerminal;

use ariadne::{Config, IndexType, Label, Report, ReportKind, Source};
use numjet::Error;

/// Renders an error as text. Expression errors get the source line and a
/// caret; the rest are one line.
pub fn render(err: &Error, color: bool) -> String {
    let Some(loc) = err.located() else {
        return format!("error: {}", err.message());
    };
    let src: &str = &loc.source;
    let range = loc.span.start.min(src.len())..loc.span.end.clamp(loc.span.start.min(src.len()), src.len());
    let mut label = Label::new(("expr", range.clone()));
    label = label.with_message(loc.hint.clone().unwrap_or_else(|| "here".into()));
    let report = Report::build(ReportKind::Error, ("expr", range))
        .with_config(Config::default().with_index_type(IndexType::Byte).with_color(color))
        .with_message(&loc.message)
        .with_label(label)
        .finish();
    let mut out = Vec::new();
    match report.write(("expr", Source::from(src)), &mut out) {
        Ok(()) => String::from_utf8_lossy(&out).trim_end().to_string(),
        Err(_) => err.to_string(),
    }
}

/// Whether stderr is a terminal (and so gets colour).
pub fn stderr_color() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}
