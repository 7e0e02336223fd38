//! Tables printed as Markdown, so a run's output can go into BENCHMARKS.md as it is.
use std::time::Duration;

pub struct Table {
    pub title: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(title: &str, headers: &[&str]) -> Self {
        Self {
            title: title.to_string(),
            headers: headers.iter().map(|h| h.to_string()).collect(),
            rows: vec![],
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    pub fn render(&self) -> String {
        let columns = self.headers.len();
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.chars().count()).collect();
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate().take(columns) {
                widths[i] = widths[i].max(cell.chars().count());
            }
        }
        let line = |cells: &[String]| {
            let mut out = String::from("|");
            for (i, w) in widths.iter().enumerate() {
                let cell = cells.get(i).map(String::as_str).unwrap_or("");
                let pad = w - cell.chars().count();
                out.push_str(&format!(" {cell}{} |", " ".repeat(pad)));
            }
            out
        };
        let mut out = format!("\n### {}\n\n", self.title);
        out.push_str(&line(&self.headers));
        out.push('\n');
        out.push('|');
        for w in &widths {
            out.push_str(&format!("{}|", "-".repeat(w + 2)));
        }
        out.push('\n');
        for row in &self.rows {
            out.push_str(&line(row));
            out.push('\n');
        }
        out
    }
}

pub fn ms(d: Duration) -> String {
    let v = d.as_secs_f64() * 1000.0;
    if v < 10.0 {
        format!("{v:.2} ms")
    } else {
        format!("{v:.1} ms")
    }
}

pub fn secs(s: f64) -> String {
    if s < 10.0 {
        format!("{s:.2} s")
    } else {
        format!("{s:.1} s")
    }
}

pub fn mib(m: f64) -> String {
    format!("{m:.0} MiB")
}

pub fn ratio(ours: f64, theirs: f64) -> String {
    if theirs <= 0.0 {
        "—".into()
    } else {
        format!("{:.1}×", ours / theirs)
    }
}

pub fn met(ok: bool) -> String {
    if ok { "met".into() } else { "MISSED".into() }
}

/// Writes `rows` to `path` as a JSON array (`--json FILE`), and says so.
pub fn write_json(path: &std::path::Path, rows: &[serde_json::Value]) -> anyhow::Result<()> {
    let text = serde_json::to_string_pretty(rows)?;
    std::fs::write(path, text + "\n")
        .map_err(|e| anyhow::anyhow!("writing {}: {e}", path.display()))?;
    println!("Rows written to {} (JSON).", path.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_an_aligned_markdown_table() {
        let mut t = Table::new("T", &["a", "bb"]);
        t.row(vec!["long".into(), "1".into()]);
        assert_eq!(
            t.render(),
            "\n### T\n\n| a    | bb |\n|------|----|\n| long | 1  |\n"
        );
        assert_eq!(ratio(10.0, 4.0), "2.5×");
        assert_eq!(ratio(1.0, 0.0), "—");
    }
}
