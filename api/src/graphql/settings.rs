//! The council and its settings.
use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object};
use pmf_store::{
    Change, OrganisationSettings,
    organisations::{self, SettingsChange},
};

use super::{
    authorise::{ADMIN, require_role},
    benchmarking::{ComparatorGroupObj, load_group},
    context::{begin, scope},
    enums::OnTolerance,
    input::{MAX_TITLE, clearable_id, new_text},
};
use crate::error::{GqlResult, gql};

pub struct OrganisationObj(pub OrganisationSettings);

#[Object(name = "Organisation")]
impl OrganisationObj {
    async fn id(&self) -> ID {
        self.0.id.into()
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    async fn time_zone(&self) -> String {
        self.0.time_zone.name().to_string()
    }
    /// First month of the financial year (4 = April).
    async fn financial_year_start_month(&self) -> u32 {
        self.0.fy_start.month()
    }
    /// Day of the month by which monthly and quarterly values are due.
    async fn deadline_day(&self) -> u32 {
        self.0.deadline_day.get() as u32
    }
    /// Local time of the daily reminder sweep, "08:00".
    async fn reminder_time(&self) -> String {
        self.0.reminder_time.to_string()
    }
    async fn amber_alerts(&self) -> bool {
        self.0.amber_alerts
    }
    /// The tolerance, in percent of the target, of an indicator created without one (5).
    async fn default_tolerance_pct(&self) -> f64 {
        self.0.rating.default_tolerance.pct()
    }
    /// What a value exactly on the tolerance is: RED ("5 % or more below target", the
    /// default) or AMBER (red only when "missed by more than 5 %").
    async fn on_tolerance(&self) -> OnTolerance {
        self.0.rating.on_tolerance.into()
    }
    /// The council's own GSS area code (E07000146): its row in comparator data is not a
    /// comparator (its own value is its recorded actual).
    async fn area_code(&self) -> Option<String> {
        self.0.area_code.as_ref().map(ToString::to_string)
    }
    /// The comparator group indicators are benchmarked against unless they name their own.
    async fn comparator_group(&self, ctx: &Context<'_>) -> GqlResult<Option<ComparatorGroupObj>> {
        load_group(ctx, self.0.comparator_group_id).await
    }
}

#[derive(InputObject)]
pub struct OrganisationSettingsInput {
    pub name: Option<String>,
    /// An IANA time zone such as "Europe/London".
    pub time_zone: Option<String>,
    /// 1–12; 4 = April.
    pub financial_year_start_month: Option<i32>,
    /// 1–28; the day of the month data is due by.
    pub deadline_day: Option<i32>,
    /// "HH:MM", local time of the daily reminder sweep.
    pub reminder_time: Option<String>,
    pub amber_alerts: Option<bool>,
    /// 0–100: the tolerance of indicators created without one (existing ones keep theirs).
    pub default_tolerance_pct: Option<f64>,
    /// Whether a value exactly on the tolerance is RED or AMBER.
    pub on_tolerance: Option<OnTolerance>,
    /// The council's GSS area code: a letter and eight digits, such as E07000146 (null:
    /// none).
    pub area_code: MaybeUndefined<String>,
    /// The default comparator group (null: none).
    pub comparator_group_id: MaybeUndefined<ID>,
}

impl OrganisationSettingsInput {
    fn parse(self) -> GqlResult<SettingsChange> {
        let bad = |e: &dyn std::fmt::Display| gql::bad_input(e.to_string());
        Ok(SettingsChange {
            name: new_text("name", self.name.as_deref(), MAX_TITLE)?,
            time_zone: self
                .time_zone
                .map(|tz| {
                    tz.trim().parse::<chrono_tz::Tz>().map_err(|_| {
                        gql::bad_input(format!(
                            "{tz:?} is not a time zone: use a name such as Europe/London"
                        ))
                    })
                })
                .transpose()?,
            fy_start: self
                .financial_year_start_month
                .map(|m| pmf_core::FyStart::try_from(m).map_err(|e| bad(&e)))
                .transpose()?,
            deadline_day: self
                .deadline_day
                .map(|d| pmf_core::DeadlineDay::try_from(d).map_err(|e| bad(&e)))
                .transpose()?,
            reminder_time: self
                .reminder_time
                .map(|t| t.parse::<pmf_core::ReminderTime>().map_err(|e| bad(&e)))
                .transpose()?,
            amber_alerts: self.amber_alerts,
            default_tolerance: self
                .default_tolerance_pct
                .map(|p| {
                    pmf_core::DefaultTolerance::new(p)
                        .map_err(|e| gql::bad_input(format!("defaultTolerancePct: {e}")))
                })
                .transpose()?,
            on_tolerance: self.on_tolerance.map(Into::into),
            area_code: match self.area_code {
                MaybeUndefined::Undefined => Change::Leave,
                MaybeUndefined::Null => Change::Clear,
                MaybeUndefined::Value(a) => {
                    Change::To(pmf_core::AreaCode::parse(&a).map_err(|e| {
                        gql::bad_input(format!("areaCode {:?}: {}", e.input, e.reason))
                    })?)
                }
            },
            comparator_group_id: clearable_id(&self.comparator_group_id, "comparator group")?,
        })
    }
}

#[derive(Default)]
pub struct SettingsQueries;

#[Object]
impl SettingsQueries {
    async fn organisation(&self, ctx: &Context<'_>) -> GqlResult<OrganisationObj> {
        Ok(OrganisationObj(scope(ctx)?.org.clone()))
    }
}

#[derive(Default)]
pub struct SettingsMutations;

#[Object]
impl SettingsMutations {
    /// Changes the council's settings (ADMIN).
    async fn update_organisation_settings(
        &self,
        ctx: &Context<'_>,
        input: OrganisationSettingsInput,
    ) -> GqlResult<OrganisationObj> {
        require_role(ctx, ADMIN, "change the council's settings")?;
        let change = input.parse()?;
        let uow = begin(ctx).await?;
        let settings = organisations::update_settings(&uow, change).await?;
        uow.commit().await?;
        Ok(OrganisationObj(settings))
    }
}
