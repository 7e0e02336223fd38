//! Rated results kept (issue 19, point 2): after any sequence of changes made through the
//! store's own writes, the results an API process kept (`pmf_store::kept_results`) and takes
//! again equal the results rated afresh from the stored rows by the rules.
//!
//! The property runs on the demo council (the same changes as the kept outstanding items'
//! property, `outstanding.rs`), each case inside one unit of work that is never committed
//! (so rolled back): the results of every indicator in a dozen periods are rated and kept
//! first; after each change the unit of work moves the results versions on as its commit
//! would, and the results asked through what is kept are compared with a fresh rating.
//! `PROPTEST_CASES` sets how many cases (24 by default; a few hundred by hand).
use std::{cell::Cell, collections::HashMap};

use pmf_core::Period;
use pmf_store::{
    UnitOfWork,
    kept_results::KeptResults,
    results::{self, PeriodEvaluation},
};
use proptest::prelude::*;

use super::outstanding::{Step, World, property_world, step};

/// The periods every indicator is asked for: months, quarters and financial years, before,
/// around and after the demo's data.
const ASKED: [&str; 12] = [
    "2024-25",
    "2025-26",
    "2024-25 Q4",
    "2025-26 Q1",
    "2025-26 Q2",
    "2025-26 Q3",
    "2025-03",
    "2025-04",
    "2025-06",
    "2025-09",
    "2025-10",
    "2025-11",
];

fn written(results: &[std::sync::Arc<PeriodEvaluation>]) -> Vec<String> {
    results.iter().map(|e| format!("{e:?}")).collect()
}

impl World {
    /// Applies the steps in one unit of work, comparing after each; never commits.
    async fn kept_case(&self, steps: &[Step]) -> Result<u64, String> {
        let uow = UnitOfWork::begin(&self.db, self.organisation_id, Some(self.admin), self.now)
            .await
            .map_err(|e| e.to_string())?;
        let keys: Vec<(i64, Period)> = self
            .indicators
            .iter()
            .flat_map(|id| {
                ASKED
                    .iter()
                    .map(move |p| (*id, Period::parse(p).expect("a period")))
            })
            .collect();
        let kept = KeptResults::new(64 << 20);
        let none = HashMap::new();
        let org = self.settings(&uow).await;
        results::evaluate_ids_knowing(&uow, &org, &keys, &none, Some(&kept))
            .await
            .map_err(|e| e.to_string())?;
        let found_before = kept.found();
        for (n, step) in steps.iter().enumerate() {
            match self.apply(&uow, step).await {
                Ok(()) => {}
                Err(e) if e.is_refusal() => {}
                Err(e) => return Err(format!("step {n} {step:?}: {e}")),
            }
            uow.keep_up_to_date().await.map_err(|e| e.to_string())?;
            let org = self.settings(&uow).await;
            let from_kept = results::evaluate_ids_knowing(&uow, &org, &keys, &none, Some(&kept))
                .await
                .map_err(|e| e.to_string())?;
            let fresh = results::evaluate_ids(&uow, &org, &keys)
                .await
                .map_err(|e| e.to_string())?;
            let (from_kept, fresh) = (written(&from_kept), written(&fresh));
            if from_kept != fresh {
                let differ: Vec<_> = from_kept
                    .iter()
                    .zip(&fresh)
                    .filter(|(k, f)| k != f)
                    .take(3)
                    .collect();
                return Err(format!(
                    "after step {n} {step:?}: {} of {} results differ, e.g. {differ:#?}",
                    from_kept.iter().zip(&fresh).filter(|(k, f)| k != f).count(),
                    fresh.len()
                ));
            }
        }
        drop(uow);
        Ok(kept.found() - found_before)
    }
}

#[test]
fn kept_results_equal_a_fresh_rating_after_any_changes() {
    let (rt, world, mut runner) = property_world();
    let (found, asked) = (Cell::new(0u64), Cell::new(0u64));
    let result = runner.run(&proptest::collection::vec(step(), 1..40), |steps| {
        let n = rt
            .block_on(world.kept_case(&steps))
            .map_err(TestCaseError::fail)?;
        found.set(found.get() + n);
        asked.set(asked.get() + (steps.len() * world.indicators.len() * ASKED.len()) as u64);
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    // Most results were taken from what was kept (a change touches one indicator, or the
    // whole council now and then), so the comparison tested the kept ones, not only the
    // ones rated again.
    let (found, asked) = (found.get(), asked.get());
    assert!(found * 2 > asked, "{found} of {asked} results found kept");
    drop(world);
}
