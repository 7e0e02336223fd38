//! The report's charts, drawn by the server as SVG (nothing to run in the browser, so they
//! print): a stacked bar of statuses per priority for this period and the one before, and a
//! sparkline of an indicator's last periods with its target. This module only works out the
//! geometry and the words; the template draws it and escapes every text. Each chart carries
//! its numbers as words too (`label`, read out as the SVG's accessible name), and every
//! segment and point its status letter or word: colour is never the only carrier.
use serde::Serialize;

/// Width of a bar in the SVG's units (the template's viewBox).
const BAR_WIDTH: f64 = 240.0;
/// A segment narrower than this has no count written in it (the label still has it).
const MIN_LABELLED: f64 = 22.0;

/// A part of a stacked bar: a status and how many items have it.
#[derive(Debug, Clone, Copy)]
pub struct Part {
    /// CSS class of the colour (`red`, `amber`, `green`, `blue`, `completed`).
    pub class: &'static str,
    /// Letter written in the segment (`R`, `A`, `G`, `B`, `C`).
    pub letter: &'static str,
    /// Word in the label (`red`).
    pub word: &'static str,
    pub count: u32,
}

#[derive(Debug, Serialize, PartialEq)]
pub struct Segment {
    pub class: &'static str,
    /// `R 3`, or empty when the segment is too narrow to hold it.
    pub text: String,
    pub x: f64,
    pub width: f64,
    /// The middle of the segment, where its text goes.
    pub middle: f64,
}

/// One period's bar.
#[derive(Debug, Serialize, PartialEq)]
pub struct Bar {
    pub period: String,
    pub total: u32,
    pub segments: Vec<Segment>,
    /// `2026-27 Q2: 3 red, 2 amber, 10 green` (or `no rated items`).
    pub label: String,
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// A stacked bar of `parts` (zero counts leave no segment), `BAR_WIDTH` wide in all.
pub fn bar(period: String, parts: &[Part]) -> Bar {
    let total: u32 = parts.iter().map(|p| p.count).sum();
    let mut x = 0.0;
    let mut segments = Vec::new();
    for p in parts.iter().filter(|p| p.count > 0) {
        let width = BAR_WIDTH * f64::from(p.count) / f64::from(total);
        segments.push(Segment {
            class: p.class,
            text: if width >= MIN_LABELLED {
                format!("{} {}", p.letter, p.count)
            } else {
                String::new()
            },
            x: round1(x),
            width: round1(width),
            middle: round1(x + width / 2.0),
        });
        x += width;
    }
    let words: Vec<String> = parts
        .iter()
        .filter(|p| p.count > 0)
        .map(|p| format!("{} {}", p.count, p.word))
        .collect();
    let label = if words.is_empty() {
        format!("{period}: no rated items")
    } else {
        format!("{period}: {}", words.join(", "))
    };
    Bar {
        period,
        total,
        segments,
        label,
    }
}

/// One period of an indicator, for its sparkline.
#[derive(Debug, Clone)]
pub struct Point {
    pub period: String,
    pub actual: Option<f64>,
    pub target: Option<f64>,
    /// The status code (`RED`…).
    pub status: String,
}

#[derive(Debug, Serialize, PartialEq)]
pub struct Dot {
    pub x: f64,
    pub y: f64,
    /// `p-red`, `p-amber`, `p-green` or `p-none`.
    pub class: &'static str,
    /// `2026-27 Q2: 94 (Red)`.
    pub title: String,
}

#[derive(Debug, Serialize, PartialEq)]
pub struct Sparkline {
    /// SVG path of the values (`M x y L x y …`), broken where a period has none.
    pub actual: String,
    /// SVG path of the targets, when there are any.
    pub target: Option<String>,
    pub dots: Vec<Dot>,
    /// Every period in words, for the accessible name.
    pub label: String,
}

/// Sparkline size in the SVG's units (the template's viewBox).
const SPARK_W: f64 = 110.0;
const SPARK_H: f64 = 28.0;
const PAD: f64 = 3.0;

fn status_class(status: &str) -> &'static str {
    match status {
        "RED" => "p-red",
        "AMBER" => "p-amber",
        "GREEN" => "p-green",
        _ => "p-none",
    }
}

fn path(points: impl Iterator<Item = Option<(f64, f64)>>) -> String {
    let mut out = String::new();
    let mut pen_down = false;
    for p in points {
        match p {
            Some((x, y)) => {
                if !out.is_empty() {
                    out.push(' ');
                }
                out.push_str(&format!("{} {x} {y}", if pen_down { "L" } else { "M" }));
                pen_down = true;
            }
            None => pen_down = false,
        }
    }
    out
}

/// The sparkline of `points` (oldest first); `None` when no period has a value. `value` writes
/// a number in the indicator's unit; `status_words` a status code in words.
pub fn sparkline(
    points: &[Point],
    value: impl Fn(f64) -> String,
    status_words: impl Fn(&str) -> String,
) -> Option<Sparkline> {
    if points.iter().all(|p| p.actual.is_none()) {
        return None;
    }
    let numbers = points
        .iter()
        .flat_map(|p| [p.actual, p.target])
        .flatten()
        .filter(|v| v.is_finite());
    let (low, high) = numbers.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    let span = if high > low { high - low } else { 1.0 };
    let step = if points.len() > 1 {
        (SPARK_W - 2.0 * PAD) / (points.len() - 1) as f64
    } else {
        0.0
    };
    let at = |i: usize, v: f64| {
        let x = round1(PAD + step * i as f64);
        // The middle when every value is the same; higher values higher up.
        let y = if high > low {
            round1(SPARK_H - PAD - (v - low) / span * (SPARK_H - 2.0 * PAD))
        } else {
            SPARK_H / 2.0
        };
        (x, y)
    };
    let actual = path(
        points
            .iter()
            .enumerate()
            .map(|(i, p)| p.actual.map(|v| at(i, v))),
    );
    let target = path(
        points
            .iter()
            .enumerate()
            .map(|(i, p)| p.target.map(|v| at(i, v))),
    );
    let dots = points
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            let v = p.actual?;
            let (x, y) = at(i, v);
            Some(Dot {
                x,
                y,
                class: status_class(&p.status),
                title: format!("{}: {} ({})", p.period, value(v), status_words(&p.status)),
            })
        })
        .collect();
    let words: Vec<String> = points
        .iter()
        .map(|p| {
            let actual = p.actual.map_or_else(|| "no value".to_string(), &value);
            match p.target {
                Some(t) => format!("{} {actual}, target {}", p.period, value(t)),
                None => format!("{} {actual}", p.period),
            }
        })
        .collect();
    Some(Sparkline {
        actual,
        target: (!target.is_empty()).then_some(target),
        dots,
        label: format!("Last {} periods: {}", points.len(), words.join("; ")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(class: &'static str, count: u32) -> Part {
        Part {
            class,
            letter: "X",
            word: class,
            count,
        }
    }

    #[test]
    fn a_bar_shares_its_width_by_count_and_says_it_in_words() {
        let b = bar(
            "2026-27 Q2".into(),
            &[part("red", 1), part("amber", 0), part("green", 3)],
        );
        assert_eq!(b.total, 4);
        assert_eq!(b.label, "2026-27 Q2: 1 red, 3 green");
        assert_eq!(b.segments.len(), 2, "no segment for a zero count");
        assert_eq!((b.segments[0].x, b.segments[0].width), (0.0, 60.0));
        assert_eq!((b.segments[1].x, b.segments[1].width), (60.0, 180.0));
        assert_eq!(b.segments[1].middle, 150.0);
        assert_eq!(b.segments[0].text, "X 1");
    }

    #[test]
    fn a_narrow_segment_has_no_text_and_an_empty_bar_says_so() {
        let b = bar("Q".into(), &[part("red", 1), part("green", 99)]);
        assert_eq!(b.segments[0].text, "", "2.4 units is too narrow");
        assert_eq!(b.label, "Q: 1 red, 99 green");
        let empty = bar("2026-27 Q1".into(), &[part("red", 0)]);
        assert!(empty.segments.is_empty());
        assert_eq!(empty.label, "2026-27 Q1: no rated items");
    }

    fn point(period: &str, actual: Option<f64>, target: Option<f64>, status: &str) -> Point {
        Point {
            period: period.into(),
            actual,
            target,
            status: status.into(),
        }
    }

    #[test]
    fn a_sparkline_scales_values_and_targets_together_and_breaks_at_gaps() {
        let s = sparkline(
            &[
                point("Q1", Some(10.0), Some(20.0), "RED"),
                point("Q2", None, Some(20.0), "NO_DATA"),
                point("Q3", Some(30.0), Some(20.0), "GREEN"),
            ],
            |v| format!("{v}"),
            |s| s.to_lowercase(),
        )
        .unwrap();
        // 10 is the lowest (bottom), 30 the highest (top), the target of 20 in the middle.
        assert_eq!(s.actual, "M 3 25 M 107 3");
        assert_eq!(s.target.as_deref(), Some("M 3 14 L 55 14 L 107 14"));
        assert_eq!(s.dots.len(), 2);
        assert_eq!(s.dots[0].class, "p-red");
        assert_eq!(s.dots[0].title, "Q1: 10 (red)");
        assert_eq!(
            s.label,
            "Last 3 periods: Q1 10, target 20; Q2 no value, target 20; Q3 30, target 20"
        );
    }

    #[test]
    fn no_values_no_sparkline_and_a_flat_line_sits_in_the_middle() {
        let none = sparkline(
            &[point("Q1", None, Some(1.0), "NO_DATA")],
            |v| v.to_string(),
            |s| s.into(),
        );
        assert!(none.is_none());
        let flat = sparkline(
            &[
                point("Q1", Some(5.0), None, "NO_TARGET"),
                point("Q2", Some(5.0), None, "NO_TARGET"),
            ],
            |v| v.to_string(),
            |s| s.into(),
        )
        .unwrap();
        assert_eq!(flat.actual, "M 3 14 L 107 14");
        assert_eq!(flat.target, None);
        assert_eq!(flat.dots[1].class, "p-none");
    }
}
