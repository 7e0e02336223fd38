//! The quarterly pack (issue 20): per plan, whether its pack is sent and to whom, and the
//! performance team's release of a quarter's pack — the report's summary table and links to
//! the report and its Excel copy, mailed once to each active recipient through the outbox
//! (the worker delivers it; each recipient opens the links signed in as themselves).
use async_graphql::{Context, ID, InputObject, Object};
use pmf_core::Period;
use pmf_mail::PackRow;
use pmf_store::{
    entity::{quarterly_pack_release, user},
    packs::{self, PackContent},
};

use super::{
    authorise::{ADMIN, require_role},
    context::{begin, request, scope},
    input,
    people::UserObj,
    scalars::DateTime,
    summary::{SummaryCounts, performance_summary},
};
use crate::{error::GqlResult, links};

/// A plan's quarterly pack: whether it is sent, to whom, and each quarter's release.
pub struct QuarterlyPackObj {
    plan_id: i64,
    send: bool,
    recipients: Vec<user::Model>,
}

#[Object(name = "QuarterlyPack")]
impl QuarterlyPackObj {
    async fn plan_id(&self) -> ID {
        ID(self.plan_id.to_string())
    }
    /// Whether releasing a quarter mails the pack to the recipients.
    async fn send(&self) -> bool {
        self.send
    }
    /// Who it goes to (inactive people are listed but sent nothing).
    async fn recipients(&self) -> Vec<UserObj> {
        self.recipients.iter().cloned().map(UserObj).collect()
    }
    /// The quarter's release, or null while it has not been released.
    async fn release(
        &self,
        ctx: &Context<'_>,
        period: String,
    ) -> GqlResult<Option<QuarterlyPackReleaseObj>> {
        let period = input::period(&period)?;
        let org = scope(ctx)?.org.id;
        Ok(
            packs::release_of(&request(ctx).db.conn, org, self.plan_id, &period)
                .await?
                .map(QuarterlyPackReleaseObj),
        )
    }
}

/// A quarter's pack, released.
pub struct QuarterlyPackReleaseObj(quarterly_pack_release::Model);

#[Object(name = "QuarterlyPackRelease")]
impl QuarterlyPackReleaseObj {
    async fn plan_id(&self) -> ID {
        ID(self.0.plan_id.to_string())
    }
    async fn period(&self) -> &str {
        &self.0.period
    }
    async fn released_at(&self) -> DateTime {
        DateTime(self.0.released_at)
    }
    /// How many people were sent it (the active recipients when it was released).
    async fn recipients(&self) -> i32 {
        self.0.recipients
    }
}

#[derive(InputObject)]
pub struct SetQuarterlyPackInput {
    pub plan_id: ID,
    /// Whether releasing a quarter mails the pack.
    pub send: bool,
    /// Who receives it (replacing the list), e.g. Cabinet members and the scrutiny committee.
    pub recipient_ids: Vec<ID>,
}

async fn pack(ctx: &Context<'_>, plan_id: i64) -> GqlResult<QuarterlyPackObj> {
    let org = scope(ctx)?.org.id;
    let db = &request(ctx).db.conn;
    pmf_store::plans::plan(db, org, plan_id).await?;
    Ok(QuarterlyPackObj {
        plan_id,
        send: packs::sends_pack(db, org, plan_id).await?,
        recipients: packs::recipients(db, org, plan_id).await?,
    })
}

#[derive(Default)]
pub struct PackQueries;

#[Object]
impl PackQueries {
    /// A plan's quarterly pack settings and releases (ADMIN).
    async fn quarterly_pack(&self, ctx: &Context<'_>, plan_id: ID) -> GqlResult<QuarterlyPackObj> {
        require_role(ctx, ADMIN, "see the quarterly pack's settings")?;
        pack(ctx, input::id(&plan_id, "plan")?).await
    }
}

#[derive(Default)]
pub struct PackMutations;

fn row(heading: String, c: &SummaryCounts) -> PackRow {
    PackRow {
        heading,
        indicators_red: c.indicators.red,
        indicators_amber: c.indicators.amber,
        indicators_green: c.indicators.green,
        actions_red: c.actions.red,
        actions_amber: c.actions.amber,
        actions_green: c.actions.green,
        actions_blue: c.actions.blue,
        actions_completed: c.actions.completed,
    }
}

#[Object]
impl PackMutations {
    /// Sets whether a plan's quarterly pack is sent and to whom (ADMIN).
    async fn set_quarterly_pack(
        &self,
        ctx: &Context<'_>,
        input: SetQuarterlyPackInput,
    ) -> GqlResult<QuarterlyPackObj> {
        require_role(ctx, ADMIN, "change the quarterly pack")?;
        let plan_id = input::id(&input.plan_id, "plan")?;
        let users = input
            .recipient_ids
            .iter()
            .map(|id| input::id(id, "user"))
            .collect::<GqlResult<Vec<i64>>>()?;
        let uow = begin(ctx).await?;
        let settings = packs::set_pack(&uow, plan_id, input.send, &users).await?;
        uow.commit().await?;
        Ok(QuarterlyPackObj {
            plan_id,
            send: settings.send,
            recipients: settings.recipients,
        })
    }

    /// Releases a quarter's pack (ADMIN): the summary table as it stands now and links to
    /// the report and its Excel copy, mailed once to each active recipient. A quarter is
    /// released once (again: CONFLICT); a plan whose pack is not sent cannot be released.
    async fn release_quarterly_pack(
        &self,
        ctx: &Context<'_>,
        plan_id: ID,
        period: String,
    ) -> GqlResult<QuarterlyPackReleaseObj> {
        require_role(ctx, ADMIN, "release the quarterly pack")?;
        let id = input::id(&plan_id, "plan")?;
        let period: Period = input::period(&period)?;
        let scope = scope(ctx)?;
        let plan = pmf_store::plans::plan(&request(ctx).db.conn, scope.org.id, id).await?;
        let summary = performance_summary(ctx, &plan_id, period).await?;
        let mut rows: Vec<PackRow> = summary
            .priorities
            .iter()
            .map(|p| {
                let heading = match p.priority.0.code.as_deref().filter(|c| !c.is_empty()) {
                    Some(code) => format!("{code}. {}", p.priority.0.title),
                    None => p.priority.0.title.clone(),
                };
                row(heading, &p.counts)
            })
            .collect();
        rows.push(row("Overall".into(), &summary.overall));
        let public_url = &request(ctx).public_url;
        let report_url = links::report_url(public_url, plan.id, &period, None);
        let excel_url = format!(
            "{}{}.xlsx",
            public_url.trim_end_matches('/'),
            links::report_path(plan.id, &period)
        );
        let mail_links = pmf_mail::Links::new(public_url);
        let uow = begin(ctx).await?;
        let release = packs::release(
            &uow,
            &mail_links,
            plan.id,
            period,
            &PackContent {
                council: &scope.org.name,
                plan_title: &plan.title,
                rows: &rows,
                report_url: &report_url,
                excel_url: &excel_url,
            },
        )
        .await?;
        uow.commit().await?;
        Ok(QuarterlyPackReleaseObj(release))
    }
}
