//! Trend charts of the Overview as SVG, drawn with plotters on the server.
//!
//! Why on the server: the page stays free of any JavaScript charting library, the chart is in
//! the first paint (SSR), and the screenshot of a page shows exactly what the server drew.
//! The SVG is put inline into the page (so hover titles work), which is safe because
//! (1) every text plotters writes is XML-escaped by plotters-svg, (2) the hover titles added
//! here are escaped by [`xml_escape`], (3) the labels are dates, numbers and fixed translated
//! series names, never text from logs, and (4) [`check_safe`] refuses any output with
//! scripts, event handlers, links or foreign objects before it leaves this module.

use crate::error::{Error, Result};
use plotters::prelude::*;

/// Pixel size of a chart (the page scales it to its column with CSS).
pub const WIDTH: u32 = 640;
pub const HEIGHT: u32 = 300;

/// One line of a chart.
#[derive(Debug, Clone)]
pub struct Series {
    /// Stable key (also the `hide=` value of the legend toggle).
    pub key: String,
    /// Label in the legend and hover titles (already translated).
    pub label: String,
    pub color: (u8, u8, u8),
    /// One value per day of [`Chart::days`].
    pub values: Vec<i64>,
}

/// What to draw: a title, axis descriptions (with units), the days and the visible series.
#[derive(Debug, Clone)]
pub struct Chart {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    /// Days as `YYYY-MM-DD`.
    pub days: Vec<String>,
    pub series: Vec<Series>,
}

/// Escapes text for XML content and attribute values.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && c != '\n' && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

fn draw_err<E: std::fmt::Debug>(e: E) -> Error {
    Error::Internal(format!("chart drawing failed: {e:?}"))
}

/// A round upper bound for the y axis (at least 5, so an empty chart still has a scale).
fn nice_max(max: i64) -> i64 {
    let target = ((max as f64) * 1.1).ceil().max(5.0);
    let mag = 10f64.powi(target.log10().floor() as i32);
    for step in [1.0, 2.0, 2.5, 5.0, 10.0] {
        if step * mag >= target {
            return (step * mag) as i64;
        }
    }
    (10.0 * mag) as i64
}

/// `12345` → `12,345`.
pub fn group_digits(v: i64) -> String {
    let s = v.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if v < 0 {
        format!("-{out}")
    } else {
        out
    }
}

/// `2026-05-01` → `05-01` for the x axis.
fn short_day(d: &str) -> String {
    d.get(5..).unwrap_or(d).to_string()
}

/// Draws `chart` as a standalone SVG document with axes, legend and a hover title per day.
pub fn render(chart: &Chart) -> Result<String> {
    let n = chart.days.len();
    let max = chart
        .series
        .iter()
        .flat_map(|s| s.values.iter().copied())
        .max()
        .unwrap_or(0);
    let y_max = nice_max(max);
    let x_max = (n as i32 - 1).max(1);
    let mut svg = String::new();
    let mut hover = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;
        let mut cc = ChartBuilder::on(&root)
            .margin_top(14)
            .margin_right(18)
            .margin_left(8)
            .margin_bottom(6)
            .x_label_area_size(42)
            .y_label_area_size(62)
            .build_cartesian_2d(0i32..x_max, 0i64..y_max)
            .map_err(draw_err)?;
        let days = &chart.days;
        let x_fmt = |x: &i32| -> String {
            days.get(*x as usize)
                .map(|d| short_day(d))
                .unwrap_or_default()
        };
        let y_fmt = |y: &i64| group_digits(*y);
        let axis_text = ("sans-serif", 13).into_font().color(&RGBColor(75, 85, 99));
        cc.configure_mesh()
            .x_labels(n.clamp(2, 8))
            .y_labels(6)
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt)
            .x_desc(chart.x_label.as_str())
            .y_desc(chart.y_label.as_str())
            .label_style(axis_text.clone())
            .axis_desc_style(axis_text)
            .bold_line_style(RGBColor(229, 231, 235))
            .light_line_style(RGBColor(243, 244, 246))
            .axis_style(RGBColor(156, 163, 175))
            .draw()
            .map_err(draw_err)?;
        for s in &chart.series {
            let color = RGBColor(s.color.0, s.color.1, s.color.2);
            let pts: Vec<(i32, i64)> = s
                .values
                .iter()
                .enumerate()
                .map(|(i, v)| (i as i32, *v))
                .collect();
            cc.draw_series(LineSeries::new(pts.clone(), color.stroke_width(2)))
                .map_err(draw_err)?
                .label(s.label.as_str())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(3))
                });
            if n <= 95 {
                cc.draw_series(pts.iter().map(|p| Circle::new(*p, 2, color.filled())))
                    .map_err(draw_err)?;
            }
        }
        if !chart.series.is_empty() {
            cc.configure_series_labels()
                .position(SeriesLabelPosition::UpperLeft)
                .label_font(("sans-serif", 13).into_font())
                .background_style(WHITE.mix(0.85))
                .border_style(RGBColor(209, 213, 219))
                .draw()
                .map_err(draw_err)?;
        }
        // Hover titles: one transparent band per day over the plot area.
        let (xr, yr) = cc.plotting_area().get_pixel_range();
        let step = if n > 1 {
            (xr.end - xr.start) as f64 / (n - 1) as f64
        } else {
            (xr.end - xr.start) as f64
        };
        hover.push_str("<g class=\"chart-hover\">\n");
        for (i, day) in chart.days.iter().enumerate() {
            let (cx, _) = cc.backend_coord(&(i as i32, 0));
            let x0 = (cx as f64 - step / 2.0).max(xr.start as f64);
            let x1 = (cx as f64 + step / 2.0).min(xr.end as f64);
            let mut title = day.clone();
            for s in &chart.series {
                let v = s.values.get(i).copied().unwrap_or(0);
                title.push_str(&format!("\n{}: {}", s.label, group_digits(v)));
            }
            hover.push_str(&format!(
                "<rect x=\"{:.1}\" y=\"{}\" width=\"{:.1}\" height=\"{}\" fill=\"#000\" fill-opacity=\"0\"><title>{}</title></rect>\n",
                x0,
                yr.start,
                (x1 - x0).max(1.0),
                yr.end - yr.start,
                xml_escape(&title)
            ));
        }
        hover.push_str("</g>\n");
        root.present().map_err(draw_err)?;
    }
    // Accessible name and document title, then the hover layer on top of everything.
    let label = xml_escape(&chart.title);
    let Some(open_end) = svg.find('>') else {
        return Err(Error::Internal(
            "chart drawing produced no <svg> element".into(),
        ));
    };
    let head = &svg[..open_end];
    let rest = &svg[open_end + 1..];
    let Some(close) = rest.rfind("</svg>") else {
        return Err(Error::Internal(
            "chart drawing produced an unterminated <svg>".into(),
        ));
    };
    let out = format!(
        "{head} role=\"img\" aria-label=\"{label}\">\n<title>{label}</title>\n{}{hover}</svg>\n",
        &rest[..close]
    );
    check_safe(&out)?;
    Ok(out)
}

/// Refuses SVG that could run or load anything when put inline into a page: script or
/// foreignObject elements, event-handler (`on…`), `href` or `style` attributes. Text nodes
/// are escaped, so every `<` starts a real tag and only tags need checking.
pub fn check_safe(svg: &str) -> Result<()> {
    let mut rest = svg;
    while let Some(start) = rest.find('<') {
        let end = rest[start..]
            .find('>')
            .map(|e| start + e)
            .ok_or_else(|| Error::Internal("chart SVG has an unterminated tag".into()))?;
        let tag = rest[start + 1..end].to_ascii_lowercase();
        let name = tag
            .trim_start_matches('/')
            .split(|c: char| c.is_whitespace() || c == '/')
            .next()
            .unwrap_or("");
        const ALLOWED: [&str; 10] = [
            "polygon", "svg", "g", "rect", "line", "polyline", "circle", "text", "title", "path",
        ];
        if !ALLOWED.contains(&name) && !name.starts_with('?') {
            return Err(Error::Internal(format!("chart SVG has a <{name}> element")));
        }
        // Attribute names: words directly before '=' outside quoted values.
        let mut in_quote = false;
        let mut word = String::new();
        for c in tag.chars() {
            match c {
                '"' => {
                    in_quote = !in_quote;
                    word.clear();
                }
                '=' if !in_quote => {
                    let w = word.trim();
                    if w.starts_with("on") || w.ends_with("href") || w == "style" {
                        return Err(Error::Internal(format!(
                            "chart SVG has a forbidden attribute {w:?}"
                        )));
                    }
                    word.clear();
                }
                c if !in_quote && c.is_whitespace() => word.clear(),
                c if !in_quote => word.push(c),
                _ => {}
            }
        }
        rest = &rest[end + 1..];
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart(label: &str) -> Chart {
        Chart {
            title: format!("Risk Trend {label}"),
            x_label: "Date (UTC)".into(),
            y_label: "Risks".into(),
            days: (1..=9).map(|d| format!("2026-03-0{d}")).collect(),
            series: vec![
                Series {
                    key: "high".into(),
                    label: label.into(),
                    color: (220, 38, 38),
                    values: vec![0, 1, 2, 3, 4, 5, 6, 7, 12345],
                },
                Series {
                    key: "low".into(),
                    label: "Low".into(),
                    color: (37, 99, 235),
                    values: vec![1; 9],
                },
            ],
        }
    }

    #[test]
    fn renders_axes_legend_and_hover_titles() {
        let svg = render(&chart("High")).unwrap();
        assert!(svg.starts_with("<svg "), "{}", &svg[..60]);
        assert!(svg.trim_end().ends_with("</svg>"));
        assert!(svg.contains("role=\"img\"") && svg.contains("<title>Risk Trend High</title>"));
        assert!(svg.contains(">\nDate (UTC)\n<") || svg.contains("Date (UTC)"));
        assert!(svg.contains("Risks"));
        assert!(
            svg.contains("03-01") && svg.contains("03-09"),
            "date labels"
        );
        assert!(svg.contains("High") && svg.contains("Low"), "legend");
        assert!(svg.contains("<title>2026-03-09\nHigh: 12,345\nLow: 1</title>"));
        assert!(
            svg.matches("fill-opacity=\"0\"><title>").count() == 9,
            "one hover band per day"
        );
        check_safe(&svg).unwrap();
    }

    #[test]
    fn labels_are_escaped_and_unsafe_svg_refused() {
        let evil = "<script>alert(1)</script>\" onload=\"x";
        let svg = render(&chart(evil)).unwrap();
        assert!(!svg.contains("<script"), "{svg}");
        assert!(svg.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(!svg.contains("\" onload=\""));
        assert!(check_safe("<svg><script>x</script></svg>").is_err());
        assert!(check_safe("<svg onload=\"x\"></svg>").is_err());
        assert!(check_safe("<svg><a href=\"javascript:x\"></a></svg>").is_err());
        assert!(check_safe("<svg><image xlink:href=\"x\"/></svg>").is_err());
        assert!(check_safe("<svg><text x=\"1\">on=1</text></svg>").is_ok());
    }

    #[test]
    fn empty_and_single_day_charts_render() {
        let mut c = chart("x");
        c.series.clear();
        render(&c).unwrap();
        c.days = vec!["2026-03-01".into()];
        c.series = vec![Series {
            key: "a".into(),
            label: "A".into(),
            color: (0, 0, 0),
            values: vec![3],
        }];
        let svg = render(&c).unwrap();
        assert!(svg.contains("<title>2026-03-01\nA: 3</title>"));
    }

    #[test]
    fn number_helpers() {
        assert_eq!(group_digits(1234567), "1,234,567");
        assert_eq!(group_digits(12), "12");
        assert_eq!(nice_max(0), 5);
        assert_eq!(nice_max(9), 10);
        assert_eq!(nice_max(120), 200);
        assert!(nice_max(12345) >= 13580);
    }
}
