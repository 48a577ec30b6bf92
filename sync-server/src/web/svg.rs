//! Server-drawn bar charts, inline SVG in the page (no JavaScript chart library): the geometry
//! is computed here and drawn by the `chart.html` template, so labels are escaped like any text.

use askama::Template;

use super::WebError;

/// One bar: a label, a value, and an optional target drawn as a line across it.
pub struct Bar {
    pub label: String,
    pub value: i64,
    pub target: Option<i64>,
}

/// A bar placed on the canvas.
pub struct Placed {
    pub x: i64,
    pub y: i64,
    pub width: i64,
    pub height: i64,
    /// The whole label, for the bar's tooltip.
    pub label: String,
    /// The label under the bar, cut to [`LABEL_CHARS`].
    pub axis_label: String,
    pub value: i64,
    pub label_x: i64,
    pub target_y: Option<i64>,
}

#[derive(Template)]
#[template(path = "chart.html")]
pub struct Chart {
    pub title: String,
    pub width: i64,
    pub height: i64,
    pub base_y: i64,
    pub label_y: i64,
    pub bars: Vec<Placed>,
}

const PLOT_HEIGHT: i64 = 160;
const TOP: i64 = 16;
const SLOT: i64 = 28;
/// Most characters of a label drawn under its bar; a longer one (an agent's full name) is cut
/// with "…", and the bar's tooltip keeps it whole.
pub const LABEL_CHARS: usize = 16;
/// A character of the chart's 10 px type, a little wider than the average (`static/app.css`).
const CHAR_PX: i64 = 6;

/// `label` cut to [`LABEL_CHARS`] characters.
fn axis_label(label: &str) -> String {
    if label.chars().count() <= LABEL_CHARS {
        return label.to_string();
    }
    let mut cut: String = label.chars().take(LABEL_CHARS - 1).collect();
    cut.truncate(cut.trim_end().len());
    cut.push('…');
    cut
}

/// How far a label drawn at 45° reaches left of, and below, its anchor: its length times
/// cos 45°.
fn label_reach(label: &str) -> i64 {
    (label.chars().count() as i64 * CHAR_PX * 707 + 999) / 1000
}

/// Lays the bars out: heights scaled to the largest value or target; the margins left of the
/// first bar and under the axis are as large as the longest label needs, so none is clipped.
pub fn layout(title: &str, bars: &[Bar]) -> Chart {
    let max = bars
        .iter()
        .map(|b| b.value.max(b.target.unwrap_or(0)))
        .max()
        .unwrap_or(0)
        .max(1);
    let scale = |v: i64| v.max(0) * PLOT_HEIGHT / max;
    let base_y = TOP + PLOT_HEIGHT;
    let label_y = base_y + 14;
    let labels: Vec<String> = bars.iter().map(|b| axis_label(&b.label)).collect();
    let reach = labels.iter().map(|l| label_reach(l)).max().unwrap_or(0);
    // The first label's anchor is half a bar right of `left`.
    let left = (reach + 4 - (SLOT - 6) / 2).max(8);
    let placed = bars
        .iter()
        .zip(labels)
        .enumerate()
        .map(|(i, (b, axis_label))| {
            let x = left + i as i64 * SLOT;
            Placed {
                x,
                y: base_y - scale(b.value),
                width: SLOT - 6,
                height: scale(b.value),
                label: b.label.clone(),
                axis_label,
                value: b.value,
                label_x: x + (SLOT - 6) / 2,
                target_y: b.target.map(|t| base_y - scale(t)),
            }
        })
        .collect();
    Chart {
        title: title.to_string(),
        width: left + 8 + bars.len().max(1) as i64 * SLOT,
        height: (label_y + reach + 6).max(base_y + 40),
        base_y,
        label_y,
        bars: placed,
    }
}

/// The chart as SVG markup, ready to put in a page.
pub fn bar_chart(title: &str, bars: &[Bar]) -> Result<String, WebError> {
    layout(title, bars).render().map_err(|_| WebError::Internal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_value_or_target_and_labels_are_escaped() {
        let chart = layout(
            "x",
            &[
                Bar {
                    label: "a".into(),
                    value: 10,
                    target: Some(20),
                },
                Bar {
                    label: "b".into(),
                    value: 20,
                    target: None,
                },
            ],
        );
        assert_eq!(chart.bars[0].height, PLOT_HEIGHT / 2);
        assert_eq!(chart.bars[1].height, PLOT_HEIGHT);
        assert_eq!(chart.bars[0].target_y, Some(TOP));
        let svg = bar_chart(
            "<t>",
            &[Bar {
                label: "<script>".into(),
                value: 1,
                target: None,
            }],
        )
        .unwrap();
        assert!(svg.starts_with("<svg"));
        assert!(!svg.contains("<script>") && !svg.contains("<t>"));
        // No bars: still a (blank) chart, no division by zero.
        assert_eq!(layout("empty", &[]).bars.len(), 0);
    }

    #[test]
    fn every_label_fits_on_the_canvas_and_a_long_one_is_cut() {
        let name = "Rahmat Hidayatullah bin Abdurrahman Wahid";
        let bars: Vec<Bar> = ["09/11", name, "08/12"]
            .iter()
            .map(|label| Bar {
                label: label.to_string(),
                value: 3,
                target: None,
            })
            .collect();
        let chart = layout("t", &bars);
        for bar in &chart.bars {
            // Drawn at 45°, anchored at its end: it reaches down and to the left.
            let reach = label_reach(&bar.axis_label);
            assert!(bar.label_x - reach >= 0, "{} clipped left", bar.axis_label);
            assert!(
                chart.label_y + reach <= chart.height,
                "{} clipped below",
                bar.axis_label
            );
        }
        let cut = &chart.bars[1].axis_label;
        assert_eq!(cut.chars().count(), LABEL_CHARS);
        assert!(
            cut.starts_with("Rahmat Hidayatu") && cut.ends_with('…'),
            "{cut}"
        );
        assert_eq!(
            chart.bars[1].label, name,
            "the tooltip keeps the whole name"
        );
        assert_eq!(chart.bars[0].axis_label, "09/11");
        // Multi-byte names are cut on characters, not bytes.
        assert!(axis_label(&"é".repeat(40)).ends_with('…'));
    }
}
