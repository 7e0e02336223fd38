//! The demo council's register, as data: its people, priorities, indicators and actions.
//! Measure names follow North Norfolk's Key Performance Measures (seed 003, Appendix A);
//! the peer-challenge actions follow King's Lynn & West Norfolk's action plan (seed 004).

pub struct UserDef {
    pub local: &'static str,
    pub name: &'static str,
    pub role: &'static str,
    pub manager: Option<&'static str>,
    pub active: bool,
}

const fn user(
    local: &'static str,
    name: &'static str,
    role: &'static str,
    manager: Option<&'static str>,
) -> UserDef {
    UserDef {
        local,
        name,
        role,
        manager,
        active: true,
    }
}

pub const USERS: &[UserDef] = &[
    user("admin", "Alex Morgan", "ADMIN", Some("director.resources")),
    user("chief.executive", "Sam Whitfield", "EXECUTIVE", None),
    user(
        "director.place",
        "Priya Nair",
        "EXECUTIVE",
        Some("chief.executive"),
    ),
    user(
        "director.resources",
        "Tom Hadley",
        "EXECUTIVE",
        Some("chief.executive"),
    ),
    user(
        "director.communities",
        "Grace Okafor",
        "EXECUTIVE",
        Some("chief.executive"),
    ),
    user("performance.officer", "Jo Ellis", "ADMIN", Some("admin")),
    user(
        "housing.manager",
        "Mark Bell",
        "MANAGER",
        Some("director.communities"),
    ),
    user(
        "planning.manager",
        "Ruth Carter",
        "MANAGER",
        Some("director.place"),
    ),
    user(
        "environment.manager",
        "Dan Price",
        "MANAGER",
        Some("director.place"),
    ),
    user(
        "revenues.manager",
        "Helen Shaw",
        "MANAGER",
        Some("director.resources"),
    ),
    user(
        "customer.manager",
        "Amir Khan",
        "MANAGER",
        Some("director.resources"),
    ),
    user(
        "leisure.manager",
        "Kate Long",
        "MANAGER",
        Some("director.communities"),
    ),
    user(
        "housing.officer",
        "Lee Ward",
        "OFFICER",
        Some("housing.manager"),
    ),
    user(
        "planning.officer",
        "Nina Patel",
        "OFFICER",
        Some("planning.manager"),
    ),
    user(
        "waste.officer",
        "Owen Reid",
        "OFFICER",
        Some("environment.manager"),
    ),
    user(
        "revenues.officer",
        "Fay Morris",
        "OFFICER",
        Some("revenues.manager"),
    ),
    user(
        "customer.officer",
        "Ben Stone",
        "OFFICER",
        Some("customer.manager"),
    ),
    user(
        "leisure.officer",
        "Zoe Clarke",
        "OFFICER",
        Some("leisure.manager"),
    ),
    user("hr.officer", "Ian Fox", "OFFICER", Some("revenues.manager")),
    UserDef {
        local: "former.officer",
        name: "Pat Green",
        role: "OFFICER",
        manager: Some("housing.manager"),
        active: false,
    },
    user("cllr.leader", "Cllr Ann Hughes", "VIEWER", None),
    user("cllr.scrutiny", "Cllr Raj Singh", "VIEWER", None),
];

pub struct PriorityDef {
    pub plan: &'static str,
    pub code: &'static str,
    pub title: &'static str,
    pub description: Option<&'static str>,
    /// Receives the priority's exception alerts.
    pub director: &'static str,
    pub objectives: &'static [&'static str],
}

pub const PRIORITIES: &[PriorityDef] = &[
    PriorityDef {
        plan: "corporate",
        code: "LH",
        title: "Local Homes for Local Need",
        description: Some("Residents have access to a home they can afford."),
        director: "director.communities",
        objectives: &[
            "Increase the supply of affordable homes",
            "Prevent homelessness and reduce the use of temporary accommodation",
        ],
    },
    PriorityDef {
        plan: "corporate",
        code: "BB",
        title: "Boosting Business Sustainability and Growth",
        description: Some(
            "Support new job-creating investment which strengthens and broadens the business base.",
        ),
        director: "director.place",
        objectives: &[
            "A fast, fair planning service",
            "Thriving town centres and visitor economy",
        ],
    },
    PriorityDef {
        plan: "corporate",
        code: "CF",
        title: "Customer Focus",
        description: Some("Customers are at the heart of everything we do."),
        director: "director.resources",
        objectives: &["Answer customers first time", "More services online"],
    },
    PriorityDef {
        plan: "corporate",
        code: "CC",
        title: "Climate, Coast and the Environment",
        description: Some("Tackling climate change and reducing the Council's carbon footprint."),
        director: "director.place",
        objectives: &[
            "Reduce, reuse and recycle",
            "Net zero council by 2030",
            "Clean streets and beaches",
        ],
    },
    PriorityDef {
        plan: "corporate",
        code: "QL",
        title: "Quality of Life",
        description: Some(
            "Improving the wellbeing of older people and supporting facilities and activities \
             which improve everyone's mental and physical wellbeing.",
        ),
        director: "director.communities",
        objectives: &["Active and healthy communities", "Safe neighbourhoods"],
    },
    PriorityDef {
        plan: "corporate",
        code: "FS",
        title: "Financial Sustainability and Growth",
        description: Some(
            "Work smarter in maintaining the Council's sound finances whilst delivering better \
             for our residents.",
        ),
        director: "director.resources",
        objectives: &[
            "A balanced budget every year",
            "A healthy, skilled workforce",
        ],
    },
    PriorityDef {
        plan: "delivery",
        code: "DP",
        title: "Delivering this year's commitments",
        description: None,
        director: "chief.executive",
        objectives: &[],
    },
    PriorityDef {
        plan: "peer",
        code: "PC1",
        title: "Engagement and leadership",
        description: Some("Peer challenge recommendations 1–4."),
        director: "chief.executive",
        objectives: &[],
    },
    PriorityDef {
        plan: "peer",
        code: "PC2",
        title: "Governance, finance and transformation",
        description: Some("Peer challenge recommendations 5–8."),
        director: "chief.executive",
        objectives: &[],
    },
];

pub struct IndicatorDef {
    pub reference: &'static str,
    pub title: &'static str,
    pub definition: &'static str,
    pub priority: &'static str,
    pub level: &'static str,
    pub kind: &'static str,
    pub unit: &'static str,
    pub decimals: u8,
    pub polarity: &'static str,
    pub frequency: &'static str,
    pub cumulative: bool,
    pub monitor_only: bool,
    /// Annual target in the first year of the plan.
    pub target: Option<f64>,
    /// Relative change of the target each year (0.02 = 2 % more ambitious).
    pub yearly_stretch: f64,
    /// Share of the annual target due by the end of each quarter (a profile target).
    pub profile: Option<&'static [f64; 4]>,
    /// Typical value of an unrated measure (per year for cumulative ones).
    pub baseline: f64,
    pub owner: &'static str,
    pub source: &'static str,
    pub published: bool,
    /// No target has been set for the current year yet.
    pub no_target_this_year: bool,
    /// Has a comparator from CIPFA nearest neighbours.
    pub benchmark: bool,
    /// Share of periods on or above target.
    pub green_share: f64,
}

const BASE: IndicatorDef = IndicatorDef {
    reference: "",
    title: "",
    definition: "",
    priority: "",
    level: "KPM",
    kind: "OUTCOME",
    unit: "PERCENT",
    decimals: 1,
    polarity: "HIGHER_IS_BETTER",
    frequency: "MONTHLY",
    cumulative: false,
    monitor_only: false,
    target: None,
    yearly_stretch: 0.0,
    profile: None,
    baseline: 0.0,
    owner: "",
    source: "",
    published: true,
    no_target_this_year: false,
    benchmark: false,
    green_share: 0.65,
};

const AFFORDABLE_PROFILE: [f64; 4] = [18.0 / 124.0, 50.0 / 124.0, 85.0 / 124.0, 1.0];

pub const INDICATORS: &[IndicatorDef] = &[
    IndicatorDef {
        reference: "LH 1",
        title: "Net additional homes delivered",
        definition: "Net additional dwellings completed in the district in the financial year.",
        priority: "LH",
        unit: "COUNT",
        decimals: 0,
        frequency: "ANNUAL",
        target: Some(480.0),
        owner: "planning.officer",
        source: "Housing land supply monitoring",
        kind: "OUTPUT",
        benchmark: true,
        ..BASE
    },
    IndicatorDef {
        reference: "LH 2",
        title: "Affordable homes delivered (year to date)",
        definition: "Affordable homes completed since 1 April.",
        priority: "LH",
        unit: "COUNT",
        decimals: 0,
        frequency: "QUARTERLY",
        cumulative: true,
        target: Some(124.0),
        profile: Some(&AFFORDABLE_PROFILE),
        owner: "housing.officer",
        source: "Registered providers' returns",
        kind: "OUTPUT",
        ..BASE
    },
    IndicatorDef {
        reference: "LH 3",
        title: "Households in temporary accommodation",
        definition: "Households in temporary accommodation on the last day of the month.",
        priority: "LH",
        unit: "COUNT",
        decimals: 0,
        polarity: "LOWER_IS_BETTER",
        target: Some(60.0),
        owner: "housing.officer",
        source: "Housing Options case system",
        green_share: 0.5,
        ..BASE
    },
    IndicatorDef {
        reference: "LH 4",
        title: "Average days to process new housing benefit claims",
        definition: "Mean calendar days from a complete claim to a decision.",
        priority: "LH",
        unit: "DAYS",
        polarity: "LOWER_IS_BETTER",
        target: Some(18.0),
        owner: "revenues.officer",
        source: "Benefits system",
        benchmark: false,
        level: "SERVICE",
        ..BASE
    },
    IndicatorDef {
        reference: "LH 5",
        title: "Homelessness cases prevented or relieved",
        definition: "Percentage of homelessness cases closed with the household's home kept or a new one secured.",
        priority: "LH",
        frequency: "QUARTERLY",
        target: Some(60.0),
        owner: "housing.officer",
        source: "H-CLIC returns",
        benchmark: true,
        ..BASE
    },
    IndicatorDef {
        reference: "LH 6",
        title: "Long-term empty homes brought back into use (year to date)",
        definition: "Homes empty for six months or more re-occupied since 1 April.",
        priority: "LH",
        unit: "COUNT",
        decimals: 0,
        frequency: "QUARTERLY",
        cumulative: true,
        target: Some(40.0),
        owner: "housing.officer",
        source: "Council tax records",
        kind: "OUTPUT",
        ..BASE
    },
    IndicatorDef {
        reference: "LH 7",
        title: "Households on the housing register",
        definition: "Households on the housing register at month end.",
        priority: "LH",
        level: "CONTEXTUAL",
        unit: "COUNT",
        decimals: 0,
        polarity: "NEUTRAL",
        monitor_only: true,
        baseline: 2400.0,
        owner: "housing.officer",
        source: "Housing register",
        ..BASE
    },
    IndicatorDef {
        reference: "BB 1",
        title: "Major planning applications determined within 13 weeks or agreed time",
        definition: "Percentage of major applications decided in time (statutory measure).",
        priority: "BB",
        frequency: "QUARTERLY",
        target: Some(60.0),
        owner: "planning.officer",
        source: "PS1/PS2 returns",
        benchmark: true,
        ..BASE
    },
    IndicatorDef {
        reference: "BB 2",
        title: "Minor planning applications determined within 8 weeks or agreed time",
        definition: "Percentage of minor applications decided in time.",
        priority: "BB",
        frequency: "QUARTERLY",
        target: Some(70.0),
        owner: "planning.officer",
        source: "PS1/PS2 returns",
        ..BASE
    },
    IndicatorDef {
        reference: "BB 3",
        title: "Other planning applications determined within 8 weeks or agreed time",
        definition: "Percentage of other applications decided in time.",
        priority: "BB",
        target: Some(80.0),
        owner: "planning.officer",
        source: "Planning case system",
        level: "MANAGEMENT",
        ..BASE
    },
    IndicatorDef {
        reference: "BB 4",
        title: "Business rates collected (year to date)",
        definition: "Percentage of the year's business rates collected since 1 April.",
        priority: "BB",
        cumulative: true,
        target: Some(98.5),
        owner: "revenues.officer",
        source: "Revenues system",
        ..BASE
    },
    IndicatorDef {
        reference: "BB 5",
        title: "Businesses supported by the economic growth team (year to date)",
        definition: "Businesses given advice, grants or introductions since 1 April.",
        priority: "BB",
        unit: "COUNT",
        decimals: 0,
        frequency: "QUARTERLY",
        cumulative: true,
        target: Some(300.0),
        owner: "planning.manager",
        source: "Economic growth CRM",
        kind: "OUTPUT",
        ..BASE
    },
    IndicatorDef {
        reference: "BB 6",
        title: "Claimant count (% of residents aged 16–64)",
        definition: "Out-of-work benefit claimants as a share of the working-age population.",
        priority: "BB",
        level: "CONTEXTUAL",
        polarity: "NEUTRAL",
        monitor_only: true,
        baseline: 2.8,
        owner: "planning.manager",
        source: "ONS / DWP",
        ..BASE
    },
    IndicatorDef {
        reference: "BB 7",
        title: "Value of the visitor economy (£ million)",
        definition: "Estimated annual spend by visitors in the district.",
        priority: "BB",
        unit: "CURRENCY",
        decimals: 1,
        frequency: "ANNUAL",
        target: Some(520.0),
        yearly_stretch: 0.03,
        owner: "planning.manager",
        source: "Economic impact of tourism study",
        ..BASE
    },
    IndicatorDef {
        reference: "BB 8",
        title: "Vacant units in town centres",
        definition: "Percentage of ground-floor retail units vacant at the quarterly survey.",
        priority: "BB",
        frequency: "QUARTERLY",
        polarity: "LOWER_IS_BETTER",
        target: Some(10.0),
        owner: "planning.officer",
        source: "Town centre survey",
        level: "MANAGEMENT",
        ..BASE
    },
    IndicatorDef {
        reference: "CF 1",
        title: "Complaints responded to within 10 working days",
        definition: "Percentage of stage 1 complaints answered in time.",
        priority: "CF",
        target: Some(90.0),
        owner: "customer.officer",
        source: "Complaints system",
        ..BASE
    },
    IndicatorDef {
        reference: "CF 2",
        title: "Freedom of Information requests answered within 20 working days",
        definition: "Percentage of FOI and EIR requests answered in the statutory time.",
        priority: "CF",
        target: Some(95.0),
        owner: "customer.officer",
        source: "Information governance log",
        green_share: 0.55,
        ..BASE
    },
    IndicatorDef {
        reference: "CF 3",
        title: "Average wait for calls to be answered (seconds)",
        definition: "Mean wait in the contact centre queue.",
        priority: "CF",
        unit: "OTHER",
        decimals: 0,
        polarity: "LOWER_IS_BETTER",
        target: Some(120.0),
        owner: "customer.officer",
        source: "Telephony system",
        level: "MANAGEMENT",
        ..BASE
    },
    IndicatorDef {
        reference: "CF 4",
        title: "Customers satisfied with the service they received",
        definition: "Percentage satisfied or very satisfied in the quarterly customer survey.",
        priority: "CF",
        kind: "PERCEPTION",
        frequency: "QUARTERLY",
        target: Some(85.0),
        owner: "customer.manager",
        source: "Customer survey",
        ..BASE
    },
    IndicatorDef {
        reference: "CF 5",
        title: "Transactions completed online",
        definition: "Percentage of service requests made through the website.",
        priority: "CF",
        target: Some(60.0),
        yearly_stretch: 0.05,
        owner: "customer.officer",
        source: "Web forms platform",
        kind: "OUTPUT",
        ..BASE
    },
    IndicatorDef {
        reference: "CF 6",
        title: "Complaints upheld by the Local Government Ombudsman",
        definition: "Decisions in the year finding fault with the council.",
        priority: "CF",
        unit: "COUNT",
        decimals: 0,
        polarity: "LOWER_IS_BETTER",
        frequency: "ANNUAL",
        target: Some(0.0),
        owner: "customer.manager",
        source: "LGSCO annual review",
        green_share: 0.5,
        ..BASE
    },
    IndicatorDef {
        reference: "CF 7",
        title: "Visits to the council's website",
        definition: "Sessions recorded by web analytics in the month.",
        priority: "CF",
        level: "CONTEXTUAL",
        unit: "COUNT",
        decimals: 0,
        polarity: "NEUTRAL",
        monitor_only: true,
        baseline: 95000.0,
        owner: "customer.officer",
        source: "Web analytics",
        ..BASE
    },
    IndicatorDef {
        reference: "CF 8",
        title: "Benefit reconsiderations decided within 28 days",
        definition: "Percentage of requests to look again at a benefit decision decided in time.",
        priority: "CF",
        target: Some(85.0),
        owner: "revenues.officer",
        source: "Benefits system",
        published: false,
        level: "SERVICE",
        ..BASE
    },
    IndicatorDef {
        reference: "CC 1",
        title: "Household waste sent for reuse, recycling and composting",
        definition: "Percentage of household waste collected that was reused, recycled or composted.",
        priority: "CC",
        frequency: "QUARTERLY",
        target: Some(48.0),
        yearly_stretch: 0.02,
        owner: "waste.officer",
        source: "WasteDataFlow",
        benchmark: true,
        green_share: 0.45,
        ..BASE
    },
    IndicatorDef {
        reference: "CC 2",
        title: "Missed bins per 100,000 collections",
        definition: "Reported missed collections per 100,000 scheduled.",
        priority: "CC",
        unit: "RATIO",
        polarity: "LOWER_IS_BETTER",
        target: Some(60.0),
        owner: "waste.officer",
        source: "Contractor returns",
        ..BASE
    },
    IndicatorDef {
        reference: "CC 3",
        title: "Fly-tipping incidents cleared within 2 working days",
        definition: "Percentage of reported fly-tips cleared in time.",
        priority: "CC",
        target: Some(90.0),
        owner: "waste.officer",
        source: "Environmental services system",
        ..BASE
    },
    IndicatorDef {
        reference: "CC 4",
        title: "Council carbon emissions (tonnes CO2e)",
        definition: "Scope 1 and 2 emissions of the council's estate and fleet.",
        priority: "CC",
        unit: "COUNT",
        decimals: 0,
        polarity: "LOWER_IS_BETTER",
        frequency: "ANNUAL",
        target: Some(4200.0),
        yearly_stretch: -0.06,
        owner: "environment.manager",
        source: "Carbon footprint report",
        ..BASE
    },
    IndicatorDef {
        reference: "CC 5",
        title: "Residual household waste per household (kg, year to date)",
        definition: "Waste not reused, recycled or composted, per household, since 1 April.",
        priority: "CC",
        unit: "COUNT",
        decimals: 0,
        polarity: "LOWER_IS_BETTER",
        frequency: "QUARTERLY",
        cumulative: true,
        target: Some(420.0),
        owner: "waste.officer",
        source: "WasteDataFlow",
        ..BASE
    },
    IndicatorDef {
        reference: "CC 6",
        title: "Bathing waters rated excellent or good",
        definition: "Percentage of designated bathing waters rated excellent or good.",
        priority: "CC",
        frequency: "ANNUAL",
        target: Some(100.0),
        owner: "environment.manager",
        source: "Environment Agency",
        ..BASE
    },
    IndicatorDef {
        reference: "CC 7",
        title: "RIDDOR-reportable incidents in the waste service",
        definition: "Incidents reportable to the HSE under RIDDOR.",
        priority: "CC",
        unit: "COUNT",
        decimals: 0,
        polarity: "LOWER_IS_BETTER",
        frequency: "QUARTERLY",
        target: Some(0.0),
        owner: "environment.manager",
        source: "Health and safety log",
        level: "MANAGEMENT",
        green_share: 0.8,
        ..BASE
    },
    IndicatorDef {
        reference: "QL 1",
        title: "Visits to leisure centres (year to date)",
        definition: "Admissions to council leisure centres since 1 April.",
        priority: "QL",
        unit: "COUNT",
        decimals: 0,
        cumulative: true,
        target: Some(620000.0),
        owner: "leisure.officer",
        source: "Leisure operator returns",
        kind: "OUTPUT",
        ..BASE
    },
    IndicatorDef {
        reference: "QL 2",
        title: "Food premises rated 4 or 5 for hygiene",
        definition: "Percentage of rated food businesses scoring 4 or 5.",
        priority: "QL",
        frequency: "QUARTERLY",
        target: Some(92.0),
        owner: "leisure.manager",
        source: "Food hygiene rating scheme",
        benchmark: true,
        ..BASE
    },
    IndicatorDef {
        reference: "QL 3",
        title: "Disabled facilities grants approved within timescale",
        definition: "Percentage of grants approved within the target time.",
        priority: "QL",
        frequency: "QUARTERLY",
        target: Some(85.0),
        owner: "housing.officer",
        source: "Grants system",
        ..BASE
    },
    IndicatorDef {
        reference: "QL 4",
        title: "Older people taking part in wellbeing activities (year to date)",
        definition: "Participants aged 65+ in council-supported activities since 1 April.",
        priority: "QL",
        unit: "COUNT",
        decimals: 0,
        frequency: "QUARTERLY",
        cumulative: true,
        target: Some(1800.0),
        owner: "leisure.officer",
        source: "Activity registers",
        kind: "OUTPUT",
        ..BASE
    },
    IndicatorDef {
        reference: "QL 5",
        title: "Anti-social behaviour cases resolved",
        definition: "Percentage of cases closed as resolved.",
        priority: "QL",
        frequency: "QUARTERLY",
        target: Some(80.0),
        owner: "leisure.manager",
        source: "Community safety case system",
        no_target_this_year: true,
        ..BASE
    },
    IndicatorDef {
        reference: "QL 6",
        title: "Gap in life expectancy between most and least deprived areas (years)",
        definition: "Slope index of inequality in life expectancy at birth.",
        priority: "QL",
        level: "CONTEXTUAL",
        unit: "OTHER",
        polarity: "NEUTRAL",
        frequency: "ANNUAL",
        monitor_only: true,
        baseline: 6.1,
        owner: "leisure.manager",
        source: "Public Health Outcomes Framework",
        ..BASE
    },
    IndicatorDef {
        reference: "FS 1",
        title: "Council tax collected (year to date)",
        definition: "Percentage of the year's council tax collected since 1 April.",
        priority: "FS",
        cumulative: true,
        target: Some(98.2),
        owner: "revenues.officer",
        source: "Revenues system",
        benchmark: true,
        ..BASE
    },
    IndicatorDef {
        reference: "FS 2",
        title: "Net revenue budget variance (£)",
        definition: "Forecast outturn against budget; negative is an overspend. The target allows a managed overspend of £50,000 met from reserves.",
        priority: "FS",
        unit: "CURRENCY",
        decimals: 0,
        frequency: "QUARTERLY",
        target: Some(-50000.0),
        owner: "revenues.manager",
        source: "Financial ledger",
        level: "MANAGEMENT",
        ..BASE
    },
    IndicatorDef {
        reference: "FS 3",
        title: "Undisputed invoices paid within 30 days",
        definition: "Percentage of invoices paid within 30 days of receipt.",
        priority: "FS",
        target: Some(97.0),
        owner: "revenues.officer",
        source: "Payments system",
        ..BASE
    },
    IndicatorDef {
        reference: "FS 4",
        title: "Working days lost to sickness per FTE (year to date)",
        definition: "Days of sickness absence per full-time equivalent since 1 April.",
        priority: "FS",
        unit: "DAYS",
        frequency: "QUARTERLY",
        cumulative: true,
        polarity: "LOWER_IS_BETTER",
        target: Some(8.5),
        owner: "hr.officer",
        source: "HR system",
        kind: "INPUT",
        ..BASE
    },
    IndicatorDef {
        reference: "FS 5",
        title: "Savings delivered against the plan (£, year to date)",
        definition: "Recurring savings delivered since 1 April.",
        priority: "FS",
        unit: "CURRENCY",
        decimals: 0,
        frequency: "QUARTERLY",
        cumulative: true,
        target: Some(1_200_000.0),
        owner: "revenues.manager",
        source: "Savings tracker",
        ..BASE
    },
    IndicatorDef {
        reference: "FS 6",
        title: "Staff turnover",
        definition: "Leavers in the quarter as a percentage of headcount, annualised.",
        priority: "FS",
        frequency: "QUARTERLY",
        polarity: "LOWER_IS_BETTER",
        target: Some(12.0),
        owner: "hr.officer",
        source: "HR system",
        no_target_this_year: true,
        kind: "INPUT",
        ..BASE
    },
    IndicatorDef {
        reference: "FS 7",
        title: "Council tax support caseload",
        definition: "Households receiving council tax support at month end.",
        priority: "FS",
        level: "CONTEXTUAL",
        unit: "COUNT",
        decimals: 0,
        polarity: "NEUTRAL",
        monitor_only: true,
        baseline: 6200.0,
        owner: "revenues.officer",
        source: "Benefits system",
        published: false,
        ..BASE
    },
    IndicatorDef {
        reference: "FS 8",
        title: "Income from fees and charges (£, year to date)",
        definition: "Income from discretionary fees and charges since 1 April.",
        priority: "FS",
        unit: "CURRENCY",
        decimals: 0,
        cumulative: true,
        target: Some(5_400_000.0),
        owner: "revenues.manager",
        source: "Financial ledger",
        published: false,
        level: "MANAGEMENT",
        ..BASE
    },
];

pub struct ActionDef {
    pub priority: &'static str,
    pub objective: Option<&'static str>,
    pub reference: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    pub owner: &'static str,
    pub sponsor: &'static str,
    pub delivery: &'static str,
    /// Days after the plan's start that the action is planned to start.
    pub start_offset_days: i64,
    /// Days after its start that it is due (None: see `due_kind`).
    pub due_offset_days: Option<i64>,
    pub due_kind: &'static str,
    /// Its status in each quarter since it started; the last one repeats.
    pub story: &'static [&'static str],
}

const ON_TRACK: &[&str] = &["GREEN"];
const DELIVERED: &[&str] = &["GREEN", "GREEN", "GREEN", "AMBER", "GREEN", "COMPLETED"];
const SLIPPING: &[&str] = &["GREEN", "AMBER", "AMBER", "RED", "AMBER", "GREEN"];
const IN_TROUBLE: &[&str] = &["GREEN", "AMBER", "RED"];
const PAUSED: &[&str] = &["GREEN", "GREEN", "BLUE"];
const SLOW_START: &[&str] = &["NOT_STARTED", "NOT_STARTED", "GREEN"];
const QUICK_WIN: &[&str] = &["GREEN", "COMPLETED"];
const RECOVERING: &[&str] = &["AMBER", "RED", "AMBER", "GREEN"];

const ACTION: ActionDef = ActionDef {
    priority: "",
    objective: None,
    reference: "",
    title: "",
    description: "",
    owner: "",
    sponsor: "",
    delivery: "COUNCIL",
    start_offset_days: 0,
    due_offset_days: Some(730),
    due_kind: "NOT_SET",
    story: ON_TRACK,
};

pub const ACTIONS: &[ActionDef] = &[
    ActionDef {
        priority: "LH",
        objective: Some("LH.1"),
        reference: "LH-A1",
        title: "Deliver the affordable housing programme with registered providers",
        description: "Work with registered providers to bring forward affordable homes on council and partner land.",
        owner: "housing.manager",
        sponsor: "director.communities",
        story: SLIPPING,
        ..ACTION
    },
    ActionDef {
        priority: "LH",
        objective: Some("LH.2"),
        reference: "LH-A2",
        title: "Open a second temporary accommodation hub",
        description: "Acquire and refurbish a building to replace bed-and-breakfast placements.",
        owner: "housing.manager",
        sponsor: "director.communities",
        story: IN_TROUBLE,
        start_offset_days: 120,
        ..ACTION
    },
    ActionDef {
        priority: "LH",
        objective: Some("LH.2"),
        reference: "LH-A3",
        title: "Refresh the homelessness and rough sleeping strategy",
        description: "Consult partners and adopt a new five-year strategy.",
        owner: "housing.officer",
        sponsor: "housing.manager",
        story: DELIVERED,
        due_offset_days: Some(540),
        ..ACTION
    },
    ActionDef {
        priority: "LH",
        objective: Some("LH.1"),
        reference: "LH-A4",
        title: "Community-led housing enabling service",
        description: "Support parish councils and community land trusts to deliver local homes.",
        owner: "housing.officer",
        sponsor: "housing.manager",
        delivery: "PARTNERSHIP",
        story: ON_TRACK,
        due_offset_days: None,
        due_kind: "ONGOING",
        ..ACTION
    },
    ActionDef {
        priority: "BB",
        objective: Some("BB.1"),
        reference: "BB-A1",
        title: "Adopt the new Local Plan",
        description: "Take the Local Plan through examination to adoption.",
        owner: "planning.manager",
        sponsor: "director.place",
        story: RECOVERING,
        due_offset_days: Some(900),
        ..ACTION
    },
    ActionDef {
        priority: "BB",
        objective: Some("BB.1"),
        reference: "BB-A2",
        title: "Digitise the planning validation process",
        description: "Online validation checks to cut invalid applications.",
        owner: "planning.officer",
        sponsor: "planning.manager",
        story: QUICK_WIN,
        due_offset_days: Some(240),
        ..ACTION
    },
    ActionDef {
        priority: "BB",
        objective: Some("BB.2"),
        reference: "BB-A3",
        title: "Town centre regeneration programme",
        description: "Public realm improvements and shopfront grants in the three market towns.",
        owner: "planning.manager",
        sponsor: "director.place",
        story: PAUSED,
        start_offset_days: 60,
        ..ACTION
    },
    ActionDef {
        priority: "BB",
        objective: Some("BB.2"),
        reference: "BB-A4",
        title: "Visitor economy partnership",
        description: "Joint destination marketing with the county tourism partnership.",
        owner: "planning.manager",
        sponsor: "director.place",
        delivery: "PARTNERSHIP",
        story: SLIPPING,
        due_offset_days: None,
        due_kind: "ANNUAL",
        ..ACTION
    },
    ActionDef {
        priority: "CF",
        objective: Some("CF.1"),
        reference: "CF-A1",
        title: "Customer Charter and engagement strategy",
        description: "Co-produce a customer charter with residents and community groups.",
        owner: "customer.manager",
        sponsor: "director.resources",
        story: DELIVERED,
        due_offset_days: Some(450),
        ..ACTION
    },
    ActionDef {
        priority: "CF",
        objective: Some("CF.2"),
        reference: "CF-A2",
        title: "Replace the customer relationship management system",
        description: "Procure and implement a new CRM with online accounts.",
        owner: "customer.manager",
        sponsor: "director.resources",
        story: IN_TROUBLE,
        start_offset_days: 200,
        ..ACTION
    },
    ActionDef {
        priority: "CF",
        objective: Some("CF.2"),
        reference: "CF-A3",
        title: "Online payments for all fees and charges",
        description: "Every fee and charge payable online.",
        owner: "customer.officer",
        sponsor: "customer.manager",
        story: SLOW_START,
        start_offset_days: 30,
        ..ACTION
    },
    ActionDef {
        priority: "CF",
        objective: Some("CF.1"),
        reference: "CF-A4",
        title: "Complaints handling code compliance",
        description: "Align policy and training with the Ombudsman's complaint handling code.",
        owner: "customer.officer",
        sponsor: "customer.manager",
        story: QUICK_WIN,
        start_offset_days: 300,
        due_offset_days: Some(180),
        ..ACTION
    },
    ActionDef {
        priority: "CC",
        objective: Some("CC.1"),
        reference: "CC-A1",
        title: "Introduce weekly food waste collections",
        description: "Roll out separate food waste collections to every household.",
        owner: "environment.manager",
        sponsor: "director.place",
        story: RECOVERING,
        start_offset_days: 90,
        ..ACTION
    },
    ActionDef {
        priority: "CC",
        objective: Some("CC.2"),
        reference: "CC-A2",
        title: "Decarbonise the council's leisure centres",
        description: "Heat pumps and solar panels at the two leisure centres.",
        owner: "environment.manager",
        sponsor: "director.place",
        story: SLIPPING,
        start_offset_days: 150,
        ..ACTION
    },
    ActionDef {
        priority: "CC",
        objective: Some("CC.3"),
        reference: "CC-A3",
        title: "Coastal management and resilience programme",
        description: "Coastal adaptation schemes with the Environment Agency.",
        owner: "environment.manager",
        sponsor: "director.place",
        delivery: "PARTNERSHIP",
        story: IN_TROUBLE,
        due_offset_days: None,
        due_kind: "ONGOING",
        ..ACTION
    },
    ActionDef {
        priority: "CC",
        objective: Some("CC.2"),
        reference: "CC-A4",
        title: "Electric vehicle charging in council car parks",
        description: "Install charge points in the ten busiest car parks.",
        owner: "waste.officer",
        sponsor: "environment.manager",
        story: DELIVERED,
        start_offset_days: 45,
        ..ACTION
    },
    ActionDef {
        priority: "CC",
        objective: Some("CC.3"),
        reference: "CC-A5",
        title: "Beach and street cleansing review",
        description: "Review cleansing schedules for the summer season.",
        owner: "waste.officer",
        sponsor: "environment.manager",
        story: PAUSED,
        start_offset_days: 400,
        ..ACTION
    },
    ActionDef {
        priority: "QL",
        objective: Some("QL.1"),
        reference: "QL-A1",
        title: "Refurbish the district's main leisure centre",
        description: "Pool and changing village refurbishment.",
        owner: "leisure.manager",
        sponsor: "director.communities",
        story: SLIPPING,
        start_offset_days: 100,
        ..ACTION
    },
    ActionDef {
        priority: "QL",
        objective: Some("QL.1"),
        reference: "QL-A2",
        title: "Older people's wellbeing programme",
        description: "Tackle loneliness through community activities and social prescribing.",
        owner: "leisure.officer",
        sponsor: "leisure.manager",
        story: ON_TRACK,
        due_offset_days: None,
        due_kind: "ONGOING",
        ..ACTION
    },
    ActionDef {
        priority: "QL",
        objective: Some("QL.2"),
        reference: "QL-A3",
        title: "Community safety partnership plan",
        description: "Deliver the partnership's priorities on anti-social behaviour.",
        owner: "leisure.manager",
        sponsor: "director.communities",
        story: RECOVERING,
        start_offset_days: 20,
        ..ACTION
    },
    ActionDef {
        priority: "QL",
        objective: Some("QL.1"),
        reference: "QL-A4",
        title: "Play area improvement programme",
        description: "Upgrade twelve play areas over the plan period.",
        owner: "leisure.officer",
        sponsor: "leisure.manager",
        story: SLOW_START,
        start_offset_days: 500,
        ..ACTION
    },
    ActionDef {
        priority: "FS",
        objective: Some("FS.1"),
        reference: "FS-A1",
        title: "Medium-term financial strategy savings programme",
        description: "Deliver £1.2m of recurring savings a year.",
        owner: "revenues.manager",
        sponsor: "director.resources",
        story: SLIPPING,
        ..ACTION
    },
    ActionDef {
        priority: "FS",
        objective: Some("FS.1"),
        reference: "FS-A2",
        title: "Asset review and disposals",
        description: "Review the property portfolio and dispose of surplus assets.",
        owner: "revenues.manager",
        sponsor: "director.resources",
        story: PAUSED,
        start_offset_days: 180,
        ..ACTION
    },
    ActionDef {
        priority: "FS",
        objective: Some("FS.2"),
        reference: "FS-A3",
        title: "Workforce strategy and wellbeing offer",
        description: "Recruitment, retention and wellbeing actions for staff.",
        owner: "hr.officer",
        sponsor: "director.resources",
        story: DELIVERED,
        start_offset_days: 10,
        ..ACTION
    },
    ActionDef {
        priority: "FS",
        objective: Some("FS.2"),
        reference: "FS-A4",
        title: "Apprenticeship programme",
        description: "Ten apprenticeships a year across services.",
        owner: "hr.officer",
        sponsor: "revenues.manager",
        story: ON_TRACK,
        start_offset_days: 250,
        due_offset_days: None,
        due_kind: "ANNUAL",
        ..ACTION
    },
    ActionDef {
        priority: "DP",
        objective: None,
        reference: "DP-A1",
        title: "Publish the annual performance report",
        description: "Annual report on the corporate plan to Full Council.",
        owner: "performance.officer",
        sponsor: "chief.executive",
        story: ON_TRACK,
        start_offset_days: 730,
        due_offset_days: Some(300),
        ..ACTION
    },
    ActionDef {
        priority: "DP",
        objective: None,
        reference: "DP-A2",
        title: "Embed the performance management framework",
        description: "Training for managers on the framework and the new system.",
        owner: "performance.officer",
        sponsor: "director.resources",
        story: QUICK_WIN,
        start_offset_days: 740,
        due_offset_days: Some(200),
        ..ACTION
    },
    ActionDef {
        priority: "PC1",
        objective: None,
        reference: "PC-1",
        title: "Engage, consult and co-produce with residents: customer engagement charter",
        description: "Officer working group of staff volunteers to develop a public engagement charter and strategy.",
        owner: "customer.manager",
        sponsor: "chief.executive",
        story: DELIVERED,
        start_offset_days: 150,
        ..ACTION
    },
    ActionDef {
        priority: "PC1",
        objective: None,
        reference: "PC-2",
        title: "Talk and listen to staff: regular channels of staff engagement",
        description: "Staff forum, pulse surveys and quarterly briefings.",
        owner: "hr.officer",
        sponsor: "chief.executive",
        story: ON_TRACK,
        start_offset_days: 150,
        ..ACTION
    },
    ActionDef {
        priority: "PC1",
        objective: None,
        reference: "PC-3",
        title: "Make the council fit for the future: political and managerial leadership stocktake",
        description: "Joint leadership development for Cabinet and senior managers.",
        owner: "chief.executive",
        sponsor: "chief.executive",
        story: SLIPPING,
        start_offset_days: 160,
        ..ACTION
    },
    ActionDef {
        priority: "PC1",
        objective: None,
        reference: "PC-4",
        title: "Re-focus SLT on strategic issues and empower managers",
        description: "Scheme of delegation review and a managers' network.",
        owner: "chief.executive",
        sponsor: "chief.executive",
        story: QUICK_WIN,
        start_offset_days: 170,
        ..ACTION
    },
    ActionDef {
        priority: "PC2",
        objective: None,
        reference: "PC-5",
        title: "Use headroom to deliver ongoing revenue savings for the budget gap",
        description: "Savings plan to close the projected budget gap.",
        owner: "revenues.manager",
        sponsor: "director.resources",
        story: IN_TROUBLE,
        start_offset_days: 150,
        ..ACTION
    },
    ActionDef {
        priority: "PC2",
        objective: None,
        reference: "PC-6",
        title: "Transformation programme designed around residents",
        description: "Programme board, business cases and a resident-centred design approach.",
        owner: "customer.manager",
        sponsor: "director.resources",
        story: SLOW_START,
        start_offset_days: 180,
        ..ACTION
    },
    ActionDef {
        priority: "PC2",
        objective: None,
        reference: "PC-7",
        title: "Performance measures focused on priorities and outcomes",
        description: "New corporate performance framework and member dashboards.",
        owner: "performance.officer",
        sponsor: "director.resources",
        story: DELIVERED,
        start_offset_days: 150,
        ..ACTION
    },
    ActionDef {
        priority: "PC2",
        objective: None,
        reference: "PC-8",
        title: "Governance review to focus meetings on adding value",
        description: "Review of committee structures and forward plans.",
        owner: "admin",
        sponsor: "chief.executive",
        story: PAUSED,
        start_offset_days: 200,
        ..ACTION
    },
];

pub const NO_VALUE_REASONS: &[&str] = &[
    "Data from Norfolk County Council not yet received.",
    "System upgrade: figures will be back-filled next month.",
    "Survey not run this period.",
];

const RED_COMMENTARY: &[&str] = &[
    "Two vacancies in the team since the spring; agency cover started this month and a recovery plan is with the service manager.",
    "Demand rose sharply after the cost-of-living support scheme closed; additional caseworkers have been redeployed.",
    "Contractor performance issues escalated under the contract's default procedure; improvement notice issued.",
    "Software migration caused a backlog; overtime agreed until it is cleared.",
    "Weather-related disruption over several weeks; schedules are catching up.",
];

const AMBER_COMMENTARY: &[&str] = &[
    "Slightly below target owing to seasonal demand; expected to recover next period.",
    "A small number of complex cases took longer than usual.",
    "Staff absence in the period; cover arranged.",
    "On a rising trend but not yet at target; actions in the service plan continue.",
];

const GREEN_COMMENTARY: &[&str] = &[
    "On target.",
    "Better than target thanks to the new online process.",
    "Performance maintained despite higher demand.",
];

/// Commentary an officer might write for a value of this status.
pub fn commentary(status: &str, n: usize) -> &'static str {
    let list = match status {
        "RED" => RED_COMMENTARY,
        "AMBER" => AMBER_COMMENTARY,
        _ => GREEN_COMMENTARY,
    };
    list[n % list.len()]
}

/// Progress commentary and next steps for an action update of this status.
pub fn action_commentary(status: &str, n: usize) -> (&'static str, Option<&'static str>) {
    let options: &[(&str, Option<&str>)] = match status {
        "RED" => &[
            (
                "Major issues: the contractor has withdrawn and the timetable cannot be met.",
                Some("Report options to Cabinet; retender the works."),
            ),
            (
                "Funding gap identified after cost increases; project paused pending a decision.",
                Some("Seek additional funding and re-profile the programme."),
            ),
        ],
        "AMBER" => &[
            (
                "Minor delays in procurement; milestones moved by one quarter.",
                Some("Complete procurement and award the contract."),
            ),
            (
                "Consultation took longer than planned; the revised timetable is achievable.",
                Some("Report consultation findings to Cabinet."),
            ),
        ],
        "GREEN" => &[
            (
                "On track: milestones for the quarter met.",
                Some("Continue delivery to the agreed timetable."),
            ),
            (
                "Good progress with partners; working group meeting monthly.",
                Some("Draft proposals for the next quarter."),
            ),
        ],
        "BLUE" => &[(
            "On hold while the council's priorities are reviewed.",
            Some("Decision on restarting expected next quarter."),
        )],
        "COMPLETED" => &[("Completed and handed over to business as usual.", None)],
        _ => &[(
            "Not yet started: planned to begin once resources are confirmed.",
            Some("Confirm the project team and start date."),
        )],
    };
    options[n % options.len()]
}
