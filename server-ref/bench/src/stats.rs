//! Percentiles, medians over runs, and the printed table.

use std::collections::BTreeMap;

/// Which direction is good for a measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Better {
    /// Lower is better (latency, memory, size).
    Lower,
    /// Higher is better (rates).
    Higher,
}

/// One row of the table, from one run.
#[derive(Debug, Clone)]
pub struct Measure {
    /// What is measured (also the key that groups runs).
    pub name: String,
    /// Unit of both values.
    pub unit: &'static str,
    /// Chinwag's value.
    pub chinwag: f64,
    /// The baseline's value, if this row has one.
    pub baseline: Option<f64>,
    /// Which direction is good.
    pub better: Better,
    /// The aim from the issue, as text.
    pub aim: &'static str,
}

impl Measure {
    /// A row with a baseline.
    pub fn new(
        name: impl Into<String>,
        unit: &'static str,
        chinwag: f64,
        baseline: f64,
        better: Better,
        aim: &'static str,
    ) -> Self {
        Measure {
            name: name.into(),
            unit,
            chinwag,
            baseline: Some(baseline),
            better,
            aim,
        }
    }
}

/// The `p`-th percentile (0–100) of sorted samples (nearest rank).
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    // The small subtraction keeps float error (0.999 × 1000 = 999.0000000000001) from
    // moving the rank up by one.
    let rank = ((p / 100.0) * sorted.len() as f64 - 1e-9).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// The median of `values` (NaN if empty).
pub fn median(mut values: Vec<f64>) -> f64 {
    values.retain(|v| !v.is_nan());
    values.sort_by(|a, b| a.total_cmp(b));
    match values.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

/// Folds the rows of several runs into one row per name (in first-seen order), each value
/// the median over the runs.
pub fn medians(runs: &[Vec<Measure>]) -> Vec<Measure> {
    let mut order = Vec::new();
    let mut by_name: BTreeMap<String, Vec<&Measure>> = BTreeMap::new();
    for m in runs.iter().flatten() {
        if !by_name.contains_key(&m.name) {
            order.push(m.name.clone());
        }
        by_name.entry(m.name.clone()).or_default().push(m);
    }
    order
        .into_iter()
        .map(|name| {
            let rows = &by_name[&name];
            let mut row = rows[0].clone();
            row.chinwag = median(rows.iter().map(|m| m.chinwag).collect());
            row.baseline = rows[0]
                .baseline
                .map(|_| median(rows.iter().filter_map(|m| m.baseline).collect()));
            row
        })
        .collect()
}

fn number(v: f64) -> String {
    if v.is_nan() {
        "—".into()
    } else if v >= 100_000.0 {
        format!("{:.0}k", v / 1000.0)
    } else if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

/// The table as Markdown: measure, Chinwag, baseline, ratio (Chinwag / baseline), aim.
pub fn table(rows: &[Measure], baseline_title: &str) -> String {
    let mut out = format!(
        "| measure | unit | Chinwag | {baseline_title} | ratio | aim |\n|---|---|--:|--:|--:|---|\n"
    );
    for r in rows {
        let (base, ratio) = match r.baseline {
            Some(b) => (number(b), format!("{:.2}×", r.chinwag / b)),
            None => ("—".into(), "—".into()),
        };
        let arrow = match r.better {
            Better::Lower => "↓",
            Better::Higher => "↑",
        };
        out.push_str(&format!(
            "| {} {arrow} | {} | {} | {base} | {ratio} | {} |\n",
            r.name,
            r.unit,
            number(r.chinwag),
            r.aim
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let xs: Vec<f64> = (1..=1000).map(f64::from).collect();
        assert_eq!(percentile(&xs, 50.0), 500.0);
        assert_eq!(percentile(&xs, 99.0), 990.0);
        assert_eq!(percentile(&xs, 99.9), 999.0);
        assert_eq!(percentile(&xs, 100.0), 1000.0);
        assert_eq!(percentile(&[7.0], 99.9), 7.0);
    }

    #[test]
    fn medians_fold_runs_by_name() {
        let run = |v: f64| vec![Measure::new("x", "µs", v, v * 2.0, Better::Lower, "")];
        let rows = medians(&[run(3.0), run(1.0), run(2.0)]);
        assert_eq!(rows.len(), 1);
        assert_eq!((rows[0].chinwag, rows[0].baseline), (2.0, Some(4.0)));
        assert_eq!(median(vec![1.0, 4.0]), 2.5);
    }
}
