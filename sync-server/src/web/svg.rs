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
    pub label: String,
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

/// Lays the bars out: heights scaled to the largest value or target.
pub fn layout(title: &str, bars: &[Bar]) -> Chart {
    let max = bars
        .iter()
        .map(|b| b.value.max(b.target.unwrap_or(0)))
        .max()
        .unwrap_or(0)
        .max(1);
    let scale = |v: i64| v.max(0) * PLOT_HEIGHT / max;
    let base_y = TOP + PLOT_HEIGHT;
    let placed = bars
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let x = 8 + i as i64 * SLOT;
            Placed {
                x,
                y: base_y - scale(b.value),
                width: SLOT - 6,
                height: scale(b.value),
                label: b.label.clone(),
                value: b.value,
                label_x: x + (SLOT - 6) / 2,
                target_y: b.target.map(|t| base_y - scale(t)),
            }
        })
        .collect();
    Chart {
        title: title.to_string(),
        width: 16 + bars.len().max(1) as i64 * SLOT,
        height: base_y + 40,
        base_y,
        label_y: base_y + 14,
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
}
