"""Model parameters: one schema holding unit, bounds, default and source for every figure.

The schema is the single place that sliders, validation, sensitivity bounds and docs read.
Defaults marked *placeholder* are modelling choices, not measurements: they carry a stated
sensitivity range in ``bounds`` and should be varied in experiments.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from industry_transition.model.hints import did_you_mean


def _param(
    default: Any,
    *,
    unit: str,
    description: str,
    source: str,
    ge: float | None = None,
    le: float | None = None,
) -> Any:
    """A parameter field with unit and source attached as schema metadata."""
    return Field(
        default,
        ge=ge,
        le=le,
        description=description,
        json_schema_extra={"unit": unit, "source": source},
    )


PLACEHOLDER = "placeholder (modelling choice, verify); vary within bounds"


class Parameters(BaseModel):
    """Every tunable figure of the model, with unit, bounds and source."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)

    # --- time -------------------------------------------------------------------------------
    start_year: int = _param(
        2024,
        unit="year",
        ge=2000,
        le=2100,
        description="First simulated year.",
        source="modelling choice: default horizon 2024 to 2050 (docs/model.md §1.2)",
    )
    end_year: int = _param(
        2050,
        unit="year",
        ge=2000,
        le=2150,
        description="Last simulated year (inclusive).",
        source="modelling choice: default horizon 2024 to 2050 (docs/model.md §1.2)",
    )

    # --- levers -----------------------------------------------------------------------------
    negotiation: bool = _param(
        True,
        unit="switch",
        description="False gives the no-cooperation counterfactual: no partnerships, no "
        "initiative membership, the same world and random streams.",
        source="modelling choice: the no-cooperation counterfactual (docs/model.md §3.11)",
    )
    broker: bool = _param(
        True,
        unit="switch",
        description="Initiatives suggest complementary matches to their members.",
        source="modelling choice: broker suggestions in candidate search (docs/model.md §3.5)",
    )
    # Channel switches (``industry-transition attribute``): a channel switched off never
    # operates, including the ties of that channel that the scenario data would start with.
    finance_deals: bool = _param(
        True,
        unit="switch",
        description="Channel: donor finance to companies (country-company deals). False: no "
        "finance deal is ever signed.",
        source="lever",
    )
    technology_deals: bool = _param(
        True,
        unit="switch",
        description="Channel: technology licences and co-development (company-company deals). "
        "False: none is signed and the data's licences are not loaded.",
        source="lever",
    )
    government_deals: bool = _param(
        True,
        unit="switch",
        description="Channel: government partnerships (country-country deals). False: none is "
        "signed and the data's government partnerships are not loaded.",
        source="lever",
    )
    initiative_membership: bool = _param(
        True,
        unit="switch",
        description="Channel: initiative membership (with its ratchets on members) and the "
        "broker, which serves members. False: the data's memberships are not loaded and no "
        "membership is reviewed. (Not the synthetic scenario's count `initiatives`.)",
        source="lever",
    )
    enforcement: Literal["binding", "reputational", "none"] = _param(
        "reputational",
        unit="choice",
        description="binding: commitments always delivered; reputational: budget shocks and "
        "political turnover cause defaults that cut trust; none: also opportunistic reneging.",
        source="modelling choice: enforcement regimes (docs/model.md §3.6)",
    )
    donor_finance_scale: float = _param(
        1.0,
        unit="multiplier",
        ge=0.0,
        le=10.0,
        description="Multiplies every donor country's annual finance budget (0: no finance).",
        source="lever",
    )
    carbon_price_scale: float = _param(
        1.0,
        unit="multiplier",
        ge=0.0,
        le=10.0,
        description="Multiplies every country's carbon price path.",
        source="lever",
    )
    carbon_price_growth_scale: float = _param(
        1.0,
        unit="multiplier",
        ge=0.0,
        le=10.0,
        description="Multiplies every country's own yearly carbon-price growth (0 freezes "
        "prices at their start values, apart from ratchets).",
        source="lever",
    )
    demand_growth_scale: float = _param(
        1.0,
        unit="multiplier",
        ge=-5.0,
        le=5.0,
        description="Multiplies every country's yearly steel and cement demand growth.",
        source="lever",
    )
    internal_carbon_price_scale: float = _param(
        1.0,
        unit="multiplier",
        ge=0.0,
        le=10.0,
        description="Multiplies every company's internal (target-implied) carbon price.",
        source="lever",
    )
    rounds_per_year: int = _param(
        3,
        unit="rounds/year",
        ge=1,
        le=20,
        description="Negotiation rounds inside one simulated year.",
        source=PLACEHOLDER,
    )
    candidates_per_agent: int = _param(
        6,
        unit="agents",
        ge=1,
        le=50,
        description="At most this many candidate partners evaluated per agent per round.",
        source="modelling choice: candidate search (docs/model.md §3.5)",
    )
    random_candidates: int = _param(
        1,
        unit="agents",
        ge=0,
        le=10,
        description="Of the candidates, how many are drawn at random from all agents.",
        source="modelling choice: a few random candidates besides network ones "
        "(docs/model.md §3.5)",
    )

    # --- economics --------------------------------------------------------------------------
    plant_life_years: int = _param(
        25,
        unit="years",
        ge=5,
        le=60,
        description="Economic life used in the capital recovery factor of LCOP.",
        source="MPP steel model uses a 20-yr investment cycle and 40-yr plant life "
        "(Mission Possible Partnership, https://github.com/missionpossiblepartnership/"
        "mpp-steel-model, mppsteel/config/model_config.py); 25 is a "
        "placeholder between them",
    )
    steel_investment_cycle_years: int = _param(
        20,
        unit="years",
        ge=5,
        le=50,
        description="Years between steel plant reinvestments.",
        source="MPP steel model: 20-yr cycle +- 3 "
        "(Mission Possible Partnership, https://github.com/missionpossiblepartnership/"
        "mpp-steel-model, mppsteel/config/model_config.py)",
    )
    cement_investment_cycle_years: int = _param(
        25,
        unit="years",
        ge=5,
        le=50,
        description="Years between cement kiln reinvestments.",
        source="modelling choice: kilns reinvest less often than steel plants, 25 +- 3 "
        "(placeholder, verify)",
    )
    investment_cycle_jitter_years: int = _param(
        3,
        unit="years",
        ge=0,
        le=10,
        description="Investment windows are drawn uniformly within +- this many years.",
        source="MPP steel model cycle variance 3 years "
        "(Mission Possible Partnership, https://github.com/missionpossiblepartnership/"
        "mpp-steel-model, mppsteel/config/model_config.py); applied to cement too",
    )
    switch_lead_time_years: int = _param(
        3,
        unit="years",
        ge=0,
        le=10,
        description="Years between deciding to change a plant's route and the new route "
        "operating, for routes whose lead_time_years cell in the technology table is empty "
        "(in the shipped table: the conventional routes, scrap EAF and LC3); the old route runs "
        "meanwhile (new plants are built without delay). The low-carbon routes' own lead times "
        "(4-5 years) are in the table.",
        source="conventional rebuilds and additions, from decision to production: Big River "
        "Steel's second arc furnace and caster (Arkansas), announced June 2018, started November "
        "2020 (2.4 years; Davis Index, Steel Market Update); U.S. Steel's Big River 2 mini mill, "
        "announced September 2021, ground broken February 2022, production planned 2024 (3 "
        "years; Business North); a year-step model rounds to 3; sensitivity range 2-4. "
        "Low-carbon conversions: technologies.csv lead_time_years and its sources (Brevik CCS "
        "decided December 2020, operating 2025; Stegra final investment decision January 2024, "
        "start 2026-27 and 12-18 months' ramp-up)",
    )
    supply_ramp_per_year: float = _param(
        0.01,
        unit="share of sector capacity per year",
        ge=0.0,
        le=1.0,
        description="How fast a capped route's supply can grow, for capped routes whose "
        "technology row gives no supply_ramp_per_year of its own (in the shipped table: LC3's "
        "calcined clay; scrap EAF has its own, sourced): its cap in a country is its starting "
        "share plus this per year, up to the technology's max_share.",
        source="LC3's calcined clay: no published pace of calcined-clay supply exists, so the "
        "ramp follows the nearest published deployment path: limestone-calcined-clay cements at "
        "27% of global cement production in 2050 in the IEA and WBCSD Cement Sustainability "
        "Initiative's 2 degree scenario (Technology Roadmap: Low-Carbon Transition in the Cement "
        "Industry, 2018; calcined clay 8% of cement constituents / 0.30 t of calcined clay per t "
        "of LC3; as quoted secondhand, verify in the roadmap), from under 1% of clinker in 2022 "
        "(technologies.csv, lc3): 0.27 / (2050 - 2024) = 0.0104 a year, rounded to 0.01; "
        "sensitivity range 0.0075 (the roadmap's 2014 start, 0.27 / 36 years) to 0.015; "
        "scrap's sourced ramp is in technologies.csv (scrap_eaf)",
    )
    build_utilisation_threshold: float = _param(
        0.95,
        unit="share",
        ge=0.5,
        le=1.0,
        description="New capacity is built when a country-sector's utilisation exceeds this.",
        source="MPP steel model opens plants above 0.95 utilisation "
        "(Mission Possible Partnership, https://github.com/missionpossiblepartnership/"
        "mpp-steel-model, mppsteel/config/model_config.py)",
    )
    retire_utilisation_threshold: float = _param(
        0.6,
        unit="share",
        ge=0.0,
        le=0.95,
        description="Capacity retires when a country-sector's utilisation falls below this.",
        source="MPP steel model closes plants below 0.6 utilisation "
        "(Mission Possible Partnership, https://github.com/missionpossiblepartnership/"
        "mpp-steel-model, mppsteel/config/model_config.py)",
    )
    target_utilisation: float = _param(
        0.85,
        unit="share",
        ge=0.5,
        le=1.0,
        description="Utilisation that building and retiring aim for.",
        source=PLACEHOLDER,
    )
    electricity_price_change_per_year: float = _param(
        -0.005,
        unit="1/year",
        ge=-0.1,
        le=0.1,
        description="Relative yearly change of every country's industrial electricity price.",
        source=PLACEHOLDER,
    )
    grid_decarbonisation_scale: float = _param(
        1.0,
        unit="multiplier",
        ge=0.0,
        le=5.0,
        description="Multiplies each country's yearly grid-intensity decline.",
        source="lever",
    )
    learning: bool = _param(
        True,
        unit="switch",
        description="Wright's-law learning on global cumulative capacity.",
        source="Wright 1936; docs/model.md §3.1",
    )
    expected_learning_lookback_years: int = _param(
        5,
        unit="years",
        ge=0,
        le=20,
        description="Expected learning in deal values: companies expect each route's global "
        "deployment to grow by its conversions under way plus, after a lead time, its average "
        "yearly additions over this many past years, and value a technology at the capex that "
        "implies in the year they would use it (0: the conversions under way only).",
        source="modelling choice: adaptive expectations (extrapolating the recent trend; Nerlove "
        "1958) of the Wright's-law learning the model itself applies; docs/model.md §3.1; "
        "sensitivity range 0-10",
    )
    green_premium_share: float = _param(
        0.0,
        unit="share of incumbent opex",
        ge=0.0,
        le=0.5,
        description="Green public procurement: premium paid for low-carbon product, as a share "
        "of the incumbent route's operating cost per tonne (0: off).",
        source="off by default: published premiums are voluntary, for a niche of flat steel, "
        "not a market-wide price. Fastmarkets' European green flat-steel differential to the "
        "HRC index was EUR 150-200/t in April 2025 (mills' offers EUR 200-300/t, buyers' "
        "achievable estimate EUR 100-200/t, some bids EUR 70-80/t; "
        "https://eurometal.net/green-steel-buyers-more-willing-to-pay-premiums-for-flats-rather-"
        "than-longs/), about 0.3-0.4 of BF-BOF opex (528 USD/t); Stegra's offtakes (Mercedes-"
        "Benz, Porsche, Scania, IKEA, Microsoft and others, 20+ customers; Mission Possible "
        "Partnership, https://buildcleannow.missionpossiblepartnership.org/bright-spot/stegra) "
        "are reported at about a 30% premium on the steel price "
        "(https://theleaderreport.com/worlds-first-industrial-scale-green-steel-plant-promises-"
        "a-clean-future). No published cement premium found (Heidelberg Materials' evoZero is "
        "sold on orders; price not disclosed). Sensitivity range 0-0.4",
    )
    default_gas_price_usd_per_gj: float = _param(
        4.63,
        unit="USD/GJ",
        ge=0.0,
        le=50.0,
        description="Natural-gas price of a country without a row in the scenario's gas_prices "
        "table (all countries when the table is absent: club-game).",
        source="IGU Wholesale Gas Price Survey 2025 edition: world average wholesale price "
        "4.88 USD/MMBtu in 2024 = 4.63 USD/GJ (1 MMBtu = 1.055 GJ; reported by "
        "https://www.energymarketprice.com/home/en/news/1173541); sensitivity range "
        "2.0 (North America) to 10.9 (Europe)",
    )
    default_scrap_price_usd_per_t: float = _param(
        350.0,
        unit="USD/t",
        ge=0.0,
        le=1000.0,
        description="Steel scrap price of a country without a row in the scenario's scrap_prices "
        "table (all countries when the table is absent: club-game, teaching).",
        source="Turkish import scrap, the most quoted international benchmark: HMS 80:20 and "
        "shredded at USD 340-357/t CFR in January 2025 (CRU, via "
        "https://www.steelmarketupdate.com/contributor/tanya-kozlovskaia); Italian EAF scrap "
        "EUR 325/t in 2023 (Siderweb via https://eurometal.net/italian-eaf-production-costs-"
        "drop-below-blast-furnaces/), about USD 350; sensitivity range 300-450 USD/t",
    )

    # --- negotiation and valuation ----------------------------------------------------------
    valuation_horizon_years: int = _param(
        10,
        unit="years",
        ge=1,
        le=40,
        description="Years of savings or abatement an agent counts when valuing a deal.",
        source=PLACEHOLDER,
    )
    transaction_cost_musd: float = _param(
        2.0,
        unit="USD million per deal",
        ge=0.0,
        le=100.0,
        description="Transaction cost of a deal between strangers, split between the parties.",
        source=PLACEHOLDER,
    )
    trust_discount: float = _param(
        0.6,
        unit="share",
        ge=0.0,
        le=1.0,
        description="Share of the transaction cost removed at full trust.",
        source=PLACEHOLDER,
    )
    membership_discount: float = _param(
        0.3,
        unit="share",
        ge=0.0,
        le=1.0,
        description="Share of the transaction cost removed when the parties share an initiative.",
        source=PLACEHOLDER,
    )
    government_tie_discount: float = _param(
        0.3,
        unit="share",
        ge=0.0,
        le=1.0,
        description="Share of the transaction cost removed when the parties' home countries "
        "have a government partnership.",
        source=PLACEHOLDER,
    )
    affinity_transaction_cost_premium: float = _param(
        1.0,
        unit="share of the transaction cost",
        ge=0.0,
        le=3.0,
        description="Extra transaction cost between agents of different home countries with "
        "nothing in common: the cost is multiplied by 1 + premium x (1 - affinity), where "
        "affinity in [0, 1] is the Jaccard similarity of the two countries' bloc memberships "
        "(table 'blocs'; 1 within a country or when the scenario has no bloc rows). 1.0 doubles "
        "the cost of a pair that shares no bloc; 0 switches affinity off.",
        source="placeholder (modelling choice, verify); vary within bounds. Qualitative support "
        "only: gravity models find that shared institutions (trade agreements, currency unions, "
        "common language or legal origin) lower bilateral trade costs (Head & Mayer 2014, "
        "'Gravity equations: workhorse, toolkit, and cookbook', Handbook of International "
        "Economics vol. 4, ch. 3); the size is not estimated from them",
    )
    bargaining_power_provider: float = _param(
        0.5,
        unit="weight",
        ge=0.0,
        le=1.0,
        description="Nash bargaining weight of the side that provides finance (the donor) or "
        "technology (the licensor); the other side has 1 minus this.",
        source="symmetric Nash bargaining by default (placeholder)",
    )
    finance_disbursement_years: int = _param(
        3,
        unit="years",
        ge=1,
        le=10,
        description="Finance commitments are paid in equal tranches.",
        source=PLACEHOLDER,
    )
    finance_project_steel_mt: float = _param(
        2.4,
        unit="Mt/yr",
        ge=0.01,
        le=100.0,
        description="Largest steel capacity one finance deal converts (one project); a larger "
        "plant is split and one line of this size is financed.",
        source="Stegra's Boden plant, the first commercial H2-DRI-EAF project: 2.4 Mt/yr of "
        "green steel, commissioning 2026, with grants from Sweden's Industrial Leap fund "
        "(SteelOrbis, 20 Sep 2024, https://www.steelorbis.com/steel-news/latest-news/"
        "swedens-stegra-receives-state-aid-for-green-steel-operations-1358147.htm); "
        "sensitivity range 1-5 (Baowu's 1 Mt/yr H2-DRI line, 2025; Stegra's 5 Mt/yr by 2030)",
    )
    finance_project_cement_mt: float = _param(
        1.3,
        unit="Mt/yr",
        ge=0.01,
        le=100.0,
        description="Largest cement capacity one finance deal converts (one project, a kiln "
        "line); a larger plant is split and one line of this size is financed.",
        source="Brevik (Norcem, Heidelberg Materials), the first full-scale cement CCS: "
        "capture of 400,000 t CO2/yr, about 50% of the plant's emissions (Miljødirektoratet "
        "permit, CemNet 29 Sep 2022, https://www.cemnet.com/News/story/173544/"
        "norway-s-ea-approves-full-scale-ccus-plant-at-brevik.html), so about 0.8 Mt CO2/yr, "
        "or about 1.3 Mt/yr of cement at a conventional kiln's 0.60 tCO2/t (technologies.csv); "
        "sensitivity range 0.5-2 (kiln lines of 1-2 Mt/yr)",
    )
    concessional_rate_reduction: float = _param(
        0.03,
        unit="1/year",
        ge=0.0,
        le=0.2,
        description="Cost-of-capital reduction on a project co-financed by a donor.",
        source=PLACEHOLDER + "; 70% of public climate finance is loans (OECD 2024)",
    )
    licence_duration_years: int = _param(
        10,
        unit="years",
        ge=1,
        le=30,
        description="Duration of technology licences.",
        source=PLACEHOLDER,
    )
    licence_cost_musd: float = _param(
        1.0,
        unit="USD million",
        ge=0.0,
        le=100.0,
        description="Licensor's cost of transferring know-how (engineering support).",
        source=PLACEHOLDER,
    )
    codevelopment_years_forward: int = _param(
        3,
        unit="years",
        ge=0,
        le=15,
        description="Years by which a co-development consortium brings a technology forward for "
        "its members.",
        source=PLACEHOLDER,
    )
    codevelopment_cost_musd: float = _param(
        20.0,
        unit="USD million",
        ge=0.0,
        le=1000.0,
        description="Total R&D cost of a co-development consortium.",
        source="LEILAC-1: EUR 12m EU Horizon 2020 + EUR 9m consortium (Global Cement)",
    )
    government_partnership_duration_years: int = _param(
        10,
        unit="years",
        ge=1,
        le=50,
        description="Duration of government partnerships.",
        source=PLACEHOLDER,
    )
    government_partnership_cost_musd: float = _param(
        0.5,
        unit="USD million/year",
        ge=0.0,
        le=100.0,
        description="Yearly diplomatic and secretariat cost of a government partnership.",
        source=PLACEHOLDER + "; UK committed GBP 1m to the UK-Brazil hub (Veja, Mar 2024)",
    )
    government_tie_standing_musd: float = _param(
        0.0,
        unit="USD million/year",
        ge=0.0,
        le=100.0,
        description="Yearly value to each government of the standing a publicly announced "
        "industry partnership brings (diplomatic credit, a programme to show), counted like "
        "the deals the tie eases, with the government's trust in its partner. 0: a tie is "
        "worth only the deals it eases.",
        source="modelling choice (docs/model.md §3.5); 0 by default. Both industry "
        "partnerships of LeadIT's first five years were announced by heads of government at "
        "COP28 with programmes but no priced deals (India-Sweden Industry Transition "
        "Partnership, Press Information Bureau, Government of India, 1 Dec 2023; UK-Brazil "
        "Industrial Decarbonisation Hub, gov.uk MoU, 2 Dec 2023); leadit sets the calibrated "
        "value (docs/validation.md 'Hindcast')",
    )
    government_tie_announcement: Literal["stocktake", "yearly"] = _param(
        "stocktake",
        unit="choice",
        description="When a tie earns its standing: only when it is signed in a stocktake "
        "year (announced at the stocktake summit), or in any year.",
        source="modelling choice (docs/model.md §3.5): both industry partnerships of LeadIT's "
        "first five years were announced at COP28, which concluded the Paris Agreement's first "
        "global stocktake (UNFCCC decision 1/CMA.5, December 2023; India-Sweden, Press "
        "Information Bureau, 1 Dec 2023; UK-Brazil, gov.uk MoU, 2 Dec 2023)",
    )
    government_tie_probability: float = _param(
        1.0,
        unit="share per pair and year",
        ge=0.0,
        le=1.0,
        description="Chance that two eligible governments put a partnership on their agenda "
        "in a given year (a yearly hazard per pair: the time two governments take to agree "
        "one). 1: every eligible pair considers a tie every year.",
        source="modelling choice (docs/model.md §3.5); leadit sets the calibrated value "
        "(docs/validation.md 'Hindcast')",
    )
    max_government_partnerships: int = _param(
        3,
        unit="partnerships per country",
        ge=0,
        le=100,
        description="A government sustains at most this many active umbrella partnerships "
        "(diplomatic attention is scarce).",
        source="placeholder (verify): LeadIT's country-to-country partnerships are few "
        "(India-Sweden 2023, industrytransition.org; UK-Brazil 2023, gov.uk MoU)",
    )
    government_tie_agents: int = _param(
        10,
        unit="companies",
        ge=0,
        le=10000,
        description="A government values a tie by the deals of this many of its largest "
        "producers (and its own) with the partner country's.",
        source=PLACEHOLDER + " (bounded attention; keeps the valuation cheap in large worlds)",
    )

    # --- delivery and trust -----------------------------------------------------------------
    affinity_trust_penalty: float = _param(
        0.2,
        unit="share",
        ge=0.0,
        le=1.0,
        description="Share of the prior trust lost between agents whose home countries have "
        "nothing in common: i's trust in j without history (and the value it decays toward) is "
        "the delivery probability of j's promises under the enforcement regime (1 for a "
        "company; for a government ((1 - political_turnover_probability) x (1 - "
        "renege_probability under 'none')) ^ finance_disbursement_years, 1 under 'binding'; "
        "docs/model.md §3.5) x (1 - penalty x (1 - affinity)), where affinity in [0, 1] is the "
        "Jaccard similarity of the two countries' bloc memberships (table 'blocs'; 1 within a "
        "country or when the scenario has no bloc rows). 0.2 gives 0.8 x the delivery "
        "probability to a pair that shares no bloc; 0 switches it off.",
        source=PLACEHOLDER + ". Qualitative support only: shared international institutions "
        "raise states' confidence that commitments will be kept (Keohane 1984, 'After "
        "Hegemony: Cooperation and Discord in the World Political Economy', Princeton "
        "University Press); the size is not estimated from it",
    )
    trust_gain: float = _param(
        0.15,
        unit="share of gap to 1",
        ge=0.0,
        le=1.0,
        description="On delivery trust rises by this share of its distance to 1.",
        source=PLACEHOLDER,
    )
    trust_loss: float = _param(
        0.5,
        unit="share",
        ge=0.0,
        le=1.0,
        description="On default trust falls by this share.",
        source=PLACEHOLDER,
    )
    trust_decay_per_year: float = _param(
        0.05,
        unit="1/year",
        ge=0.0,
        le=1.0,
        description="Without contact trust relaxes toward its prior (the regime's delivery "
        "probability of the trustee's promises, lowered by affinity_trust_penalty) at this rate.",
        source=PLACEHOLDER,
    )
    budget_shock_sd: float = _param(
        0.2,
        unit="log-sd",
        ge=0.0,
        le=2.0,
        description="Yearly lognormal shock to donor budgets (reputational and none).",
        source=PLACEHOLDER + "; OECD: USD 89.6bn in 2021 vs 115.9bn in 2022",
    )
    political_turnover_probability: float = _param(
        0.05,
        unit="1/year",
        ge=0.0,
        le=1.0,
        description="Chance per year that a new government cancels a donor's open commitments.",
        source=PLACEHOLDER,
    )
    renege_probability: float = _param(
        0.1,
        unit="per donor and year",
        ge=0.0,
        le=1.0,
        description="With enforcement 'none', chance per year that a donor withholds all its due "
        "tranches although its budget would cover them. With political_turnover_probability "
        "and finance_disbursement_years it sets the prior trust in a government's promises.",
        source=PLACEHOLDER,
    )
    capability_gain_per_transfer: float = _param(
        0.1,
        unit="share",
        ge=0.0,
        le=1.0,
        description="A delivered technology transfer or adoption closes this share of the gap "
        "between a country's capability multiplier and 1.",
        source=PLACEHOLDER,
    )

    # --- policy -----------------------------------------------------------------------------
    ratchet_first_year: int = _param(
        2028,
        unit="year",
        ge=2000,
        le=2100,
        description="First ratchet (global stocktake) year.",
        source="Paris Agreement global stocktakes every five years: 2023, 2028, ...",
    )
    ratchet_interval_years: int = _param(
        5,
        unit="years",
        ge=1,
        le=20,
        description="Years between ratchet events.",
        source="Paris Agreement Art. 14: five-yearly global stocktake",
    )
    ratchet_increase: float = _param(
        0.15,
        unit="share",
        ge=0.0,
        le=2.0,
        description="At a ratchet, initiative members raise their carbon price by this share.",
        source=PLACEHOLDER,
    )
    ratchet_floor_usd_per_t: float = _param(
        5.0,
        unit="USD/tCO2",
        ge=0.0,
        le=200.0,
        description="At a ratchet, a member with a lower price moves up to at least this floor.",
        source=PLACEHOLDER,
    )

    # --- initiative membership --------------------------------------------------------------
    membership_fee_musd: float = _param(
        0.5,
        unit="USD million/year",
        ge=0.0,
        le=100.0,
        description="Yearly cost of initiative membership (secretariat, reporting).",
        source=PLACEHOLDER,
    )
    membership_reputation_musd: float = _param(
        2.0,
        unit="USD million/year",
        ge=0.0,
        le=100.0,
        description="Yearly reputational value of membership to a country.",
        source=PLACEHOLDER,
    )

    ratchet_cost_share: float = _param(
        0.05,
        unit="share",
        ge=0.0,
        le=1.0,
        description="Share of the extra yearly carbon cost of the next ratchet, on the part of "
        "the ratcheted price above the government's own ambition price, that it counts as a "
        "real cost of membership (abatement and competitiveness; the rest is a transfer from "
        "industry to the treasury).",
        source=PLACEHOLDER,
    )
    membership_exit_cost_musd: float = _param(
        10.0,
        unit="USD million (once, on leaving)",
        ge=0.0,
        le=1000.0,
        description="Reputation a country loses by leaving an initiative, beyond the yearly "
        "reputational value it gives up: a member leaves only when staying for the next review "
        "period loses more than this. 'deals' payoff only (the club game has no exit cost).",
        source="placeholder (modelling choice): one review period of the default "
        "membership_reputation_musd; withdrawal is costly to reputation in the club literature "
        "(Barrett 2003, Environment and Statecraft, Oxford University Press)",
    )

    membership_joining: Literal["review", "yearly"] = _param(
        "review",
        unit="choice",
        description="When a non-member may join an initiative: only at reviews (stocktake "
        "years, with leaving), or in any year (leaving stays a review decision). LeadIT "
        "admitted members between stocktakes (11 countries at its launch in 2019, 16 by "
        "September 2021, 18 by COP28 2023; industrytransition.org, Press Information Bureau).",
        source="modelling choice (docs/model.md §3.7); 'yearly' is what LeadIT's record shows",
    )
    membership_join_probability: float = _param(
        1.0,
        unit="share per year",
        ge=0.0,
        le=1.0,
        description="Chance that a country for which joining pays does join in a given year "
        "(a yearly hazard: the time a government takes to decide). 1: it joins at once.",
        source="modelling choice for the default (1: join at once, as the review rule always "
        "did); leadit uses 0.071 per year (90% interval 0.044-0.108), fitted by "
        "`industry-transition calibrate examples/calibration/leadit-2019.toml` to LeadIT's "
        "2019-2024 membership record (docs/validation.md §12 'Hindcast')",
    )
    membership_payoff: Literal["deals", "club_game"] = _param(
        "deals",
        unit="choice",
        description="How countries value initiative membership: 'deals' (brokered surplus, "
        "finance received, transaction costs saved, reputation, fee, ratchet cost) or "
        "'club_game' (the textbook coalition game: payoff club_benefit x total abatement - "
        "club_cost/2 x own abatement^2).",
        source="docs/model.md §3.7; Barrett 1994, Carraro & Siniscalco 1993",
    )
    club_benefit: float = _param(
        1.0,
        unit="payoff per unit of total abatement",
        ge=0.0,
        le=1e6,
        description="club_game: each country's benefit per unit of everyone's abatement (b).",
        source="textbook symmetric coalition game (Barrett 1994)",
    )
    club_cost: float = _param(
        1.0,
        unit="payoff per unit abatement squared",
        ge=1e-9,
        le=1e6,
        description="club_game: each country's abatement cost is club_cost/2 x own abatement^2.",
        source="textbook symmetric coalition game (Barrett 1994)",
    )
    club_initial_members: int = _param(
        0,
        unit="countries",
        ge=0,
        le=100_000,
        description="club_game: how many countries start as members of the club.",
        source="experiment design",
    )

    # --- generated scenarios ----------------------------------------------------------------
    # Only generated scenarios read these (load_scenario refuses them elsewhere); the synthetic
    # world is drawn from `world_seed`, not from the run's seed (docs/model.md, "Synthetic").
    countries: int | None = _param(
        None,
        unit="countries",
        ge=1,
        le=100_000,
        description="Generated scenarios: number of countries (club-game: identical countries, "
        "unset 10; synthetic: unset max(5, companies // 50), at most 200).",
        source="experiment design",
    )
    companies: int | None = _param(
        None,
        unit="companies",
        ge=1,
        le=10_000_000,
        description="Synthetic scenario: number of companies, producers and technology firms "
        "(unset: 100).",
        source="experiment design",
    )
    plants_per_company: float = _param(
        2.0,
        unit="plants per producing company",
        ge=1.0,
        le=100.0,
        description="Synthetic scenario: mean number of plants of a producing company; each "
        "has 1 + Poisson(this - 1). Technology firms own none, as in leadit.",
        source="experiment design; leadit's producers hold 1-593 plant rows (median 8) since its "
        "sourced fleet (issue 14), 1-8 plant groups before",
    )
    initiatives: int = _param(
        1,
        unit="initiatives",
        ge=0,
        le=1_000,
        description="Synthetic scenario: number of initiatives (the first has a broker).",
        source="experiment design; leadit has one (LeadIT)",
    )
    world_seed: int = _param(
        0,
        unit="seed",
        ge=0,
        le=2**32 - 1,
        description="Synthetic scenario: the seed the world (countries, companies, plants, "
        "ties) is drawn from. Separate from the run seed, so replications share one world; "
        "vary it to vary worlds.",
        source="experiment design",
    )

    @model_validator(mode="after")
    def _cross_field_rules(self) -> Parameters:
        """Rules between fields, held by every Parameters however it is made."""
        if not (
            self.retire_utilisation_threshold
            < self.target_utilisation
            <= self.build_utilisation_threshold
        ):
            raise ValueError(
                "utilisation thresholds must satisfy retire_utilisation_threshold "
                f"({self.retire_utilisation_threshold}) < target_utilisation "
                f"({self.target_utilisation}) <= build_utilisation_threshold "
                f"({self.build_utilisation_threshold})"
            )
        if self.end_year < self.start_year:
            raise ValueError(f"end_year ({self.end_year}) is before start_year ({self.start_year})")
        return self

    def finance_project_mt(self, sector: Any) -> Any:
        """Largest line (Mt/yr) a finance deal converts, for sector codes (0 steel, 1 cement)."""
        sizes = np.array([self.finance_project_steel_mt, self.finance_project_cement_mt])
        return sizes[sector]

    @classmethod
    def field_names(cls) -> list[str]:
        """All parameter names, in schema order."""
        return list(cls.model_fields)

    @classmethod
    def describe(cls) -> list[dict[str, Any]]:
        """One row per parameter: name, default, unit, bounds, description, source."""
        rows = []
        for name, field in cls.model_fields.items():
            extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
            lower = upper = None
            for meta in field.metadata:
                lower = getattr(meta, "ge", lower)
                upper = getattr(meta, "le", upper)
            rows.append(
                {
                    "name": name,
                    "default": field.default,
                    "unit": extra.get("unit", ""),
                    "min": lower,
                    "max": upper,
                    "description": field.description or "",
                    "source": extra.get("source", ""),
                }
            )
        return rows


class ParameterError(ValueError):
    """A parameter value or name that the schema does not allow."""


#: Seeds are whole numbers in [0, SEED_LIMIT): what NumPy's generators and Mesa accept, the
#: same range everywhere (command line, Python, the app, sweep specs).
SEED_LIMIT = 2**63


def check_seed(seed: object, name: str = "seed") -> int:
    """``seed`` as an int if it is a whole number in [0, 2^63), else a clear ParameterError."""
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise ParameterError(f"{name} {seed!r}: give a whole number from 0 to 2^63 - 1")
    value = int(seed)
    if not 0 <= value < SEED_LIMIT:
        raise ParameterError(
            f"{name} {value}: out of range, give a whole number from 0 to 2^63 - 1 "
            f"({SEED_LIMIT - 1:,})"
        )
    return value


def build_parameters(values: dict[str, Any], *, origin: str = "overrides") -> Parameters:
    """Validate ``values`` against the schema, raising one clear :class:`ParameterError`.

    Args:
        values: parameter names and values.
        origin: where the values came from (a file name or 'overrides'), used in messages.
    """
    known = Parameters.model_fields
    for key in values:
        if key not in known:
            hint = did_you_mean(key, list(known))
            raise ParameterError(
                f"{origin}: unknown parameter '{key}'{hint} "
                "(`industry-transition params` lists them all)"
            )
    try:
        params = Parameters(**values)
    except ValidationError as err:
        first = err.errors()[0]
        if not first["loc"]:  # a rule between fields (``_cross_field_rules``)
            message = str(first["msg"]).removeprefix("Value error, ")
            raise ParameterError(f"{origin}: {message}") from None
        key = ".".join(str(p) for p in first["loc"])
        field = known.get(key)
        allowed = ""
        if field is not None:
            row = next(r for r in Parameters.describe() if r["name"] == key)
            if row["min"] is not None or row["max"] is not None:
                allowed = f" (allowed: {row['min']} to {row['max']} {row['unit']})"
        raise ParameterError(
            f"{origin}: parameter '{key}' = {first.get('input')!r}: {first['msg']}{allowed}"
        ) from None
    return params
